import { importJWK, jwtVerify, type JWTPayload } from "jose";
import { ConfigError } from "../config";
import { base64url, fromBase64url } from "./crypto";
import { publicHalf, type PublicJwk, type SigningAlg, type SigningJwk } from "./key-set";

/**
 * The signing keys of JWT_SIGNING_KEYS, imported once per key set: the first key signs, every key
 * verifies the tokens that name it by `kid`, in its own algorithm only, and every public half is
 * published (GET /.well-known/jwks.json).
 */
export type Keyring = {
  kid: string;
  alg: SigningAlg;
  /** The base64url JOSE header of every token signed: `{"alg","typ":"at+jwt","kid"}`. */
  header: string;
  /** A JWS signature (base64url) over `input` with the current key: synchronous on Bun. */
  sign(input: string): string | Promise<string>;
  /** kid → the public key and the one algorithm it is used with. */
  verifiers: Map<string, { alg: SigningAlg; key: CryptoKey }>;
  /** The JWK Set to publish: public members only (publicHalf never copies `d`). */
  jwks: { keys: PublicJwk[] };
};

/** A token that names no configured key, or names one with another algorithm. */
export class UnknownSigningKeyError extends Error {
  override name = "UnknownSigningKeyError";
}

/** RFC 9068: every access token says `typ: "at+jwt"`, so it is never taken for another kind of JWT. */
export const ACCESS_TOKEN_TYP = "at+jwt";
const utf8 = new TextEncoder();

// Bun's node:crypto signs synchronously (~13 us for either curve here) where WebCrypto's async sign
// costs ~25 us plus a hop to a worker thread and back (measured: see README). Reached through
// process.getBuiltinModule so the Workers bundle imports nothing of Node; Workers keep WebCrypto.
type NodeCrypto = {
  createPrivateKey(options: { key: object; format: "jwk" }): unknown;
  sign(algorithm: string | null, data: Uint8Array, key: unknown): Uint8Array;
};
const g = globalThis as { Bun?: unknown; process?: { getBuiltinModule?: (id: string) => unknown } };
const nodeCrypto = g.Bun ? (g.process?.getBuiltinModule?.("crypto") as NodeCrypto | undefined) : undefined;

/** The signing function for one private key: node:crypto (sync) on Bun, WebCrypto elsewhere. */
export async function signerFor(key: SigningJwk, useWebCrypto = !nodeCrypto): Promise<(input: string) => string | Promise<string>> {
  if (!useWebCrypto && nodeCrypto) {
    const keyObject = nodeCrypto.createPrivateKey({ key: { ...key, alg: undefined }, format: "jwk" });
    // JWS wants ECDSA signatures as r||s (IEEE P1363), not DER.
    const options = key.alg === "ES256" ? { key: keyObject, dsaEncoding: "ieee-p1363" } : keyObject;
    return (input) => base64url(nodeCrypto.sign(key.alg === "ES256" ? "sha256" : null, utf8.encode(input), options));
  }
  const privateKey = (await importJWK(key, key.alg)) as CryptoKey;
  // WebCrypto's ECDSA output is already r||s, and Ed25519's is the plain 64 bytes: both are JWS signatures.
  const algorithm = key.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  return async (input) => base64url(new Uint8Array(await crypto.subtle.sign(algorithm, privateKey, utf8.encode(input))));
}

/** Verifies one compact JWS signature with WebCrypto (used once per key at import, as a pair check). */
async function signatureMatches(alg: SigningAlg, key: CryptoKey, input: string, signature: string): Promise<boolean> {
  const bytes = fromBase64url(signature);
  const algorithm = alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  return crypto.subtle.verify(algorithm, key, bytes, utf8.encode(input));
}

async function buildKeyring(keys: SigningJwk[]): Promise<Keyring> {
  const verifiers = new Map<string, { alg: SigningAlg; key: CryptoKey }>();
  let sign: Keyring["sign"] | undefined;
  for (const [i, jwk] of keys.entries()) {
    // A key whose d does not belong to its x/y would sign tokens that nobody can verify: refuse to
    // start. The import itself may notice (node:crypto checks EC pairs), else the probe signature does.
    const mismatch = new ConfigError(`Invalid configuration:\n  JWT_SIGNING_KEYS: key ${JSON.stringify(jwk.kid)}: the private part "d" does not belong to its public part`);
    const probe = "edge-auth key check";
    const [publicKey, signer] = await Promise.all([importJWK(publicHalf(jwk), jwk.alg) as Promise<CryptoKey>, signerFor(jwk)]).catch(() => {
      throw mismatch;
    });
    if (!(await signatureMatches(jwk.alg, publicKey, probe, await signer(probe)))) throw mismatch;
    verifiers.set(jwk.kid, { alg: jwk.alg, key: publicKey });
    if (i === 0) sign = signer;
  }
  const current = keys[0]!;
  return {
    kid: current.kid,
    alg: current.alg,
    header: base64url(utf8.encode(JSON.stringify({ alg: current.alg, typ: ACCESS_TOKEN_TYP, kid: current.kid }))),
    sign: sign!,
    verifiers,
    jwks: { keys: keys.map(publicHalf) },
  };
}

// Per configured key set (config is parsed once per app): imported once, then read synchronously.
const pending = new WeakMap<SigningJwk[], Promise<Keyring>>();
const ready = new WeakMap<SigningJwk[], Keyring>();

/** The keyring of a configured key set, imported on first use (the entries await it at start, to fail fast). */
export function loadKeyring(keys: SigningJwk[]): Keyring | Promise<Keyring> {
  const done = ready.get(keys);
  if (done) return done;
  let promise = pending.get(keys);
  if (!promise) {
    promise = buildKeyring(keys).then((ring) => (ready.set(keys, ring), ring));
    pending.set(keys, promise);
    promise.catch(() => pending.delete(keys));
  }
  return promise;
}

/**
 * Verifies a token with the key its `kid` names, in that key's algorithm only (no kid, an unknown
 * kid, or another alg: refused before any signature check), with `typ`, `iss` and `aud` pinned.
 * Times are checked against `nowMs` (our clock) by jose and again by the caller.
 */
export async function verifyWithKeyring(
  ring: Keyring,
  token: string,
  expected: { issuer: string; audience: string },
  nowMs: number,
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(
    token,
    (header) => {
      const verifier = header.kid === undefined ? undefined : ring.verifiers.get(header.kid);
      if (!verifier || verifier.alg !== header.alg) throw new UnknownSigningKeyError("kid");
      return verifier.key;
    },
    { algorithms: ["ES256", "EdDSA"], typ: ACCESS_TOKEN_TYP, issuer: expected.issuer, audience: expected.audience, currentDate: new Date(nowMs) },
  );
  return payload;
}
