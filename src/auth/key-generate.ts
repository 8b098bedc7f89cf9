import { calculateJwkThumbprint } from "jose";
import { parseSigningKeySet, publicHalf, type SigningAlg, type SigningJwk } from "./key-set";

/**
 * The algorithm `bun run keys:generate` and development use: ES256. EdDSA signs a little faster
 * (test/bench/signing.ts: a whole access token on Bun ~14 vs ~18 us, in workerd ~14 vs ~18 us),
 * 3-5% of a refresh's ~100 us of server CPU, while more verifiers take ES256: Cloudflare API
 * Shield's JWT validation (RSA, ES256, ES384; no EdDSA), other gateways, older JWT libraries.
 */
export const DEFAULT_SIGNING_ALG: SigningAlg = "ES256";

/**
 * A new private signing key as a JWK, with a fresh `kid`: the date it was made (so an operator
 * can tell keys apart at a glance) and the start of its RFC 7638 thumbprint.
 */
export async function generateSigningKey(alg: SigningAlg = DEFAULT_SIGNING_ALG, now = new Date()): Promise<SigningJwk> {
  const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as unknown as Record<string, unknown>;
  const draft = { ...jwk, kid: "draft", alg };
  const parsed = parseSigningKeySet(JSON.stringify({ keys: [draft] }));
  if ("problems" in parsed) throw new Error(`generated key did not parse: ${parsed.problems.join("; ")}`);
  const key = parsed.keys[0]!;
  const thumbprint = await calculateJwkThumbprint(publicHalf(key));
  return { ...key, kid: `${now.toISOString().slice(0, 10)}-${thumbprint.slice(0, 12)}` };
}
