// Two-step sign-in scenarios that must hold on every database and store: run in-process
// (test/mfa-races.test.ts) and on Postgres + Redis and Neon HTTP + Upstash (test/integration).
import { expect } from "bun:test";
import type { TestApp } from "./app";
import { jwtClaims } from "./expect";
import { call } from "./http";
import { alignToStep, codeAt, firstStep, secondStep, signUpWithTotp } from "./mfa";

/** Ten first steps one after another (in parallel, the failed-login budget counts tries before checking them). */
async function tenFirstSteps(t: TestApp, email: string, password: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < 10; i++) tokens.push(await firstStep(t, email, password));
  return tokens;
}

const statuses = (replies: { status: number }[]) => replies.map((r) => r.status).sort();

/** Ten second steps, each with its own mfa_token, all with ONE code: exactly one signs in. */
export async function parallelTotpOneCode(t: TestApp): Promise<void> {
  const u = await signUpWithTotp(t);
  const tokens = await tenFirstSteps(t, u.email, u.password);
  const code = codeAt(u.secret, t.clock.now());
  const replies = await Promise.all(tokens.map((token) => secondStep(t, token, "totp", code)));
  expect(statuses(replies)).toEqual([200, ...Array(9).fill(400)]);
}

/** Ten second steps on ONE mfa_token with one right code: at most one session (exactly one here). */
export async function parallelOneMfaToken(t: TestApp): Promise<void> {
  const u = await signUpWithTotp(t);
  const token = await firstStep(t, u.email, u.password);
  const code = codeAt(u.secret, t.clock.now());
  const replies = await Promise.all(Array.from({ length: 10 }, () => secondStep(t, token, "totp", code)));
  expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
  for (const r of replies) expect([200, 400, 401]).toContain(r.status);
}

/** One recovery code on ten mfa_tokens in parallel: exactly one signs in, and the code is used up. */
export async function parallelRecoveryCode(t: TestApp): Promise<void> {
  const u = await signUpWithTotp(t);
  const tokens = await tenFirstSteps(t, u.email, u.password);
  const replies = await Promise.all(tokens.map((token) => secondStep(t, token, "recovery_code", u.recoveryCodes[0]!)));
  expect(statuses(replies)).toEqual([200, ...Array(9).fill(400)]);
  const winner = replies.find((r) => r.status === 200)!;
  expect((await call(t, "GET", "/users/me/mfa", { token: winner.body.access_token })).body).toEqual({ totp: true, recoveryCodesRemaining: 9 });
}

/** Ten confirms of one pending enrollment with one code: exactly one turns TOTP on (one set of codes). */
export async function parallelConfirm(t: TestApp, signUp: (t: TestApp) => Promise<{ access: string; password: string; user: { id: string } }>): Promise<void> {
  const u = await signUp(t);
  alignToStep(t);
  const pending = await call(t, "POST", "/users/me/mfa/totp", { token: u.access, json: { password: u.password } });
  expect(pending.status).toBe(200);
  const code = codeAt(pending.body.secret, t.clock.now());
  const replies = await Promise.all(Array.from({ length: 10 }, () => call(t, "POST", "/users/me/mfa/totp/confirm", { token: u.access, json: { code } })));
  // The losers get 400, or 401 when the winner has already ended the session they came with.
  expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
  for (const r of replies) expect([200, 400, 401]).toContain(r.status);
  const winner = replies.find((r) => r.status === 200)!;
  expect(winner.body.recovery_codes).toHaveLength(10);
  expect(await t.services.factors.recoveryCodesRemaining(u.user.id)).toBe(10);
}

/** The whole life of a second factor: enroll, sign in with TOTP, with a recovery code, refresh, turn off. */
export async function totpLifecycle(t: TestApp): Promise<void> {
  const u = await signUpWithTotp(t);
  const viaTotp = await secondStep(t, await firstStep(t, u.email, u.password), "totp", codeAt(u.secret, t.clock.now()));
  expect(viaTotp.status).toBe(200);
  expect(jwtClaims(viaTotp.body.access_token)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });
  // The same code again (a replay) is refused.
  const replay = await secondStep(t, await firstStep(t, u.email, u.password), "totp", codeAt(u.secret, t.clock.now()));
  expect(replay.status).toBe(400);
  const viaRecovery = await secondStep(t, await firstStep(t, u.email, u.password), "recovery_code", u.recoveryCodes[1]!);
  expect(viaRecovery.status).toBe(200);
  const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: viaRecovery.body.refresh_token } });
  expect(refreshed.status).toBe(200);
  expect(jwtClaims(refreshed.body.access_token)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });
  const regen = await call(t, "POST", "/users/me/mfa/recovery-codes", { token: refreshed.body.access_token, json: { code: codeAt(u.secret, t.clock.now() + 30_000) } });
  expect(regen.status).toBe(200);
  expect((await secondStep(t, await firstStep(t, u.email, u.password), "recovery_code", u.recoveryCodes[2]!)).status).toBe(400);
  t.clock.advanceSeconds(60);
  const off = await call(t, "DELETE", "/users/me/mfa/totp", { token: refreshed.body.access_token, json: { code: codeAt(u.secret, t.clock.now()) } });
  expect(off.status).toBe(204);
  expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
}
