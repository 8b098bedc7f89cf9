import type { PublicUser } from "../schemas";
import type { Services } from "../services";
import { base64url, randomBytes } from "./crypto";
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

type SessionRecord = { uid: string; exp: number };
type RefreshRecord = { sid: string; uid: string; exp: number };

// Store keys. Sessions: s:<sid>; a user's sessions: us:<uid>; refresh tokens by hash: rt:<hash>;
// first use of a refresh token: rtu:<hash> (its presence means "already used");
// ended sessions: sr:<sid> (a tombstone, so a rotation in flight cannot bring the session back).
const sessionKey = (sid: string) => `s:${sid}`;
const revokedKey = (sid: string) => `sr:${sid}`;
const userSessionsKey = (uid: string) => `us:${uid}`;
const refreshKey = (hash: string) => `rt:${hash}`;
const refreshUsedKey = (hash: string) => `rtu:${hash}`;

// requestId is there when called from a request (c.var), so security events join their request log line.
type Deps = Pick<Services, "store" | "config" | "clock" | "logger"> & { requestId?: string };

/** Why a refresh token was refused; the route answers 401 invalid_token for all of them. */
export type RefreshRefusal = "unknown" | "reused" | "session_ended";

/**
 * Mints a pair and writes it. `readAfter`: a key read AFTER the writes landed (returned as `after`);
 * on a store that applies calls in order it rides in the same round trip as the writes.
 */
async function issuePair(
  deps: Deps,
  uid: string,
  sid: string,
  role: "user" | "admin",
  readAfter?: string,
): Promise<{ pair: TokenPair; after: string | null }> {
  const { store, config, clock } = deps;
  const now = clock.now();
  const ttl = config.refreshTokenTtl;
  const refreshToken = mintRefreshToken();
  const record: RefreshRecord = { sid, uid, exp: now + ttl * 1000 };
  const [tokenHash, accessToken] = await Promise.all([hashRefreshToken(refreshToken), signAccessToken(config, { sub: uid, sid, role }, now)]);
  // The three writes are sent together (one pipelined round trip on Redis), token record first:
  // on one connection Redis applies them in order, so a live session always has a usable token.
  // Should one fail, the request fails and a retry within REFRESH_REUSE_GRACE gets a fresh pair.
  const writes: Promise<unknown>[] = [
    store.set(refreshKey(tokenHash), JSON.stringify(record), ttl),
    store.set(sessionKey(sid), JSON.stringify({ uid, exp: record.exp } satisfies SessionRecord), ttl),
    store.setAdd(userSessionsKey(uid), sid, ttl),
  ];
  let after: string | null = null;
  if (readAfter && store.appliesInCallOrder) after = ((await Promise.all([...writes, store.get(readAfter)]))[3] as string | null);
  else {
    await Promise.all(writes);
    if (readAfter) after = await store.get(readAfter);
  }
  const pair: TokenPair = {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: config.accessTokenTtl,
    refresh_token: refreshToken,
    refresh_expires_in: ttl,
  };
  return { pair, after };
}

/** Starts a new session (a login): its id (to end it again without a lookup) and its first token pair. */
export async function startSession(deps: Deps, user: { id: string; role: "user" | "admin" }): Promise<{ sessionId: string; pair: TokenPair }> {
  const sessionId = base64url(randomBytes(16));
  return { sessionId, pair: (await issuePair(deps, user.id, sessionId, user.role)).pair };
}

/** The refresh token's record (session and user), or null when it is unknown or expired. */
export async function findRefreshToken(deps: Deps, refreshToken: string): Promise<(RefreshRecord & { hash: string }) | null> {
  const hash = await hashRefreshToken(refreshToken);
  const raw = await deps.store.get(refreshKey(hash));
  if (!raw) return null;
  const record = JSON.parse(raw) as RefreshRecord;
  if (record.exp <= deps.clock.now()) return null;
  return { ...record, hash };
}

/**
 * Rotation. The first use of a refresh token marks it used (atomic set-if-absent) and gets a new
 * pair in the same session. A repeat within REFRESH_REUSE_GRACE seconds of the first use (two tabs,
 * a retried request) gets another fresh pair; a repeat after that is treated as theft and ends the
 * whole session. `loadRole` reads the user's current role (null: the user is gone or disabled).
 */
export async function rotateRefreshToken(
  deps: Deps,
  refreshToken: string,
  loadRole: (uid: string, cached: PublicUser | null) => Promise<"user" | "admin" | null>,
): Promise<TokenPair | RefreshRefusal> {
  const { store, clock, config, logger } = deps;
  const record = await findRefreshToken(deps, refreshToken);
  if (!record) return "unknown";
  // A token of an ended session is refused before anything is written: a rejected request changes
  // nothing. The same round trip (MGET) brings the user's cached copy (auth/user-cache.ts).
  const session = await readSession(deps, record.sid, record.uid);
  if (!session.alive) return "session_ended";
  // The user is read (cached copy, else the database) before the token is marked used: if the
  // database is down, the 503 leaves the token unused, so a retry is not mistaken for theft.
  const role = await loadRole(record.uid, session.user);
  if (!role) {
    await revokeSession(deps, record.sid, record.uid);
    return "session_ended";
  }
  const now = clock.now();
  const remaining = Math.max(1, Math.ceil((record.exp - now) / 1000));
  // The mark and the session re-check go out together (one round trip; on a store that applies
  // calls in order the re-check is read after the mark). Either way the tombstone check below is
  // what guarantees a racing revocation wins; this re-check only spares the writes.
  const [firstUse, stillAlive] = await Promise.all([
    store.setIfAbsent(refreshUsedKey(record.hash), String(now), remaining),
    isSessionAlive(deps, record.sid, record.uid),
  ]);
  if (firstUse !== null) {
    const withinGrace = config.refreshReuseGrace > 0 && now - Number(firstUse) <= config.refreshReuseGrace * 1000;
    if (!withinGrace) {
      logger.warn("auth.refresh_reuse_detected", { requestId: deps.requestId, userId: record.uid, sessionId: record.sid });
      await revokeSession(deps, record.sid, record.uid);
      return "reused";
    }
  }
  if (!stillAlive) return "session_ended";
  // issuePair rewrote s:<sid>. If a revocation (reuse detected, logout, password change, disable)
  // ran since the liveness check above, that write resurrected the session: undo it. Revocation
  // writes its tombstone before deleting s:<sid> and we read it after writing s:<sid> (issuePair's
  // readAfter), so one of the two always sees the other and the session ends up revoked either way.
  const { pair, after: tombstone } = await issuePair(deps, record.uid, record.sid, role, revokedKey(record.sid));
  if (tombstone) {
    await store.delete(sessionKey(record.sid));
    return "session_ended";
  }
  return pair;
}

/** True while the session exists and belongs to this user: checked on every authenticated request. */
export async function isSessionAlive(deps: Pick<Deps, "store" | "clock">, sid: string, uid: string): Promise<boolean> {
  return sessionAlive(deps, await deps.store.get(sessionKey(sid)), uid);
}

function sessionAlive(deps: Pick<Deps, "clock">, raw: string | null, uid: string): boolean {
  if (!raw) return false;
  const session = JSON.parse(raw) as SessionRecord;
  return session.uid === uid && session.exp > deps.clock.now();
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
  const alive = sessionAlive(deps, raw ?? null, uid);
  const user = alive ? parseCachedUser(cached) : null;
  // A copy under another id would be a bug; never serve it.
  return { alive, user: user && user.id === uid ? user : null };
}

/** Ends one session: its access tokens and every refresh token descended from its login stop working. */
export async function revokeSession(deps: Deps, sid: string, uid: string): Promise<void> {
  await deps.store.set(revokedKey(sid), "1", deps.config.refreshTokenTtl);
  await deps.store.delete(sessionKey(sid));
  await deps.store.setRemove(userSessionsKey(uid), sid);
  deps.logger.info("auth.session_revoked", { requestId: deps.requestId, userId: uid, sessionId: sid });
}

/** Ends every session of a user, except `keepSid` when given (a password change keeps the caller's). */
export async function revokeAllSessions(deps: Deps, uid: string, keepSid?: string): Promise<void> {
  const sids = (await deps.store.setMembers(userSessionsKey(uid))).filter((sid) => sid !== keepSid);
  // Tombstones first (see rotateRefreshToken), then the sessions themselves. Each step's calls go
  // out together: one round trip per step on a pipelining store, not one per session.
  await Promise.all(sids.map((sid) => deps.store.set(revokedKey(sid), "1", deps.config.refreshTokenTtl)));
  if (sids.length > 0) await deps.store.delete(...sids.map(sessionKey));
  await Promise.all(sids.map((sid) => deps.store.setRemove(userSessionsKey(uid), sid)));
  deps.logger.info("auth.sessions_revoked", { requestId: deps.requestId, userId: uid, count: sids.length });
}
