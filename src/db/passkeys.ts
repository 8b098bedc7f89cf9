import { and, asc, eq, exists, isNotNull, lt, ne, sql } from "drizzle-orm";
import type { Clock } from "../clock";
import { mapDbError } from "./errors";
import { identities, passkeys, users, type PasskeyRow } from "./schema";
import { keepsAWayIn } from "./credentials";
import type { Database } from "./users";
import { uuidv7 } from "./uuid";

export type NewPasskey = Pick<PasskeyRow, "userId" | "credentialId" | "publicKey" | "counter" | "transports" | "deviceType" | "backedUp" | "name">;

/** The passkeys table: every query is scoped by its owner, except the sign-in's lookup by credential id. */
export interface PasskeyRepo {
  /** Null when the credential id is already registered (to anyone): ids are unique across users. */
  create(input: NewPasskey): Promise<PasskeyRow | null>;
  listByUser(userId: string): Promise<PasskeyRow[]>;
  findByCredentialId(credentialId: string): Promise<PasskeyRow | null>;
  /** Null when the passkey is not the user's (or does not exist). */
  rename(userId: string, id: string, name: string): Promise<PasskeyRow | null>;
  /**
   * Deletes the user's passkey unless it is the account's last way in (no password, no other
   * passkey, no linked identity): then `last_credential`, and nothing changes.
   */
  delete(userId: string, id: string): Promise<{ deleted: PasskeyRow } | { error: "not_found" | "last_credential" }>;
  /**
   * Saves the counter of a VERIFIED assertion, in one conditional UPDATE: only when it moved
   * forward, or when the authenticator reports 0 and always has (synced passkeys). False: the
   * counter went backwards or did not move (a cloned authenticator, or a concurrent use).
   */
  recordUse(id: string, newCounter: number, backedUp: boolean): Promise<boolean>;
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapDbError(error);
  }
}

export function createPasskeyRepo(db: Database, clock: Clock): PasskeyRepo {
  const now = () => new Date(clock.now());
  const owned = (userId: string, id: string) => and(eq(passkeys.id, id), eq(passkeys.userId, userId));

  return {
    create: (input) =>
      guard(async () => {
        const rows = await db
          .insert(passkeys)
          .values({ ...input, id: uuidv7(clock.now()), createdAt: now() })
          .onConflictDoNothing({ target: passkeys.credentialId })
          .returning();
        return rows[0] ?? null;
      }),
    listByUser: (userId) =>
      guard(() => db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.id))),
    findByCredentialId: (credentialId) =>
      guard(async () => (await db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).limit(1))[0] ?? null),
    rename: (userId, id, name) =>
      guard(async () => (await db.update(passkeys).set({ name }).where(owned(userId, id)).returning())[0] ?? null),
    delete: (userId, id) =>
      guard(async () => {
        // Locks every passkey row of the user first: two parallel deletes of an account's last two
        // passkeys serialize, and the second's re-check no longer sees the first one's row.
        const locked = db.$with("locked_passkeys").as(
          db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).for("update"),
        );
        const anotherWayIn = sql`(${exists(db.select({ one: sql`1` }).from(locked).where(ne(locked.id, id)))}
          or ${exists(db.select({ one: sql`1` }).from(users).where(and(eq(users.id, userId), isNotNull(users.passwordHash))))}
          or ${exists(db.select({ one: sql`1` }).from(identities).where(eq(identities.userId, userId)))})`;
        const rows = await db.with(locked).delete(passkeys).where(and(owned(userId, id), anotherWayIn)).returning();
        const removed = rows[0];
        if (removed) {
          // The lock orders passkey deletes; a parallel identity removal is caught by the shared re-check.
          const kept = await keepsAWayIn(db, userId, () => db.insert(passkeys).values(removed).onConflictDoNothing());
          return kept ? { deleted: removed } : { error: "last_credential" as const };
        }
        const still = await db.select({ id: passkeys.id }).from(passkeys).where(owned(userId, id)).limit(1);
        return { error: still[0] ? ("last_credential" as const) : ("not_found" as const) };
      }),
    recordUse: (id, newCounter, backedUp) =>
      guard(async () => {
        // Counter 0 stays valid only while it has always been 0: synced passkeys never count.
        const moved = newCounter === 0 ? eq(passkeys.counter, 0) : lt(passkeys.counter, newCounter);
        const rows = await db
          .update(passkeys)
          .set({ counter: newCounter, backedUp, lastUsedAt: now() })
          .where(and(eq(passkeys.id, id), moved))
          .returning({ id: passkeys.id });
        return rows.length > 0;
      }),
  };
}
