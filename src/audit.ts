import type { Context } from "hono";
import { runAfterResponse } from "./background";
import { uuidv7 } from "./db/uuid";
import { clientAddress } from "./middleware";
import type { AppEnv } from "./services";

/** The event types of API.md ("Sessions and activity"). */
export const AUDIT_TYPES = [
  "login", "login_failed", "mfa_failed", "logout", "session_revoked", "refresh_reuse_detected",
  "email_verified", "password_changed", "password_reset", "mfa_enabled", "mfa_disabled",
  "recovery_codes_regenerated", "recovery_code_used", "passkey_added", "passkey_removed",
  "identity_linked", "identity_removed",
  "user_created", "user_updated", "user_deleted", "mfa_reset", "sessions_revoked",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export type AuditInput = {
  type: AuditType;
  /** The account it happened to (null when unknown, e.g. a failed login for an unknown email). */
  userId: string | null;
  /** The admin who acted, for admins' acts. */
  actorId?: string | null;
  /** The sid of the session it happened in. */
  sessionId?: string | null;
};

/**
 * Records one event: the ONE helper every act calls. Written after the response (never on the
 * hot path, never failing the request): a failed write is logged and dropped. Holds no secret:
 * only ids, the type, the time, the client's address and user agent.
 */
export function recordEvent(c: Context<AppEnv>, event: AuditInput): void {
  const s = c.get("frame");
  const now = s.clock.now();
  const row = {
    id: uuidv7(now),
    type: event.type,
    userId: event.userId,
    actorId: event.actorId ?? null,
    sessionId: event.sessionId ?? null,
    at: new Date(now),
    ip: clientAddress(c),
    userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
  };
  runAfterResponse(c, "audit.write_failed", () => s.audit.insert(row));
}

/**
 * Deletes an account's own events as the account is deleted (API.md: they go with it). Awaited, so
 * the 204 means they are gone; should it fail, the account is gone all the same (logged), and
 * the next retention run removes the leftovers (pruneAuditEvents deletes orphans).
 */
export async function eraseActivity(c: Context<AppEnv>, userId: string): Promise<void> {
  const s = c.get("frame");
  try {
    await s.audit.deleteForUser(userId);
  } catch (error) {
    s.logger.error("audit.erase_failed", { requestId: s.requestId, userId, error: (error as Error)?.name ?? "Error" });
  }
}
