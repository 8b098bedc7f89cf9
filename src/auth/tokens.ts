import { verify } from "hono/jwt";
import type { Config } from "../config";
import { base64url, hmacSha256Sync, randomBytes, sha256 } from "./crypto";
import { decodeBase64Url as base64urlDecode } from "hono/utils/encode";
import { ACCESS_TOKEN_TYP, loadKeyring, verifyWithKeyring, type Keyring } from "./keys";
import type { Aal, Amr } from "./session-keys";

export type AccessClaims = {
  sub: string;
  sid: string;
  role: "user" | "admin";
  /** How the session was signed in (RFC 8176), its assurance level and when (seconds): fixed for the session. */
  amr: Amr[];
  aal: Aal;
  auth_time: number;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
};

/** The access token failed verification; the HTTP layer answers 401 invalid_token. */
export class InvalidAccessTokenError extends Error {
  override name = "InvalidAccessTokenError";
}

const ALG = "HS256";

// hono/jwt imports a string secret as a CryptoKey on every sign and verify; it accepts a
// CryptoKey too, so each secret is imported once (keyed by the secret: config is per app).
const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export async function signAccessToken(
  config: Config,
  claims: Pick<AccessClaims, "sub" | "sid" | "role" | "amr" | "aal" | "auth_time">,
  nowMs: number,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const payload: AccessClaims = {
    ...claims,
    iat,
    exp: iat + config.accessTokenTtl,
    iss: config.jwt.issuer,
    aud: config.jwt.audience,
    jti: base64url(randomBytes(12)),
  };
  const body = base64url(utf8.encode(JSON.stringify(payload)));
  // With JWT_SIGNING_KEYS: the first key signs, header {"alg","typ":"at+jwt","kid"} (auth/keys.ts).
  if (config.jwt.keys) {
    const ring = await loadKeyring(config.jwt.keys);
    const unsigned = `${ring.header}.${body}`;
    return `${unsigned}.${await ring.sign(unsigned)}`;
  }
  // An HS256 JWS with header {"alg":"HS256","typ":"at+jwt"} (RFC 9068: never mistaken for another
  // kind of JWT): on Bun signed synchronously, elsewhere with WebCrypto. Verification goes through hono/jwt.
  const unsigned = `${JWT_HEADER}.${body}`;
  const signature =
    hmacSha256Sync(config.jwt.secret, unsigned) ??
    base64url(new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(config.jwt.secret), utf8.encode(unsigned))));
  return `${unsigned}.${signature}`;
}

const utf8 = new TextEncoder();
/** RFC 9068's `typ` of every access token (defined with the keys, which write it too). */
export { ACCESS_TOKEN_TYP };
const JWT_HEADER = base64url(utf8.encode(JSON.stringify({ alg: ALG, typ: ACCESS_TOKEN_TYP })));
const AMR = new Set<unknown>(["pwd", "otp", "hwk", "fed", "mfa"]);

// Clients send the same access token for up to ACCESS_TOKEN_TTL, and WebCrypto's async HMAC costs
// far more than the rest of a request, so the payload of a token whose signature, alg, iss and aud
// already passed is remembered (per config: secret, issuer, audience). Only verified tokens are ever
// added, keyed by the whole token string, and the time checks below still run on every request.
const VERIFIED_MAX = 10_000;
const verifiedByConfig = new WeakMap<Config["jwt"], Map<string, Record<string, unknown>>>();

function verifiedCache(config: Config): Map<string, Record<string, unknown>> {
  let verified = verifiedByConfig.get(config.jwt);
  if (!verified) verifiedByConfig.set(config.jwt, (verified = new Map()));
  return verified;
}

async function verifiedPayload(config: Config, token: string, ring: Keyring | undefined, nowMs: number): Promise<Record<string, unknown>> {
  const verified = verifiedCache(config);
  const payload = ring
    ? ((await verifyWithKeyring(ring, token, config.jwt, nowMs)) as Record<string, unknown>)
    : await verifyHs256(config, token);
  // Bounded: when full, start over (a miss only costs one signature check).
  if (verified.size >= VERIFIED_MAX) verified.clear();
  verified.set(token, payload);
  return payload;
}

async function verifyHs256(config: Config, token: string): Promise<Record<string, unknown>> {
  return (await verify(token, await hmacKey(config.jwt.secret), {
    alg: ALG,
    typ: ACCESS_TOKEN_TYP,
    iss: config.jwt.issuer,
    aud: config.jwt.audience,
    exp: false,
    nbf: false,
    iat: false,
  })) as Record<string, unknown>;
}

/**
 * Verifies signature, algorithm (pinned: `alg: none` or RS/HS confusion fail), `typ`, issuer and
 * audience (HS256 with hono/jwt; with JWT_SIGNING_KEYS, the key the `kid` names, in its algorithm,
 * with jose), then the times against our clock (so tests can expire tokens without sleeping).
 */
export async function verifyAccessToken(config: Config, token: string, nowMs: number): Promise<AccessClaims> {
  // A token string already in the cache passed every check below the first time it was seen.
  let payload = verifiedCache(config).get(token);
  if (!payload) {
    const ring = config.jwt.keys ? await loadKeyring(config.jwt.keys) : undefined;
    // Keys are picked by `kid` only, among our own: a token naming a key any other way (jku, jwk, x5u…) is not ours.
    if (!hasOnlyOurHeader(token, ring !== undefined)) throw new InvalidAccessTokenError("header");
    try {
      payload = await verifiedPayload(config, token, ring, nowMs);
    } catch (error) {
      throw new InvalidAccessTokenError((error as Error).name);
    }
  }
  const now = Math.floor(nowMs / 1000);
  const { sub, sid, role, exp, iat, nbf, amr, aal, auth_time } = payload;
  if (typeof exp !== "number" || exp <= now) throw new InvalidAccessTokenError("expired");
  if (typeof iat !== "number" || iat > now + 60) throw new InvalidAccessTokenError("issued in the future");
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now)) throw new InvalidAccessTokenError("not yet valid");
  if (
    typeof sub !== "string" || typeof sid !== "string" || (role !== "user" && role !== "admin") ||
    !Array.isArray(amr) || !amr.every((m) => AMR.has(m)) || (aal !== "aal1" && aal !== "aal2") || typeof auth_time !== "number"
  ) {
    throw new InvalidAccessTokenError("claims");
  }
  return payload as AccessClaims;
}

/**
 * The JOSE header has exactly the members signAccessToken writes: `alg` HS256 and `typ` at+jwt; with
 * a key set, `alg`, `typ` at+jwt and `kid` (which key, and that its alg fits, is checked by keys.ts).
 */
function hasOnlyOurHeader(token: string, withKid: boolean): boolean {
  try {
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(token.split(".")[0] ?? ""))) as Record<string, unknown>;
    const keys = Object.keys(header);
    if (withKid) return typeof header.kid === "string" && header.typ === ACCESS_TOKEN_TYP && keys.length === 3 && typeof header.alg === "string";
    return header.alg === ALG && header.typ === ACCESS_TOKEN_TYP && keys.length === 2;
  } catch {
    return false;
  }
}

/** 256 random bits, base64url: the opaque refresh token handed to the client. */
export function mintRefreshToken(): string {
  return base64url(randomBytes(32));
}

/** Only this digest is stored, so a leaked store does not leak usable refresh tokens. */
export const hashRefreshToken = (token: string) => sha256(`refresh:${token}`);
