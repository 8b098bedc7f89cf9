import type { Services } from "../services";
import { secretBoxFor } from "./secret-box";
import { clearSecondFactorTries, mintRecoveryCodes, takeSecondFactorTry, totpSecretContext } from "./second-factor";
import { matchTotpStep, newTotpSecret } from "./totp";

type Deps = Pick<Services, "store" | "config" | "clock" | "factors">;

/** A pending enrollment lives 10 minutes (API.md). */
export const ENROLLMENT_TTL_SECONDS = 600;
const pendingKey = (userId: string) => `mfap:${userId}`;

type Pending = { c: string; k: string };

/**
 * Starts (or restarts) an enrollment: a new secret each call, replacing the pending one. The store
 * keeps it sealed like the database does, so the secret is nowhere in the clear but in this answer.
 */
export async function startEnrollment(deps: Deps, userId: string): Promise<string> {
  const secret = newTotpSecret();
  const sealed = await secretBoxFor(deps.config).seal(secret, totpSecretContext(userId));
  await deps.store.set(pendingKey(userId), JSON.stringify({ c: sealed.ciphertext, k: sealed.keyId } satisfies Pending), ENROLLMENT_TTL_SECONDS);
  return secret;
}

export type ConfirmOutcome = { status: "enabled"; recoveryCodes: string[] } | { status: "invalid_code" } | { status: "already_enabled" };

/**
 * Confirms the pending enrollment with a code from the app, under the per-user second-factor
 * budget. The pending record is used up atomically (getAndDelete, and only if it is still the
 * one the code was checked against); the factor, its first accepted step (so the confirming code
 * cannot sign in again) and the recovery codes are written by one statement.
 */
export async function confirmEnrollment(deps: Deps, userId: string, code: string): Promise<ConfirmOutcome> {
  if (!(await takeSecondFactorTry(deps, userId))) return { status: "invalid_code" };
  const raw = await deps.store.get(pendingKey(userId));
  if (!raw) return { status: "invalid_code" };
  const pending = JSON.parse(raw) as Pending;
  const sealed = { ciphertext: pending.c, keyId: pending.k };
  const secret = await secretBoxFor(deps.config).open(sealed, totpSecretContext(userId));
  const step = matchTotpStep(secret, code, deps.clock.now());
  if (step === null) return { status: "invalid_code" };
  // Of parallel confirms, the one that takes the record goes on; a newer enrollment is not ours.
  if ((await deps.store.getAndDelete(pendingKey(userId))) !== raw) return { status: "invalid_code" };
  const { codes, hashes } = await mintRecoveryCodes(deps, userId);
  if (!(await deps.factors.enableTotp(userId, sealed, step, hashes))) return { status: "already_enabled" };
  await clearSecondFactorTries(deps, userId);
  return { status: "enabled", recoveryCodes: codes };
}
