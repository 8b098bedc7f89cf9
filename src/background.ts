import type { Context } from "hono";
import type { AppEnv } from "./services";

// Work started and not yet settled, so a test (or a shutdown) can wait for it instead of sleeping.
const inFlight = new Set<Promise<unknown>>();

/**
 * Runs work after the response without making the client wait for it (mail, audit events).
 * On Workers it is kept alive with waitUntil; on Bun the promise runs on while the response goes out.
 * A failure is logged by `label` (never with its message, which may hold SQL) and dropped.
 */
export function runAfterResponse(c: Context<AppEnv>, label: string, work: () => Promise<unknown>, fields: Record<string, unknown> = {}): void {
  const { logger, requestId } = c.get("frame");
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) => logger.error(label, { requestId, ...fields, error: (error as Error)?.name ?? "Error" }))
    .finally(() => inFlight.delete(running));
  inFlight.add(running);
  try {
    c.executionCtx.waitUntil(running);
  } catch {
    // No ExecutionContext outside Workers: nothing to extend.
  }
}

/** Resolves once every piece of after-response work started so far (and any it started) has settled. */
export async function settleBackgroundWork(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}
