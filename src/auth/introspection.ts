import type { Services } from "../services";
import { refreshKey, refreshUsedKey, type RefreshRecord } from "./session-keys";
import { readSession } from "./sessions";
import { hashRefreshToken, verifyAccessToken, type AccessClaims } from "./tokens";

/** RFC 7662 answers: what POST /auth/introspect returns for a token. */
export type Introspection =
  | { active: false }
  | ({ active: true; token_type: "access_token" } & Pick<AccessClaims, "sub" | "sid" | "role" | "amr" | "aal" | "exp" | "iat" | "iss" | "aud" | "jti">)
  | { active: true; token_type: "refresh_token"; sub: string; sid: string; exp: number };

const INACTIVE = { active: false } as const;
// mintRefreshToken: 32 random bytes, base64url. Anything else is not one of ours (and costs no store call).
const REFRESH_SHAPE = /^[A-Za-z0-9_-]{43}$/;

type Deps = Pick<Services, "config" | "store" | "clock">;

/**
 * What a token is worth right now. An access token must verify (signature, kid, typ, iss, aud,
 * times) AND its session must be alive, so a revocation shows at once; a refresh token must be
 * known, unexpired, not yet used, and its session alive. The hint is not needed: the two kinds
 * cannot be mistaken for each other (a JWT has dots, a refresh token never does).
 */
export async function introspectToken(deps: Deps, token: string): Promise<Introspection> {
  if (token.includes(".")) return introspectAccessToken(deps, token);
  if (REFRESH_SHAPE.test(token)) return introspectRefreshToken(deps, token);
  return INACTIVE;
}

async function introspectAccessToken(deps: Deps, token: string): Promise<Introspection> {
  let claims: AccessClaims;
  try {
    claims = await verifyAccessToken(deps.config, token, deps.clock.now());
  } catch {
    return INACTIVE;
  }
  if (!(await readSession(deps, claims.sid, claims.sub)).alive) return INACTIVE;
  const { sub, sid, role, amr, aal, exp, iat, iss, aud, jti } = claims;
  return { active: true, token_type: "access_token", sub, sid, role, amr, aal, exp, iat, iss, aud, jti };
}

async function introspectRefreshToken(deps: Deps, token: string): Promise<Introspection> {
  const hash = await hashRefreshToken(token);
  const [raw, used] = await deps.store.getMany([refreshKey(hash), refreshUsedKey(hash)]);
  // A used token may still buy a pair inside the reuse grace, but it is no longer "live": inactive.
  if (!raw || used) return INACTIVE;
  const record = JSON.parse(raw) as RefreshRecord;
  if (record.exp <= deps.clock.now()) return INACTIVE;
  if (!(await readSession(deps, record.sid, record.uid)).alive) return INACTIVE;
  return { active: true, token_type: "refresh_token", sub: record.uid, sid: record.sid, exp: Math.floor(record.exp / 1000) };
}
