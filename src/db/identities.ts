import { and, asc, eq, sql } from "drizzle-orm";
import type { Clock } from "../clock";
import { mapDbError } from "./errors";
import { identities, passkeys, users, type IdentityRow } from "./schema";
import { keepsAWayIn } from "./credentials";
import type { Database } from "./users";
import { uuidv7 } from "./uuid";

/** Accounts at external providers linked to users. */
export interface IdentityRepo {
  /** The identity of (provider, subject), marking it used now with the email the provider shows today; null when none is linked. */
  touch(provider: string, subject: string, email: string | null): Promise<IdentityRow | null>;
  /**
   * Links (provider, subject) to the user. When that pair is already linked (a concurrent sign-in
   * won the race), returns the existing row, whichever user it names.
   */
  link(input: { userId: string; provider: string; subject: string; email: string | null }): Promise<{ row: IdentityRow; created: boolean }>;
  listForUser(userId: string): Promise<IdentityRow[]>;
  /**
   * Removes the user's identity unless it is their last way in (no password, no passkey, no other
   * identity): checked in the delete itself, and once more after it (see below).
   */
  removeUnlessLast(userId: string, id: string): Promise<"removed" | "not_found" | "last_credential">;
}

export function createIdentityRepo(db: Database, clock: Clock): IdentityRepo {
  const now = () => new Date(clock.now());
  async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapDbError(error);
    }
  }
  const bySubject = (provider: string, subject: string) => and(eq(identities.provider, provider), eq(identities.subject, subject));

  return {
    touch: (provider, subject, email) =>
      guard(async () => {
        const rows = await db.update(identities).set({ lastUsedAt: now(), email }).where(bySubject(provider, subject)).returning();
        return rows[0] ?? null;
      }),
    link: ({ userId, provider, subject, email }) =>
      guard(async () => {
        const at = now();
        const rows = await db
          .insert(identities)
          .values({ id: uuidv7(at.getTime()), userId, provider, subject, email, createdAt: at, lastUsedAt: at })
          .onConflictDoNothing({ target: [identities.provider, identities.subject] })
          .returning();
        if (rows[0]) return { row: rows[0], created: true };
        const existing = await db.select().from(identities).where(bySubject(provider, subject)).limit(1);
        if (!existing[0]) throw new Error("identity vanished after a conflicting insert");
        return { row: existing[0], created: false };
      }),
    listForUser: (userId) => guard(() => db.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.id))),
    removeUnlessLast: (userId, id) =>
      guard(async () => {
        const otherWayIn = sql`(
          exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.passwordHash} is not null)
          or exists (select 1 from ${passkeys} where ${passkeys.userId} = ${userId})
          or exists (select 1 from ${identities} other where other.user_id = ${userId} and other.id <> ${id})
        )`;
        // Another way in must exist at the moment of the delete: a password, a passkey, or another identity.
        const rows = await db
          .delete(identities)
          .where(and(eq(identities.id, id), eq(identities.userId, userId), otherWayIn))
          .returning();
        const removed = rows[0];
        if (!removed) {
          const mine = await db.select({ id: identities.id }).from(identities).where(and(eq(identities.id, id), eq(identities.userId, userId))).limit(1);
          return mine[0] ? "last_credential" : "not_found";
        }
        // Two parallel removals of the last two credentials each see the other one in their snapshot.
        const kept = await keepsAWayIn(db, userId, () => db.insert(identities).values(removed).onConflictDoNothing());
        return kept ? "removed" : "last_credential";
      }),
  };
}
