import { Secret, TOTP } from "otpauth";
import type { TestApp } from "./app";
import { call, signUp, type Reply } from "./http";

/** The code an authenticator app shows for a time (ms): RFC 6238, SHA-1, 6 digits, 30 s. */
export function codeAt(secret: string, ms: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: ms });
}

/** Moves the fake clock to 1 s into a 30 s step, so ±1 step is exact; returns that time. */
export function alignToStep(t: Pick<TestApp, "clock">): number {
  const at = Math.floor(t.clock.now() / 30_000) * 30_000 + 30_000 + 1_000;
  t.clock.set(at);
  return at;
}

export type TotpUser = Awaited<ReturnType<typeof signUp>> & { secret: string; recoveryCodes: string[]; confirmed: Reply };

/**
 * A verified user with TOTP on, through the API: enroll with the password, confirm with the code
 * of now. The clock then moves one step on, so the next code is not the confirming one.
 */
export async function signUpWithTotp(t: TestApp, email?: string): Promise<TotpUser> {
  const u = await signUp(t, email);
  alignToStep(t);
  const enrolled = await call(t, "POST", "/users/me/mfa/totp", { token: u.access, json: { password: u.password } });
  if (enrolled.status !== 200) throw new Error(`enroll ${enrolled.status}: ${enrolled.text}`);
  const secret = enrolled.body.secret as string;
  const confirmed = await call(t, "POST", "/users/me/mfa/totp/confirm", { token: u.access, json: { code: codeAt(secret, t.clock.now()) } });
  if (confirmed.status !== 200) throw new Error(`confirm ${confirmed.status}: ${confirmed.text}`);
  t.clock.advanceSeconds(30);
  return { ...u, access: confirmed.body.access_token, refresh: confirmed.body.refresh_token, secret, recoveryCodes: confirmed.body.recovery_codes, confirmed };
}

/** Password login that must answer mfa_required; returns the mfa_token. */
export async function firstStep(t: TestApp, email: string, password: string): Promise<string> {
  const res = await call(t, "POST", "/auth/login", { json: { email, password } });
  if (res.status !== 403 || res.body.code !== "mfa_required") throw new Error(`expected mfa_required, got ${res.status}: ${res.text}`);
  return res.body.mfa_token as string;
}

export const secondStep = (t: TestApp, mfaToken: string, method: "totp" | "recovery_code", code: string) =>
  call(t, "POST", "/auth/mfa/verify", { json: { mfa_token: mfaToken, method, code } });
