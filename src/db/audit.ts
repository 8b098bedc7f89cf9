import { and, desc, eq, inArray, lt, ne, sql, type SQL } from "drizzle-orm";
import type { Clock } from "../clock";
import { mapDbError } from "./errors";
import { auditEvents, users, type AuditEventRow } from "./schema";
import type { Database } from "./users";

export type NewAuditEvent = AuditEventRow;
/** A keyset page, newest first: up to `limit` events older than the cursor id `before`. */
export type AuditListQuery = { limit: number; before?: string; userId?: string; type?: string };

/**
 * The one event that outlives the account it names: an admin's deletion of it (the admin's act
 * stays accountable). Every other event with that user_id goes with the account.
 */
const KEPT_AFTER_DELETION = "user_deleted";

const PRUNE_BATCH = 5000;

/** The audit_events table. */
export interface AuditRepo {
  insert(event: NewAuditEvent): Promise<void>;
  /** Newest first by id (UUIDv7, strictly increasing per process); filters combine with AND. */
  list(query: AuditListQuery): Promise<AuditEventRow[]>;
  /** Deletes events older than `cutoff` (retention); returns how many. */
  deleteOlderThan(cutoff: Date): Promise<number>;
  /** Deletes an account's own events (on account deletion), all but the admin's user_deleted. */
  deleteForUser(userId: string): Promise<number>;
  /**
   * Deletes events of accounts that no longer exist (all but user_deleted): catches a deletion
   * whose own cleanup failed and events written after the response that landed after the deletion.
   */
  deleteOrphans(): Promise<number>;
}

export function createAuditRepo(db: Database, _clock: Clock): AuditRepo {
  async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapDbError(error);
    }
  }
  const deleted = { id: auditEvents.id };
  return {
    insert: (event) =>
      guard(async () => {
        await db.insert(auditEvents).values(event);
      }),
    list: ({ limit, before, userId, type }) =>
      guard(async () => {
        const filters: SQL[] = [];
        if (before) filters.push(lt(auditEvents.id, before));
        if (userId) filters.push(eq(auditEvents.userId, userId));
        if (type) filters.push(eq(auditEvents.type, type));
        // (user_id, id) and (type, id) indexes serve the filtered pages; the primary key the rest.
        return db.select().from(auditEvents).where(and(...filters)).orderBy(desc(auditEvents.id)).limit(limit);
      }),
    deleteOlderThan: (cutoff) =>
      guard(async () => {
        // In batches: a day's worth of events in one statement would hold locks (and, on Workers,
        // a subrequest) for long, and returning() every id of it would be a large answer.
        let total = 0;
        for (;;) {
          const batch = db.select({ id: auditEvents.id }).from(auditEvents).where(lt(auditEvents.at, cutoff)).limit(PRUNE_BATCH);
          const count = (await db.delete(auditEvents).where(inArray(auditEvents.id, batch)).returning(deleted)).length;
          total += count;
          if (count < PRUNE_BATCH) return total;
        }
      }),
    deleteForUser: (userId) =>
      guard(async () => (await db.delete(auditEvents).where(and(eq(auditEvents.userId, userId), ne(auditEvents.type, KEPT_AFTER_DELETION))).returning(deleted)).length),
    deleteOrphans: () =>
      guard(async () => {
        const orphan = sql`${auditEvents.userId} is not null and ${auditEvents.type} <> ${KEPT_AFTER_DELETION}
          and not exists (select 1 from ${users} where ${users.id} = ${auditEvents.userId})`;
        return (await db.delete(auditEvents).where(orphan).returning(deleted)).length;
      }),
  };
}
