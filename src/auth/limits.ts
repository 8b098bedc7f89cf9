import { rateLimited } from "../errors";
import type { Services } from "../services";

type Deps = Pick<Services, "store" | "config" | "clock" | "logger"> & { requestId?: string };

export const LOGIN_FAILURE_WINDOW_SECONDS = 900;
const loginFailuresKey = (email: string) => `lf:${email}`;

/**
 * Takes one password try from this email's budget before the password is checked, and throws
 * 429 when the budget is used up. Counting first (one atomic increment) is what makes the limit
 * hold under concurrency: checking, then verifying, then recording let a burst of parallel
 * guesses all pass the check. A correct password clears the count (clearLoginFailures), so the
 * count is the tries since the last success; the window is fixed at the first try.
 */
export async function takeLoginAttempt(deps: Deps, email: string): Promise<void> {
  const limit = deps.config.limits.loginFailures;
  if (limit === 0) return;
  const tries = await deps.store.increment(loginFailuresKey(email), LOGIN_FAILURE_WINDOW_SECONDS);
  if (tries > limit) {
    deps.logger.warn("auth.rate_limited", { requestId: deps.requestId, reason: "login_failures" });
    throw rateLimited(await deps.store.ttlSeconds(loginFailuresKey(email)), "Too many failed logins for this account. Try again later.");
  }
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
