// Asymmetric JWT helpers for tests, on WebCrypto and jose only: the same file runs under Bun and
// inside workerd (test/worker), so both prove the same forgeries fail.
import { generateSigningKey } from "../../src/auth/key-generate";
import type { SigningJwk } from "../../src/auth/key-set";

const utf8 = new TextEncoder();
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64json = (value: unknown) => b64(utf8.encode(JSON.stringify(value)));

/** Signs `input` with a private JWK in the given JWS algorithm (any key with any alg: for forgeries). */
export async function signWith(jwk: SigningJwk, input: string): Promise<string> {
  const { kid: _kid, alg: _alg, ...material } = jwk;
  const params = jwk.kty === "EC" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const key = await crypto.subtle.importKey("jwk", material, params, false, ["sign"]);
  const algorithm = jwk.kty === "EC" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  return b64(new Uint8Array(await crypto.subtle.sign(algorithm, key, utf8.encode(input))));
}

/** HMAC-SHA256 with any string key (for HS256 forgeries: our JWT_SECRET, or a public key as text). */
export async function hmacWith(secret: string, input: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(input))));
}

export type Forge = { header: Record<string, unknown>; payload: Record<string, unknown>; sign: (input: string) => Promise<string> | string };

/** A compact JWS with exactly this header and payload, signed by `sign`. */
export async function forgeJwt({ header, payload, sign }: Forge): Promise<string> {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${await sign(input)}`;
}

/** A fresh key pair of each kind, as private JWKs. */
export async function freshKeys(): Promise<{ ES256: Extract<SigningJwk, { alg: "ES256" }>; EdDSA: Extract<SigningJwk, { alg: "EdDSA" }> }> {
  const [es, ed] = await Promise.all([generateSigningKey("ES256"), generateSigningKey("EdDSA")]);
  return { ES256: es as Extract<SigningJwk, { alg: "ES256" }>, EdDSA: ed as Extract<SigningJwk, { alg: "EdDSA" }> };
}

/** The same key material under another kid (an attacker's key claiming to be ours). */
export const underKid = (jwk: SigningJwk, kid: string): SigningJwk => ({ ...jwk, kid });

export const keySet = (...keys: SigningJwk[]) => JSON.stringify({ keys });

/** Header and payload of a JWT, unverified. */
export function partsOf(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const decode = (s: string) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))));
  const [h, p] = token.split(".");
  return { header: decode(h!), payload: decode(p!) };
}
