import { z } from "@hono/zod-openapi";
import type { PasskeyRow } from "../db/schema";

/** base64url text of at most `max` characters (what WebAuthn's JSON forms carry). */
const b64u = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

// Bounds: a credential id is at most 1023 bytes; the rest is far under MAX_BODY_BYTES anyway.
const Common = {
  id: b64u(1400),
  rawId: b64u(1400),
  type: z.literal("public-key"),
  // Extension outputs (credProps, prf, ...) are read by no one here, so any small object passes.
  clientExtensionResults: z.record(z.string().max(64), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

/** `PublicKeyCredential.toJSON()` of a `navigator.credentials.create()`: unknown top-level fields refused. */
export const RegistrationCredential = z
  .strictObject({
    ...Common,
    response: z.object({
      clientDataJSON: b64u(4096),
      attestationObject: b64u(12_000),
      authenticatorData: b64u(8192).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: b64u(4096).optional(),
    }),
  })
  .openapi("RegistrationCredential");

/** `PublicKeyCredential.toJSON()` of a `navigator.credentials.get()`. */
export const AuthenticationCredential = z
  .strictObject({
    ...Common,
    response: z.object({
      clientDataJSON: b64u(4096),
      authenticatorData: b64u(4096),
      signature: b64u(2048),
      // Some authenticators send null for "no user handle".
      userHandle: b64u(128).nullish().transform((v) => v ?? undefined),
    }),
  })
  .openapi("AuthenticationCredential");

export const Passkey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
    lastUsedAt: z.string().nullable().openapi({ format: "date-time" }),
    backedUp: z.boolean(),
  })
  .openapi("Passkey");

/** WebAuthn options as the browser's parse*OptionsFromJSON takes them (the object itself). */
export const CeremonyOptions = z.looseObject({ challenge: z.string() }).openapi("PasskeyOptions");

/** The public view of a passkey: no key material, no credential id. */
export function toPasskey(row: PasskeyRow): z.infer<typeof Passkey> {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    backedUp: row.backedUp,
  };
}

/** A name people recognise in the list when they gave none: the device they added it on. */
export function defaultPasskeyName(userAgent: string | undefined): string {
  const ua = userAgent ?? "";
  const device = /iPhone/.test(ua) ? "iPhone" : /iPad/.test(ua) ? "iPad" : /Android/.test(ua) ? "Android"
    : /Mac OS X|Macintosh/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /CrOS/.test(ua) ? "Chromebook"
    : /Linux/.test(ua) ? "Linux" : null;
  return device ? `Passkey on ${device}` : "Passkey";
}
