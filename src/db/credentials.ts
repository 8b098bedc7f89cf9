import { sql, type SQL } from "drizzle-orm";
import { identities, passkeys, users } from "./schema";
import type { Database } from "./users";

/** True (as SQL) while the user has a way to sign in: a password, a passkey or a linked identity. */
export const hasWayIn = (userId: string): SQL => sql`(
  exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.passwordHash} is not null)
  or exists (select 1 from ${passkeys} where ${passkeys.userId} = ${userId})
  or exists (select 1 from ${identities} where ${identities.userId} = ${userId})
)`;

/**
 * The one guard behind every credential removal (a passkey, an identity). Each delete first
 * checks, in its own statement, that another way in exists; but two removals of an account's
 * last two credentials of DIFFERENT kinds can each see the other in their snapshot. So after its
 * delete has committed, each one looks again here: with no way in left, it puts its row back
 * (`restore`) and the caller answers 409. Whichever checks last sees both deletes, so the race
 * ends with one or both refused, never with an account no one can sign in to.
 */
export async function keepsAWayIn(db: Database, userId: string, restore: () => Promise<unknown>): Promise<boolean> {
  const [left] = await db.select({ ok: sql<boolean>`${hasWayIn(userId)}` }).from(users).where(sql`${users.id} = ${userId}`);
  if (left && left.ok !== true) {
    await restore();
    return false;
  }
  return true;
}
