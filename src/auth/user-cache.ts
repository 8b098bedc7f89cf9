import type { UserRow } from "../db/schema";
import type { UserRepo } from "../db/users";
import { toPublicUser, type PublicUser } from "../schemas";
import type { Store } from "../store/store";

/**
 * A short-lived copy of each signed-in user's PUBLIC view in the store (never the password hash),
 * read in the same round trip as the session check, so `GET /users/me` and refresh need no
 * Postgres query. Every write through the app's UserRepo drops the copy (see invalidatingUserRepo),
 * so a change shows on the next request; the TTL bounds staleness after writes made outside the
 * app (or a fill racing an update). Privilege checks (requireAdmin) still read Postgres, and
 * disabling or deleting a user ends their sessions, so neither ever depends on this copy.
 */
export const USER_CACHE_TTL_SECONDS = 60;

export const userCacheKey = (uid: string) => `u:${uid}`;

/** Parses the cached copy of user `uid` (null when absent). A copy under another id would be a bug: never served. */
export function parseCachedUser(raw: string | null | undefined, uid: string): PublicUser | null {
  const user = raw ? (JSON.parse(raw) as PublicUser) : null;
  return user && user.id === uid ? user : null;
}

/** Stores the public view of a row just read from the database. */
export async function cacheUser(store: Store, row: UserRow): Promise<PublicUser> {
  const user = toPublicUser(row);
  await store.set(userCacheKey(row.id), JSON.stringify(user), USER_CACHE_TTL_SECONDS);
  return user;
}

/** The user's public view: the cached copy, else the database (filling the cache); null when gone. */
export async function loadPublicUser(deps: { store: Store; users: UserRepo }, uid: string, cached?: PublicUser | null): Promise<PublicUser | null> {
  if (cached) return cached;
  const row = await deps.users.findById(uid);
  return row ? cacheUser(deps.store, row) : null;
}

/**
 * The same repo, except that every update or delete also drops the user's cached copy. Reads are
 * delegated through the prototype, so they always reach the repo's current methods.
 */
export function invalidatingUserRepo(repo: UserRepo, store: Store): UserRepo {
  const dropping = <K extends "update" | "updateGuarded" | "deleteGuarded">(method: K) =>
    (async (id: string, ...rest: unknown[]) => {
      try {
        return await (repo[method] as (id: string, ...rest: unknown[]) => Promise<unknown>)(id, ...rest);
      } finally {
        // After the write, also when it failed halfway: a spare miss costs one database read.
        // Best effort: when the store is down the write has still happened (a 503 now would report
        // it as not done, and would break the register undo during a store outage); a store that is
        // down serves no stale copy either, and any copy left behind expires within the TTL.
        await store.delete(userCacheKey(id)).catch(() => {});
      }
    }) as UserRepo[K];
  const wrapped: UserRepo = Object.create(repo);
  wrapped.update = dropping("update");
  wrapped.updateGuarded = dropping("updateGuarded");
  wrapped.deleteGuarded = dropping("deleteGuarded");
  return wrapped;
}
