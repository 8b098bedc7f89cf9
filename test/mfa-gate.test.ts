import { beforeEach, describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { expectProblem, jwtClaims } from "./support/expect";
import { call, signInAdmin, type Reply } from "./support/http";
import { codeAt, secondStep, signUpWithTotp } from "./support/mfa";

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
});

/** A first factor alone for a TOTP user: 403 mfa_required, an mfa_token, and nothing that is a session. */
function expectMfaRequired(res: Reply): string {
  expectProblem(res, 403, "mfa_required");
  expect(res.body.methods).toEqual(["totp", "recovery_code"]);
  for (const key of ["access_token", "refresh_token", "user"]) expect(res.body[key]).toBeUndefined();
  expect(res.text).not.toMatch(/eyJ/);
  return res.body.mfa_token as string;
}

describe("the gate on every way in, for an account with TOTP", () => {
  test("/auth/login", async () => {
    const u = await signUpWithTotp(t);
    const token = expectMfaRequired(await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }));
    expect((await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now()))).status).toBe(200);
    // A wrong password is still just invalid_credentials: no mfa_token for someone without the first factor.
    const wrong = await call(t, "POST", "/auth/login", { json: { email: u.email, password: "not the password" } });
    expectProblem(wrong, 401, "invalid_credentials");
    expect(wrong.body.mfa_token).toBeUndefined();
  });

  test("/auth/token password grant: the same 403, so an OAuth2 client fails safe", async () => {
    const u = await signUpWithTotp(t);
    const res = await call(t, "POST", "/auth/token", { form: { grant_type: "password", username: u.email, password: u.password } });
    const token = expectMfaRequired(res);
    const done = await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now()));
    expect(done.status).toBe(200);
    expect(jwtClaims(done.body.access_token)).toMatchObject({ amr: ["pwd", "otp", "mfa"], aal: "aal2" });
    // The refresh grant needs no second step: the session already has both factors, and keeps them.
    const refreshed = await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: done.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    const [a, b] = [jwtClaims(done.body.access_token), jwtClaims(refreshed.body.access_token)];
    expect([b.amr, b.aal, b.auth_time]).toEqual([a.amr, a.aal, a.auth_time]);
  });

  test("/auth/verify with an emailed code (after an admin marked the email unverified, and a resend)", async () => {
    const u = await signUpWithTotp(t);
    const admin = await signInAdmin(t);
    expect((await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { emailVerified: false } })).status).toBe(200);
    t.clock.advanceSeconds(61); // past the resend cooldown of the first code
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email: u.email } })).status).toBe(202);
    const code = t.mailer.lastCode(u.email, "verify-email");
    const res = await call(t, "POST", "/auth/verify", { json: { email: u.email, code } });
    const token = expectMfaRequired(res);
    const done = await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now()));
    expect(done.status).toBe(200);
    expect(jwtClaims(done.body.access_token)).toMatchObject({ amr: ["otp", "mfa"], aal: "aal2" });
  });

  test("a password reset never turns TOTP off and never signs in", async () => {
    const u = await signUpWithTotp(t);
    expect((await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } })).status).toBe(202);
    const reset = await call(t, "POST", "/auth/password/reset", { json: { email: u.email, code: t.mailer.lastCode(u.email, "reset-password"), password: "a brand new password" } });
    expect(reset.status).toBe(204);
    expect(reset.text).toBe("");
    expect(await t.services.factors.hasTotp(u.user.id)).toBe(true);
    expectMfaRequired(await call(t, "POST", "/auth/login", { json: { email: u.email, password: "a brand new password" } }));
  });

  test("in the contract's order: a disabled account is forbidden, an unverified one email_not_verified, before mfa_required", async () => {
    const u = await signUpWithTotp(t);
    await t.services.users.update(u.user.id, { emailVerified: false });
    expectProblem(await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }), 403, "email_not_verified");
    await t.services.users.update(u.user.id, { disabled: true });
    const res = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expectProblem(res, 403, "forbidden");
    expect(res.body.mfa_token).toBeUndefined();
  });
});
