import { calculateJwkThumbprint } from "jose";
import { parseSigningKeySet, publicHalf, type SigningAlg, type SigningJwk } from "./key-set";

/**
 * What `bun run keys:generate` makes unless told: EdDSA, the cheaper signature where every refresh
 * signs one (test/bench/signing.ts, CPU per signature: Bun 12 vs 14 us for ES256, workerd ~14 vs
 * ~18 us). `--alg ES256` for verifiers without Ed25519 (Cloudflare API Shield's JWT validation,
 * some gateways and older libraries). Development keeps ES256 (API.md).
 */
export const DEFAULT_SIGNING_ALG: SigningAlg = "EdDSA";

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
