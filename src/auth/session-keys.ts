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
/** sm:<sid>: what the session list shows and never changes (SessionMeta). */
export const sessionMetaKey = (sid: string) => `sm:${sid}`;

// Stored as JSON.stringify writes them, fields in this order: the rotation script reads them by pattern.

/** RFC 8176 method names: password, one-time code (emailed, TOTP, recovery), hardware key (passkey), federation, and `mfa`. */
export type Amr = "pwd" | "otp" | "hwk" | "fed" | "mfa";
export type Aal = "aal1" | "aal2";

/** The session record's comma-joined `amr` as the list the tokens and the sessions list carry. */
export const amrOf = (joined: string): Amr[] => joined.split(",").filter(Boolean) as Amr[];

/**
 * s:<sid>: the session is alive while it exists, belongs to `uid` and `exp` (ms) is ahead.
 * `amr` (comma-joined), `aal` and `auth` (auth_time, seconds) are fixed at sign-in: a refresh
 * copies them, so a session's assurance never changes. `seen` (ms) is the last sign-in or refresh.
 */
export type SessionRecord = { uid: string; exp: number; amr: string; aal: Aal; auth: number; seen: number };
/** sm:<sid>: written once at sign-in. */
export type SessionMeta = { createdAt: number; userAgent: string | null; ip: string | null };
/** rt:<hash>: the session and user a refresh token belongs to, and when it expires (ms). */
export type RefreshRecord = { sid: string; uid: string; exp: number };
