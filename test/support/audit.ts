import { eq } from "drizzle-orm";
import { auditEvents } from "../../src/db/schema";
import type { TestApp } from "./app";

/**
 * The audit event types recorded for a user, oldest first. Events are written just after the
 * response (runAfterResponse), so this waits (bounded) until at least `atLeast` are there.
 */
export async function auditTypes(t: Pick<TestApp, "db">, userId: string, atLeast = 1): Promise<string[]> {
  let rows: { type: string; actorId: string | null }[] = [];
  for (let i = 0; i < 50; i++) {
    rows = await t.db.select({ type: auditEvents.type, actorId: auditEvents.actorId }).from(auditEvents).where(eq(auditEvents.userId, userId)).orderBy(auditEvents.id);
    if (rows.length >= atLeast) break;
    await Bun.sleep(10);
  }
  return rows.map((r) => r.type);
}
