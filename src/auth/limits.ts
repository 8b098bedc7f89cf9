import { rateLimited } from "../errors";
import type { Services } from "../services";

type Deps = Pick<Services, "store" | "config" | "clock" | "logger"> & { requestId?: string };

export const LOGIN_FAILURE_WINDOW_SECONDS = 900;
const loginFailuresKey = (email: string) => `lf:${email}`;

/** Throws 429 when this email has used up its failed-login budget for the window. */
export async function assertLoginAllowed(deps: Deps, email: string): Promise<void> {
  const limit = deps.config.limits.loginFailures;
  if (limit === 0) return;
  const failures = Number((await deps.store.get(loginFailuresKey(email))) ?? 0);
  if (failures >= limit) {
    deps.logger.warn("auth.rate_limited", { requestId: deps.requestId, reason: "login_failures" });
    throw rateLimited(await deps.store.ttlSeconds(loginFailuresKey(email)), "Too many failed logins for this account. Try again later.");
  }
}

export async function recordLoginFailure(deps: Deps, email: string): Promise<void> {
  if (deps.config.limits.loginFailures === 0) return;
  await deps.store.increment(loginFailuresKey(email), LOGIN_FAILURE_WINDOW_SECONDS);
}

export async function clearLoginFailures(deps: Deps, email: string): Promise<void> {
  await deps.store.delete(loginFailuresKey(email));
}

/**
 * Fixed one-minute windows on the store's atomic increment: one round trip per request, and
 * correct across isolates and processes because the counter lives in the shared store.
 * Returns the seconds to wait when over the limit, else 0.
 */
export async function takeFromWindow(deps: Deps, key: string, limit: number, windowSeconds: number): Promise<number> {
  if (limit === 0) return 0;
  const now = deps.clock.now();
  const window = Math.floor(now / (windowSeconds * 1000));
  const count = await deps.store.increment(`rl:${key}:${window}`, windowSeconds + 1);
  if (count <= limit) return 0;
  return Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000);
}
