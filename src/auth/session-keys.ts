/**
 * Store keys of sessions and refresh tokens, shared by sessions.ts and the rotation script.
 * Sessions: s:<sid>; a user's sessions: us:<uid>; refresh tokens by hash: rt:<hash>; first use of
 * a refresh token: rtu:<hash> (its presence means "already used"); ended sessions: sr:<sid> (a
 * tombstone, so a rotation in flight cannot bring the session back).
 */
export const sessionKey = (sid: string) => `s:${sid}`;
export const revokedKey = (sid: string) => `sr:${sid}`;
export const userSessionsKey = (uid: string) => `us:${uid}`;
export const refreshKey = (hash: string) => `rt:${hash}`;
export const refreshUsedKey = (hash: string) => `rtu:${hash}`;

// Stored as JSON.stringify writes them, fields in this order: the rotation script reads them by pattern.

/** s:<sid>: the session is alive while it exists, belongs to `uid` and `exp` (ms) is ahead. */
export type SessionRecord = { uid: string; exp: number };
/** rt:<hash>: the session and user a refresh token belongs to, and when it expires (ms). */
export type RefreshRecord = { sid: string; uid: string; exp: number };
