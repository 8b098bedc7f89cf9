import type { Clock } from "../clock";
import { auditEvents, type AuditEventRow } from "./schema";
import type { Database } from "./users";

export type NewAuditEvent = AuditEventRow;

/** The audit_events table. */
export interface AuditRepo {
  insert(event: NewAuditEvent): Promise<void>;
}

export function createAuditRepo(db: Database, _clock: Clock): AuditRepo {
  return {
    async insert(event) {
      await db.insert(auditEvents).values(event);
    },
  };
}
