import { browserSupportsWebAuthn, startAuthentication, startRegistration } from "@simplewebauthn/browser";

/**
 * The browser side of a passkey ceremony: options JSON from the server in, credential JSON out.
 * The browser's own `PublicKeyCredential.parse*OptionsFromJSON` and `credential.toJSON()` where
 * it has them (Chrome/Edge 129+, Firefox 119+, Safari 18.4+); @simplewebauthn/browser elsewhere
 * (older Safari on iPhones and Macs, older Chromium browsers): 2.8 KiB gzip for those people.
 */

type Json = Record<string, unknown>;
type NativeStatics = {
  parseCreationOptionsFromJSON?: (options: Json) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (options: Json) => PublicKeyCredentialRequestOptions;
  isConditionalMediationAvailable?: () => Promise<boolean>;
};
const statics = () => (globalThis.PublicKeyCredential as unknown as NativeStatics | undefined) ?? {};
const hasNativeJson = () => !!statics().parseCreationOptionsFromJSON && !!statics().parseRequestOptionsFromJSON;

/** Whether this browser can use passkeys at all (WebAuthn in a secure context). */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

// One ceremony at a time: a new one (a click) cancels the pending one (the autofill request),
// as the browser refuses a second request while one is pending.
let pending: AbortController | undefined;
function freshSignal(): AbortSignal {
  pending?.abort();
  pending = new AbortController();
  return pending.signal;
}

function toJson(credential: Credential | null): Json {
  if (!credential) throw new DOMException("No passkey was chosen.", "NotAllowedError");
  return (credential as PublicKeyCredential & { toJSON(): Json }).toJSON();
}

/** navigator.credentials.create() for the server's creation options. */
export async function createPasskey(options: Json): Promise<Json> {
  if (!hasNativeJson()) return (await startRegistration({ optionsJSON: options as never })) as unknown as Json;
  const publicKey = statics().parseCreationOptionsFromJSON!(options);
  return toJson(await navigator.credentials.create({ publicKey, signal: freshSignal() }));
}

/**
 * navigator.credentials.get() for the server's request options. `autofill`: conditional
 * mediation (the passkey is offered in the email field's autofill list, no dialog).
 */
export async function getPasskey(options: Json, autofill = false): Promise<Json> {
  if (!hasNativeJson()) return (await startAuthentication({ optionsJSON: options as never, useBrowserAutofill: autofill })) as unknown as Json;
  const publicKey = statics().parseRequestOptionsFromJSON!(options);
  const mediation = autofill ? ("conditional" as CredentialMediationRequirement) : undefined;
  return toJson(await navigator.credentials.get({ publicKey, mediation, signal: freshSignal() }));
}

/** Whether the browser offers passkeys in autofill (conditional mediation). */
export async function autofillAvailable(): Promise<boolean> {
  try {
    return passkeysSupported() && (await statics().isConditionalMediationAvailable?.()) === true;
  } catch {
    return false;
  }
}

/** A cancelled or refused prompt (the person closed it, or another ceremony took over): not an error to show. */
export function wasCancelled(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  const code = (error as { code?: string })?.code;
  return name === "NotAllowedError" || name === "AbortError" || code === "ERROR_CEREMONY_ABORTED";
}
