import type { PublicUser } from "../schemas";
import type { Services } from "../services";
import { base64url, randomBytes } from "./crypto";
import { rotationCall } from "./rotation-script";
import {
  amrOf, refreshKey, revokedKey, sessionKey, sessionMetaKey, userSessionsKey,
  type Aal, type Amr, type RefreshRecord, type SessionMeta, type SessionRecord,
} from "./session-keys";
import { hashRefreshToken, mintRefreshToken, signAccessToken } from "./tokens";
import { parseCachedUser, userCacheKey } from "./user-cache";

/** RFC 6749 §5.1 field names, so OAuth2 clients read it as is. */
export type TokenPair = {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
};

type Role = "user" | "admin";

// requestId is there when called from a request (c.var), so security events join their request log line.
type Deps = Pick<Services, "store" | "config" | "clock" | "logger"> & { requestId?: string };

/**
 * Why a refresh token was refused; the route answers 401 invalid_token for all of them. A reuse
 * names the session it ended, so the route can record it in the account's activity.
 */
export type RefreshRefusal =
  | { refused: "unknown" | "session_ended" }
  | { refused: "reused"; sid: string; uid: string };

/** How a session was signed in: fixed at its start, carried unchanged by every refresh. */
export type SessionAssurance = { amr: Amr[]; aal: Aal; authTime: number };
/** What the session list shows about the device; written once at sign-in. */
export type SessionDevice = { userAgent: string | null; ip: string | null };

/** Signs the access token for a session and wraps it with its refresh token. */
async function pairFor(deps: Deps, uid: string, sid: string, role: Role, assurance: SessionAssurance, refreshToken: string, now: number): Promise<TokenPair> {
  const { config } = deps;
  const { amr, aal, authTime } = assurance;
  return {
    access_token: await signAccessToken(config, { sub: uid, sid, role, amr, aal, auth_time: authTime }, now),
    token_type: "bearer",
    expires_in: config.accessTokenTtl,
    refresh_token: refreshToken,
    refresh_expires_in: config.refreshTokenTtl,
  };
}

/**
 * Starts a new session: its id (to end it again without a lookup) and its first token pair.
 * Only the sign-in gate (auth/sign-in.ts) calls this: every rule of signing in lives there.
 */
export async function startSession(
  deps: Deps,
  user: { id: string; role: Role },
  assurance: SessionAssurance,
  device: SessionDevice,
): Promise<{ sessionId: string; pair: TokenPair }> {
  const { store, config, clock } = deps;
  const sid = base64url(randomBytes(16));
  const uid = user.id;
  const now = clock.now();
  const ttl = config.refreshTokenTtl;
  const refreshToken = mintRefreshToken();
  const record: RefreshRecord = { sid, uid, exp: now + ttl * 1000 };
  const [tokenHash, pair] = await Promise.all([hashRefreshToken(refreshToken), pairFor(deps, uid, sid, user.role, assurance, refreshToken, now)]);
  // Field order matters: the rotation script reads the record by one pattern (session-keys.ts).
  const session: SessionRecord = { uid, exp: record.exp, amr: assurance.amr.join(","), aal: assurance.aal, auth: assurance.authTime, seen: now };
  const meta: SessionMeta = { createdAt: now, userAgent: device.userAgent?.slice(0, 200) ?? null, ip: device.ip };
  // Sent together (one pipelined round trip on Redis), token record first. Should one fail, the
  // login answers 503 and hands out no token of the half-written session.
  await Promise.all([
    store.set(refreshKey(tokenHash), JSON.stringify(record), ttl),
    store.set(sessionMetaKey(sid), JSON.stringify(meta), ttl),
    store.set(sessionKey(sid), JSON.stringify(session), ttl),
    store.setAdd(userSessionsKey(uid), sid, ttl),
  ]);
  return { sessionId: sid, pair };
}

/** The refresh token's record (session and user), or null when it is unknown or expired: for logout. */
export async function findRefreshToken(deps: Deps, refreshToken: string): Promise<RefreshRecord | null> {
  const hash = await hashRefreshToken(refreshToken);
  const raw = await deps.store.get(refreshKey(hash));
  if (!raw) return null;
  const record = JSON.parse(raw) as RefreshRecord;
  return record.exp > deps.clock.now() ? record : null;
}

/**
 * Rotation. The first use of a refresh token marks it used and gets a new pair in the same session.
 * A repeat within REFRESH_REUSE_GRACE seconds of the first use (two tabs, a retried request) gets
 * another fresh pair; a repeat after that is treated as theft and ends the whole session.
 * `loadRole` reads the user's current role (null: the user is gone or disabled).
 *
 * Every check and write is ONE atomic store script (auth/rotation-script.ts): one round trip when
 * the user's cached copy is there. Without the copy the script writes nothing and asks for the
 * user: the database is read BEFORE the token is marked used, so a 503 (database down) leaves the
 * token unused and the retry is not mistaken for theft. Then the script runs again.
 */
export async function rotateRefreshToken(
  deps: Deps,
  refreshToken: string,
  loadRole: (uid: string, cached: PublicUser | null) => Promise<Role | null>,
): Promise<TokenPair | RefreshRefusal> {
  const { store, clock, config, logger } = deps;
  const newToken = mintRefreshToken();
  const [oldHash, newHash] = await Promise.all([hashRefreshToken(refreshToken), hashRefreshToken(newToken)]);
  const rotate = async (userChecked: boolean) => {
    const now = clock.now();
    const input = { oldHash, newHash, now, refreshTtl: config.refreshTokenTtl, reuseGraceSeconds: config.refreshReuseGrace, userChecked };
    return { now, outcome: await store.runScript(...rotationCall(input)) };
  };
  let { now, outcome } = await rotate(false);
  let checkedRole: Role | undefined;
  if (outcome.status === "need_user") {
    const role = await loadRole(outcome.uid, null);
    if (!role) return endSession(deps, outcome.sid, outcome.uid);
    checkedRole = role;
    ({ now, outcome } = await rotate(true));
  }
  if (outcome.status === "reused") {
    // The script has already ended the session; the log lines are revokeSession's.
    logger.warn("auth.refresh_reuse_detected", { requestId: deps.requestId, userId: outcome.uid, sessionId: outcome.sid });
    logger.info("auth.session_revoked", { requestId: deps.requestId, userId: outcome.uid, sessionId: outcome.sid });
    return { refused: "reused", sid: outcome.sid, uid: outcome.uid };
  }
  // need_user cannot come back from the second run (it goes ahead without the copy).
  if (outcome.status !== "ok") return { refused: outcome.status === "need_user" ? "session_ended" : outcome.status };
  const { sid, uid } = outcome;
  // The role just read from the database stands when the copy is gone again (no second read that
  // could fail after the token was used).
  const user = parseCachedUser(outcome.cachedUser, uid);
  const role = user || !checkedRole ? await loadRole(uid, user) : checkedRole;
  if (!role) return endSession(deps, sid, uid);
  const assurance: SessionAssurance = { amr: amrOf(outcome.amr), aal: outcome.aal, authTime: outcome.authTime };
  return pairFor(deps, uid, sid, role, assurance, newToken, now);
}

async function endSession(deps: Deps, sid: string, uid: string): Promise<RefreshRefusal> {
  await revokeSession(deps, sid, uid);
  return { refused: "session_ended" };
}

/**
 * The session record while it exists, belongs to this user and has not expired; else null (a
 * record that does not parse counts as ended: fail closed). The one liveness rule: the bearer
 * check, the sessions list and ending one's own session all read a session through it.
 */
export function liveSession(raw: string | null | undefined, uid: string, nowMs: number): SessionRecord | null {
  if (!raw) return null;
  let session: SessionRecord;
  try {
    session = JSON.parse(raw) as SessionRecord;
  } catch {
    return null;
  }
  return session.uid === uid && session.exp > nowMs ? session : null;
}

/**
 * The session check and the user's cached public view in ONE store round trip (MGET). The user
 * is null when not cached (or when the session is not alive): callers then read the database.
 */
export async function readSession(
  deps: Pick<Deps, "store" | "clock">,
  sid: string,
  uid: string,
): Promise<{ alive: boolean; user: PublicUser | null }> {
  const [raw, cached] = await deps.store.getMany([sessionKey(sid), userCacheKey(uid)]);
  const alive = liveSession(raw, uid, deps.clock.now()) !== null;
  return { alive, user: alive ? parseCachedUser(cached, uid) : null };
}

/** Ends one session: its access tokens and every refresh token descended from its login stop working. */
export async function revokeSession(deps: Deps, sid: string, uid: string): Promise<void> {
  await deps.store.set(revokedKey(sid), "1", deps.config.refreshTokenTtl);
  await deps.store.delete(sessionKey(sid), sessionMetaKey(sid));
  await deps.store.setRemove(userSessionsKey(uid), sid);
  deps.logger.info("auth.session_revoked", { requestId: deps.requestId, userId: uid, sessionId: sid });
}

/** Ends every session of a user, except `keepSid` when given (a password change keeps the caller's). */
export async function revokeAllSessions(deps: Deps, uid: string, keepSid?: string): Promise<void> {
  const sids = (await deps.store.setMembers(userSessionsKey(uid))).filter((sid) => sid !== keepSid);
  // Tombstones first (the rotation script refuses a tombstoned session), then the sessions themselves. Each step's calls go
  // out together: one round trip per step on a pipelining store, not one per session.
  await Promise.all(sids.map((sid) => deps.store.set(revokedKey(sid), "1", deps.config.refreshTokenTtl)));
  if (sids.length > 0) await deps.store.delete(...sids.flatMap((sid) => [sessionKey(sid), sessionMetaKey(sid)]));
  await Promise.all(sids.map((sid) => deps.store.setRemove(userSessionsKey(uid), sid)));
  deps.logger.info("auth.sessions_revoked", { requestId: deps.requestId, userId: uid, count: sids.length });
}
