/**
 * JWT_SIGNING_KEYS, checked without any crypto (parseConfig is synchronous and pure): a JWK Set of
 * private ES256 (EC P-256) or EdDSA (OKP Ed25519) keys, each with its own `kid`. auth/keys.ts
 * imports the keys that pass.
 */

export type SigningAlg = "ES256" | "EdDSA";

/** A private signing key as configured: exactly the members that describe it (nothing else is kept). */
export type SigningJwk =
  | { kty: "EC"; crv: "P-256"; x: string; y: string; d: string; kid: string; alg: "ES256" }
  | { kty: "OKP"; crv: "Ed25519"; x: string; d: string; kid: string; alg: "EdDSA" };

/** A public key as published in the JWKS: never `d`. */
export type PublicJwk =
  | { kty: "EC"; crv: "P-256"; x: string; y: string; kid: string; alg: "ES256"; use: "sig" }
  | { kty: "OKP"; crv: "Ed25519"; x: string; kid: string; alg: "EdDSA"; use: "sig" };

// A P-256 coordinate or scalar and an Ed25519 key are all 32 bytes: 43 base64url characters.
const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const KID = /^[\x21-\x7e]{1,128}$/;

/** What the JWKS publishes for a configured key: its public half only, by construction. */
export function publicHalf(key: SigningJwk): PublicJwk {
  return key.kty === "EC"
    ? { kty: "EC", crv: "P-256", x: key.x, y: key.y, kid: key.kid, alg: "ES256", use: "sig" }
    : { kty: "OKP", crv: "Ed25519", x: key.x, kid: key.kid, alg: "EdDSA", use: "sig" };
}

/** One key of the set: the normalised key, or what is wrong with it. */
function checkKey(raw: unknown, at: string): SigningJwk | string {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return `${at} is not a JWK object`;
  const k = raw as Record<string, unknown>;
  const name = typeof k.kid === "string" ? `${at} (kid ${JSON.stringify(k.kid)})` : at;
  if (typeof k.kid !== "string" || !KID.test(k.kid)) return `${at} needs a "kid" (1 to 128 printable characters)`;
  if (k.use !== undefined && k.use !== "sig") return `${name}: "use" must be "sig"`;
  const kid = k.kid;
  if (k.kty === "EC" && k.crv === "P-256") {
    if (k.alg !== undefined && k.alg !== "ES256") return `${name}: alg ${JSON.stringify(k.alg)} does not fit a P-256 key (ES256 only)`;
    if (typeof k.d !== "string") return `${name}: the private part "d" is missing (JWT_SIGNING_KEYS holds private keys)`;
    for (const part of ["x", "y", "d"] as const) {
      if (typeof k[part] !== "string" || !B64URL_32.test(k[part] as string)) return `${name}: "${part}" is not a 32-byte base64url value`;
    }
    return { kty: "EC", crv: "P-256", x: k.x as string, y: k.y as string, d: k.d as string, kid, alg: "ES256" };
  }
  if (k.kty === "OKP" && k.crv === "Ed25519") {
    if (k.alg !== undefined && k.alg !== "EdDSA" && k.alg !== "Ed25519") return `${name}: alg ${JSON.stringify(k.alg)} does not fit an Ed25519 key (EdDSA only)`;
    if (typeof k.d !== "string") return `${name}: the private part "d" is missing (JWT_SIGNING_KEYS holds private keys)`;
    for (const part of ["x", "d"] as const) {
      if (typeof k[part] !== "string" || !B64URL_32.test(k[part] as string)) return `${name}: "${part}" is not a 32-byte base64url value`;
    }
    return { kty: "OKP", crv: "Ed25519", x: k.x as string, d: k.d as string, kid, alg: "EdDSA" };
  }
  const what = [k.kty, k.crv, k.alg].filter((v) => typeof v === "string").join(" ") || "no kty";
  return `${name}: unsupported key (${what}); use ES256 (EC P-256) or EdDSA (OKP Ed25519)`;
}

/**
 * Parses JWT_SIGNING_KEYS: `{"keys":[...]}` with at least one key, every key private, supported and
 * with a distinct `kid`. Returns the keys in order (the first signs) or every problem found.
 */
export function parseSigningKeySet(json: string): { keys: SigningJwk[] } | { problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problems: ["not JSON (expected a JWK Set: {\"keys\":[...]})"] };
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return { problems: ['expected a JWK Set with at least one key: {"keys":[...]}'] };
  const problems: string[] = [];
  const ok: SigningJwk[] = [];
  const seen = new Set<string>();
  keys.forEach((raw, i) => {
    const key = checkKey(raw, `key ${i + 1}`);
    if (typeof key === "string") return void problems.push(key);
    if (seen.has(key.kid)) return void problems.push(`key ${i + 1}: duplicate kid ${JSON.stringify(key.kid)} (every key needs its own)`);
    seen.add(key.kid);
    ok.push(key);
  });
  return problems.length > 0 ? { problems } : { keys: ok };
}
