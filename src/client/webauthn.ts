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

// One ceremony at a time: a new one (a click) cancels the pending one (an autofill request, which
// may still wait after the sign-in page is gone), as the browser refuses a second while one is pending.
let pending: AbortController | undefined;
function ceremonySignal(signal?: AbortSignal): AbortSignal {
  pending?.abort();
  const own = (pending = new AbortController());
  signal?.addEventListener("abort", () => own.abort(), { once: true });
  return own.signal;
}

/** The browser's refusals as EdgeAuthErrors: `cancelled` (closed, timed out, superseded), `passkey_exists`, `passkey_failed`. */
function ceremonyError(error: unknown): EdgeAuthError {
  if (error instanceof EdgeAuthError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === "NotAllowedError" || name === "AbortError") return new EdgeAuthError(0, "cancelled", "The passkey prompt was closed.");
  if (name === "InvalidStateError") return new EdgeAuthError(0, "passkey_exists", "This device already holds a passkey for your account.");
  return new EdgeAuthError(0, "passkey_failed", "The passkey could not be used. Try again.");
}

/** Runs the browser's registration ceremony on the server's creation options. */
export async function createCredential(options: Json, signal?: AbortSignal): Promise<Json> {
  requireSupport();
  try {
    const credential = (await navigator.credentials.create({ publicKey: creationOptions(options), signal: ceremonySignal(signal) })) as PublicKeyCredential | null;
    if (!credential) throw new EdgeAuthError(0, "cancelled", "No passkey was created.");
    return credentialJson(credential);
  } catch (error) {
    throw ceremonyError(error);
  }
}

/** Runs the browser's sign-in ceremony; `conditional` offers passkeys in the email field's autofill. */
export async function getCredential(options: Json, conditional = false, signal?: AbortSignal): Promise<Json> {
  requireSupport();
  try {
    const credential = (await navigator.credentials.get({
      publicKey: requestOptions(options),
      ...(conditional ? { mediation: "conditional" as CredentialMediationRequirement } : {}),
      signal: ceremonySignal(signal),
    })) as PublicKeyCredential | null;
    if (!credential) throw new EdgeAuthError(0, "cancelled", "No passkey was chosen.");
    return credentialJson(credential);
  } catch (error) {
    throw ceremonyError(error);
  }
}

/** Whether the browser can offer passkeys in autofill (conditional mediation). */
export async function autofillSupported(): Promise<boolean> {
  if (!passkeysSupported()) return false;
  const pkc = PublicKeyCredential as unknown as { isConditionalMediationAvailable?: () => Promise<boolean> };
  return (await pkc.isConditionalMediationAvailable?.()) ?? false;
}
