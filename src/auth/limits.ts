import { rateLimited } from "../errors";
import { finishCall, reserveCall, type CheckResult } from "./login-limit-scripts";
import type { Services } from "../services";

type Deps = Pick<Services, "store" | "config" | "clock" | "logger"> & { requestId?: string };

export const LOGIN_FAILURE_WINDOW_SECONDS = 900;
/** How long an admitted password check may take before its slot counts as free again (a process died mid-check). */
const CHECK_DEADLINE_SECONDS = 30;
/** How long an attempt waits for checks in flight before giving up with 429. */
const MAX_WAIT_MS = 10_000;

/**
 * Runs one password check (`verify`, a bcrypt verify) inside this email's failed-login budget and
 * records its result: a wrong password is one failure, a right one clears them; a `verify` that
 * throws counts as nothing. Throws 429 when RATE_LIMIT_LOGIN_FAILURES failures are recorded in the
 * window (15 minutes from the first).
 *
 * A check starts only while recorded failures plus checks in flight stay under the limit (one
 * atomic store script, login-limit-scripts.ts), so a parallel burst of wrong passwords gets at
 * most the limit in bcrypt work. An attempt that finds the rest of the budget taken by checks
 * still in flight is not refused for failures that have not happened: it waits for them (they may
 * succeed and clear the count) and tries again, so parallel correct logins all get in.
 */
export async function verifyWithinLoginLimit(deps: Deps, email: string, verify: () => Promise<boolean>): Promise<boolean> {
  const limit = deps.config.limits.loginFailures;
  if (limit === 0) return verify();
  const id = await admit(deps, email, limit);
  const finish = (result: CheckResult) => {
    const now = deps.clock.now();
    return deps.store.runScript(...finishCall(email, now, id, result, now + LOGIN_FAILURE_WINDOW_SECONDS * 1000, CHECK_DEADLINE_SECONDS));
  };
  let ok: boolean;
  try {
    ok = await verify();
  } catch (error) {
    // Best effort: when the store is down too, the slot frees itself at its deadline.
    await finish("abandoned").catch(() => {});
    throw error;
  }
  await finish(ok ? "succeeded" : "failed");
  return ok;
}

/** Waits for a free slot and returns the check's id, or throws 429. */
async function admit(deps: Deps, email: string, limit: number): Promise<string> {
  const id = crypto.randomUUID();
  for (let waited = 0; ; ) {
    const now = deps.clock.now();
    const outcome = await deps.store.runScript(...reserveCall(email, now, limit, id, now + CHECK_DEADLINE_SECONDS * 1000, CHECK_DEADLINE_SECONDS));
    if (outcome.status === "granted") return id;
    if (outcome.status === "locked") {
      deps.logger.warn("auth.rate_limited", { requestId: deps.requestId, reason: "login_failures" });
      throw rateLimited(outcome.retryAfterSeconds, "Too many failed logins for this account. Try again later.");
    }
    if (waited >= MAX_WAIT_MS) {
      deps.logger.warn("auth.rate_limited", { requestId: deps.requestId, reason: "login_checks_in_flight" });
      throw rateLimited(1, "Too many sign-ins for this account at once. Try again shortly.");
    }
    // Jittered, so waiters do not poll in lockstep; about one bcrypt verify at cost 10.
    const pause = 20 + Math.floor(Math.random() * 40);
    await new Promise((resolve) => setTimeout(resolve, pause));
    waited += pause;
  }
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
