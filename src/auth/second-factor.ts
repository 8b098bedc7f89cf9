import type { Services } from "../services";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "./recovery-codes";
import { secretBoxFor } from "./secret-box";
import { matchTotpStep } from "./totp";

type Deps = Pick<Services, "store" | "config" | "clock" | "factors">;

export type SecondFactorMethod = "totp" | "recovery_code";

/** 5 wrong second-factor codes per user per 15 minutes, whatever the mfa_token (API.md "Two-step sign-in"). */
export const MFA_FAILURE_LIMIT = 5;
export const MFA_FAILURE_WINDOW_SECONDS = 900;
const failuresKey = (userId: string) => `mfaf:${userId}`;

/** What the secret is sealed with: bound to its user, so a ciphertext moved to another row does not open. */
export const totpSecretContext = (userId: string) => `totp:${userId}`;

/**
 * Takes one try from the user's budget, BEFORE the code is checked: one atomic increment, so a
 * burst of parallel guesses cannot get more than 5 checked. False when the budget is used up.
 */
export async function takeSecondFactorTry(deps: Deps, userId: string): Promise<boolean> {
  return (await deps.store.increment(failuresKey(userId), MFA_FAILURE_WINDOW_SECONDS)) <= MFA_FAILURE_LIMIT;
}

/** A right code clears the count, so the budget counts the wrong codes since the last right one. */
export async function clearSecondFactorTries(deps: Deps, userId: string): Promise<void> {
  await deps.store.delete(failuresKey(userId));
}

/** The TOTP secret of a user with TOTP on, opened (null when TOTP is off). */
async function totpSecret(deps: Deps, userId: string): Promise<string | null> {
  const stored = await deps.factors.findTotp(userId);
  if (!stored) return null;
  return secretBoxFor(deps.config).open({ ciphertext: stored.ciphertext, keyId: stored.keyId }, totpSecretContext(userId));
}

/** A TOTP code: right for a step within one of now, and that step later than any accepted before (then used). */
async function useTotpCode(deps: Deps, userId: string, code: string): Promise<boolean> {
  const secret = await totpSecret(deps, userId);
  if (!secret) return false;
  const step = matchTotpStep(secret, code, deps.clock.now());
  // The database decides, atomically: of parallel requests with one code, one UPDATE matches.
  return step !== null && (await deps.factors.acceptTotpStep(userId, step));
}

async function useRecoveryCode(deps: Deps, userId: string, code: string): Promise<boolean> {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) return false;
  return deps.factors.useRecoveryCode(userId, await hashRecoveryCode(deps.config.dataEncryptionKey, userId, canonical));
}

/**
 * Checks a second-factor code under the user's budget and uses it up: true for the one caller
 * that used it. Every refusal (wrong, replayed, older step, used, over budget) is the same false.
 */
export async function useSecondFactor(deps: Deps, userId: string, method: SecondFactorMethod, code: string): Promise<boolean> {
  if (!(await takeSecondFactorTry(deps, userId))) return false;
  const ok = method === "totp" ? await useTotpCode(deps, userId, code) : await useRecoveryCode(deps, userId, code);
  if (ok) await clearSecondFactorTries(deps, userId);
  return ok;
}

/** Ten new recovery codes to show once, and the hashes to store. */
export async function mintRecoveryCodes(deps: Deps, userId: string): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((c) => hashRecoveryCode(deps.config.dataEncryptionKey, userId, normalizeRecoveryCode(c)!)));
  return { codes, hashes };
}
