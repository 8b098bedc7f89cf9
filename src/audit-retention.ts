import type { Services } from "./services";

const DAY_MS = 86_400_000;

/**
 * Retention: deletes events older than AUDIT_RETENTION_DAYS, and the events of accounts that are
 * gone (a deletion's own cleanup that failed, or a late write after it). The Workers Cron Trigger
 * and the Bun timer both call this. Returns the counts; a failure is logged and rethrown.
 */
export async function pruneAuditEvents(services: Pick<Services, "audit" | "config" | "clock" | "logger">): Promise<{ expired: number; orphaned: number }> {
  const { audit, config, clock, logger } = services;
  const cutoff = new Date(clock.now() - config.auditRetentionDays * DAY_MS);
  try {
    const expired = await audit.deleteOlderThan(cutoff);
    const orphaned = await audit.deleteOrphans();
    logger.info("audit.pruned", { expired, orphaned, before: cutoff.toISOString() });
    return { expired, orphaned };
  } catch (error) {
    logger.error("audit.prune_failed", { error: (error as Error)?.name ?? "Error" });
    throw error;
  }
}

/**
 * The Bun server's retention timer: a first run shortly after start, then every `everyMs`.
 * unref'd, so the timer alone never keeps the process alive; a failed run (logged by
 * pruneAuditEvents) is retried by the next one. Returns a stop function.
 */
export function startAuditPruning(services: Parameters<typeof pruneAuditEvents>[0], { everyMs = 3_600_000, firstAfterMs = 60_000 } = {}): () => void {
  const run = () => void pruneAuditEvents(services).catch(() => {});
  const first = setTimeout(run, firstAfterMs);
  const timer = setInterval(run, everyMs);
  // unref exists on Bun's and Node's timers; elsewhere the handle is a number and needs nothing.
  for (const t of [first, timer] as unknown as { unref?: () => void }[]) t.unref?.();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
