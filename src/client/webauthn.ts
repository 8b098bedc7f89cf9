/**
 * The browser half of passkeys: WebAuthn JSON options in, JSON credential out (API.md: the
 * forms `PublicKeyCredential.parseCreationOptionsFromJSON` and `toJSON()` use). Native methods
 * where the browser has them; a small converter otherwise. No dependency.
 */
import { EdgeAuthError } from "./errors";

type Json = Record<string, any>;

const fromB64url = (s: string): ArrayBuffer => {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "="));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
};
const toB64url = (b: ArrayBuffer): string =>
  btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** True where this runtime can create and use passkeys (a browser with WebAuthn). */
export const passkeysSupported = (): boolean =>
  typeof window !== "undefined" && typeof PublicKeyCredential !== "undefined" && !!navigator.credentials;

function requireSupport(): void {
  if (!passkeysSupported()) throw new EdgeAuthError(0, "unsupported", "Passkeys are not available here.");
}

const PKC = () => PublicKeyCredential as unknown as {
  parseCreationOptionsFromJSON?: (o: Json) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: Json) => PublicKeyCredentialRequestOptions;
};

function creationOptions(o: Json): PublicKeyCredentialCreationOptions {
  const native = PKC().parseCreationOptionsFromJSON;
  if (native) return native(o);
  return {
    ...o,
    challenge: fromB64url(o.challenge),
    user: { ...o.user, id: fromB64url(o.user.id) },
    excludeCredentials: (o.excludeCredentials ?? []).map((c: Json) => ({ ...c, id: fromB64url(c.id) })),
  } as PublicKeyCredentialCreationOptions;
}

function requestOptions(o: Json): PublicKeyCredentialRequestOptions {
  const native = PKC().parseRequestOptionsFromJSON;
  if (native) return native(o);
  return { ...o, challenge: fromB64url(o.challenge), allowCredentials: (o.allowCredentials ?? []).map((c: Json) => ({ ...c, id: fromB64url(c.id) })) } as PublicKeyCredentialRequestOptions;
}

function credentialJson(credential: PublicKeyCredential): Json {
  const withJson = credential as PublicKeyCredential & { toJSON?: () => Json };
  if (typeof withJson.toJSON === "function") return withJson.toJSON();
  const r = credential.response as AuthenticatorAttestationResponse & AuthenticatorAssertionResponse;
  const response: Json = { clientDataJSON: toB64url(r.clientDataJSON) };
  if ("attestationObject" in r && r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return { id: credential.id, rawId: toB64url(credential.rawId), type: credential.type, response, clientExtensionResults: credential.getClientExtensionResults(), authenticatorAttachment: credential.authenticatorAttachment ?? undefined };
}

/** Runs the browser's registration ceremony on the server's creation options. */
export async function createCredential(options: Json): Promise<Json> {
  requireSupport();
  const credential = (await navigator.credentials.create({ publicKey: creationOptions(options) })) as PublicKeyCredential | null;
  if (!credential) throw new EdgeAuthError(0, "cancelled", "No passkey was created.");
  return credentialJson(credential);
}

/** Runs the browser's sign-in ceremony; `conditional` offers passkeys in the email field's autofill. */
export async function getCredential(options: Json, conditional = false, signal?: AbortSignal): Promise<Json> {
  requireSupport();
  const credential = (await navigator.credentials.get({
    publicKey: requestOptions(options),
    ...(conditional ? { mediation: "conditional" as CredentialMediationRequirement } : {}),
    signal,
  })) as PublicKeyCredential | null;
  if (!credential) throw new EdgeAuthError(0, "cancelled", "No passkey was chosen.");
  return credentialJson(credential);
}

/** Whether the browser can offer passkeys in autofill (conditional mediation). */
export async function autofillSupported(): Promise<boolean> {
  if (!passkeysSupported()) return false;
  const pkc = PublicKeyCredential as unknown as { isConditionalMediationAvailable?: () => Promise<boolean> };
  return (await pkc.isConditionalMediationAvailable?.()) ?? false;
}
