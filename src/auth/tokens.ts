import { sign, verify } from "hono/jwt";
import type { Config } from "../config";
import { base64url, randomBytes, sha256 } from "./crypto";
import { decodeBase64Url as base64urlDecode } from "hono/utils/encode";

export type AccessClaims = {
  sub: string;
  sid: string;
  role: "user" | "admin";
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

export async function signAccessToken(
  config: Config,
  claims: { sub: string; sid: string; role: "user" | "admin" },
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
  return sign(payload, config.jwt.secret, ALG);
}

/**
 * Verifies signature, algorithm (pinned: `alg: none` or RS/HS confusion fail), issuer and audience
 * with hono/jwt, then the times against our clock (so tests can expire tokens without sleeping).
 */
export async function verifyAccessToken(config: Config, token: string, nowMs: number): Promise<AccessClaims> {
  // We sign with one key and never pick keys by header: a token naming a key (kid, jku, jwk, x5u…) is not ours.
  if (!hasOnlyOurHeader(token)) throw new InvalidAccessTokenError("header");
  let payload: Record<string, unknown>;
  try {
    payload = (await verify(token, config.jwt.secret, {
      alg: ALG,
      iss: config.jwt.issuer,
      aud: config.jwt.audience,
      exp: false,
      nbf: false,
      iat: false,
    })) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidAccessTokenError((error as Error).name);
  }
  const now = Math.floor(nowMs / 1000);
  const { sub, sid, role, exp, iat, nbf } = payload;
  if (typeof exp !== "number" || exp <= now) throw new InvalidAccessTokenError("expired");
  if (typeof iat !== "number" || iat > now + 60) throw new InvalidAccessTokenError("issued in the future");
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now)) throw new InvalidAccessTokenError("not yet valid");
  if (typeof sub !== "string" || typeof sid !== "string" || (role !== "user" && role !== "admin")) {
    throw new InvalidAccessTokenError("claims");
  }
  return payload as AccessClaims;
}

/** The JOSE header is exactly what signAccessToken writes: `alg` HS256 and `typ` JWT, nothing else. */
function hasOnlyOurHeader(token: string): boolean {
  try {
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(token.split(".")[0] ?? ""))) as Record<string, unknown>;
    return header.alg === ALG && Object.keys(header).every((k) => k === "alg" || (k === "typ" && header.typ === "JWT"));
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
