// Byte-level helpers of the passkey ceremonies (src/auth/passkeys.ts): user handles, clientData, log reasons.
import { base64url, fromBase64url } from "./crypto";

/** The WebAuthn user handle: the user id's 16 bytes, stable, and no email or name in it. */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  const hex = userId.replace(/-/g, "");
  return new Uint8Array(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
}

/** The user handle as it comes back in an assertion (base64url). */
export const userHandleText = (userId: string) => base64url(userHandle(userId));

/** The challenge a credential's clientDataJSON signs, or null when it does not parse. */
export function signedChallenge(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(new TextDecoder().decode(fromBase64url(clientDataJSON))) as { challenge?: unknown };
    // Our challenges are 32 random bytes, base64url: anything else was never issued.
    return typeof data.challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(data.challenge) ? data.challenge : null;
  } catch {
    return null;
  }
}

// The library's messages quote what the client sent; the log gets a fixed word instead.
const REASONS: [RegExp, string][] = [
  [/origin/i, "wrong_origin"], [/RP ?ID/i, "wrong_rp_id"], [/user (could not be )?verif|verified/i, "no_user_verification"],
  [/present/i, "no_user_presence"], [/challenge/i, "wrong_challenge"], [/signature/i, "bad_signature"], [/type/i, "wrong_type"],
  [/algorithm|alg/i, "unsupported_algorithm"],
];
/** A fixed word for why the library refused a response. */
export const reasonOf = (error: unknown) => REASONS.find(([pattern]) => pattern.test(String((error as Error)?.message)))?.[1] ?? "malformed";
