import type { Services } from "../services";
import { amrOf, sessionKey, sessionMetaKey, userSessionsKey, type Aal, type Amr, type SessionMeta } from "./session-keys";
import { liveSession } from "./sessions";

/** One live session as the sessions list shows it (API.md "Sessions and activity"), times in ms. */
export type SessionView = {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  ip: string | null;
  amr: Amr[];
  aal: Aal;
};

type Deps = Pick<Services, "store" | "clock">;

/** Session ids are base64url (sessions.ts): anything else names no session and never reaches a store key. */
export const isSessionId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);

function parse<T>(raw: string | null | undefined): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

/**
 * The user's live sessions, newest sign-in first: the user's set, then ONE getMany of every
 * member's s: and sm: keys (two round trips whatever the count). Members whose session ended or
 * expired (the set outlives them) are left out.
 */
export async function listSessions(deps: Deps, uid: string): Promise<SessionView[]> {
  const sids = (await deps.store.setMembers(userSessionsKey(uid))).filter(isSessionId);
  if (sids.length === 0) return [];
  const raws = await deps.store.getMany(sids.flatMap((sid) => [sessionKey(sid), sessionMetaKey(sid)]));
  const now = deps.clock.now();
  const views: SessionView[] = [];
  sids.forEach((sid, i) => {
    const session = liveSession(raws[2 * i], uid, now);
    if (!session) return;
    const meta = parse<SessionMeta>(raws[2 * i + 1]);
    views.push({
      id: sid,
      // sm: is written with s: at sign-in; should it be missing, the last sign-in/refresh stands in.
      createdAt: meta?.createdAt ?? session.seen,
      lastSeenAt: session.seen,
      userAgent: meta?.userAgent ?? null,
      ip: meta?.ip ?? null,
      amr: amrOf(session.amr),
      aal: session.aal,
    });
  });
  return views.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
}

/** True when `sid` is a live session of `uid` (one read): the check before a user ends "their" session. */
export async function ownsSession(deps: Deps, uid: string, sid: string): Promise<boolean> {
  if (!isSessionId(sid)) return false;
  return liveSession(await deps.store.get(sessionKey(sid)), uid, deps.clock.now()) !== null;
}
