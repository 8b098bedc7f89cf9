import { beforeEach, describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { auditTypes } from "./support/audit";
import { expectInvalidToken, expectProblem, expectTokenPair, jwtClaims } from "./support/expect";
import { call } from "./support/http";
import { codeAt, firstStep, secondStep, signUpWithTotp } from "./support/mfa";

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
});

const step = 30_000;

describe("the second step (POST /auth/mfa/verify)", () => {
  test("a password alone gets mfa_required with an mfa_token and no session; the TOTP code finishes at aal2", async () => {
    const u = await signUpWithTotp(t);
    const first = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expectProblem(first, 403, "mfa_required");
    expect(first.body.methods).toEqual(["totp", "recovery_code"]);
    expect(first.body.mfa_token).toMatch(/^[\w-]{43}$/);
    expect(first.body.access_token).toBeUndefined();
    expect(first.body.refresh_token).toBeUndefined();
    expect(first.text).not.toContain(u.secret);

    const done = await secondStep(t, first.body.mfa_token, "totp", codeAt(u.secret, t.clock.now()));
    expect(done.status).toBe(200);
    expectTokenPair(done.body);
    const header = JSON.parse(Buffer.from(done.body.access_token.split(".")[0], "base64url").toString());
    expect(header.typ).toBe("at+jwt");
    const claims = jwtClaims(done.body.access_token);
    expect(claims).toMatchObject({ sub: u.user.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], auth_time: Math.floor(t.clock.now() / 1000) });
    expect((await call(t, "GET", "/users/me", { token: done.body.access_token })).status).toBe(200);
    // The token finished its sign-in: worth nothing after.
    expectInvalidToken(await secondStep(t, first.body.mfa_token, "totp", codeAt(u.secret, t.clock.now() + step)));
  });

  test("a wrong code is 400 and the same mfa_token may try again; unknown, expired and Bearer mfa_tokens are 401", async () => {
    const u = await signUpWithTotp(t);
    const token = await firstStep(t, u.email, u.password);
    const right = codeAt(u.secret, t.clock.now());
    const wrong = right === "000000" ? "111111" : "000000";
    expectProblem(await secondStep(t, token, "totp", wrong), 400, "invalid_code");
    expectProblem(await secondStep(t, token, "recovery_code", "not-a-code"), 400, "invalid_code");
    expect((await secondStep(t, token, "totp", right)).status).toBe(200);

    expectInvalidToken(await secondStep(t, "x".repeat(43), "totp", right));
    expectInvalidToken(await secondStep(t, "x".repeat(150), "totp", right));
    const late = await firstStep(t, u.email, u.password);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: late }));
    t.clock.advanceSeconds(301);
    expectInvalidToken(await secondStep(t, late, "totp", codeAt(u.secret, t.clock.now())));
    const bad = await call(t, "POST", "/auth/mfa/verify", { json: { mfa_token: late, method: "sms", code: "123456" } });
    expectProblem(bad, 400, "validation_failed");
    expectProblem(await call(t, "POST", "/auth/mfa/verify", { json: { mfa_token: late, method: "totp", code: "1", extra: 1 } }), 400, "validation_failed");
  });

  test("one step either side is accepted, two are not; each step once, and never an earlier one after a later", async () => {
    const u = await signUpWithTotp(t); // confirmed at step S0; now S0+1
    t.clock.advance(5 * step); // now S0+6: steps S0+4 and S0+8 are two away, and later than the confirming one
    const now = () => t.clock.now();
    const token = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, token, "totp", codeAt(u.secret, now() - 2 * step)), 400, "invalid_code");
    expectProblem(await secondStep(t, token, "totp", codeAt(u.secret, now() + 2 * step)), 400, "invalid_code");
    expect((await secondStep(t, token, "totp", codeAt(u.secret, now() - step))).status).toBe(200);

    const second = await firstStep(t, u.email, u.password);
    expect((await secondStep(t, second, "totp", codeAt(u.secret, now()))).status).toBe(200);
    const third = await firstStep(t, u.email, u.password);
    expect((await secondStep(t, third, "totp", codeAt(u.secret, now() + step))).status).toBe(200);
    // S0+7 was accepted: it is refused again, and so is S0+6 (earlier), though both are in the window.
    const fourth = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, fourth, "totp", codeAt(u.secret, now() + step)), 400, "invalid_code");
    expectProblem(await secondStep(t, fourth, "totp", codeAt(u.secret, now())), 400, "invalid_code");
    t.clock.advance(2 * step);
    expect((await secondStep(t, fourth, "totp", codeAt(u.secret, now()))).status).toBe(200);
  });

  test("the code that confirmed the enrollment does not sign in, though its step is still in the window", async () => {
    const u = await signUpWithTotp(t); // confirmed with step S0's code; now is S0+1
    const token = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now() - step)), 400, "invalid_code");
    expect((await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now()))).status).toBe(200);
  });

  test("5 wrong codes per user in 15 minutes, across mfa_tokens: then even the right code fails until the window passes", async () => {
    const u = await signUpWithTotp(t);
    const other = await signUpWithTotp(t);
    for (let i = 0; i < 5; i++) {
      const token = await firstStep(t, u.email, u.password); // a fresh token each time: the budget is the user's
      expectProblem(await secondStep(t, token, "totp", i % 2 ? "000000" : "999999"), 400, "invalid_code");
    }
    const token = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now())), 400, "invalid_code");
    expectProblem(await secondStep(t, token, "recovery_code", u.recoveryCodes[0]!), 400, "invalid_code");
    // Another user's budget is untouched.
    const theirs = await firstStep(t, other.email, other.password);
    expect((await secondStep(t, theirs, "totp", codeAt(other.secret, t.clock.now()))).status).toBe(200);
    // The refused recovery code was not used up.
    t.clock.advanceSeconds(901);
    const later = await firstStep(t, u.email, u.password);
    expect((await secondStep(t, later, "recovery_code", u.recoveryCodes[0]!)).status).toBe(200);
    const types = await auditTypes(t, u.user.id, 12);
    expect(types.filter((x) => x === "mfa_failed").length).toBe(7);
    expect(types).toContain("recovery_code_used");
  });

  test("a recovery code works once, whatever its case and dash, and counts down", async () => {
    const u = await signUpWithTotp(t);
    const code = u.recoveryCodes[3]!;
    expect(u.recoveryCodes).toHaveLength(10);
    for (const c of u.recoveryCodes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(new Set(u.recoveryCodes).size).toBe(10);
    const token = await firstStep(t, u.email, u.password);
    const done = await secondStep(t, token, "recovery_code", ` ${code.replace("-", "").toUpperCase()} `);
    expect(done.status).toBe(200);
    expect(jwtClaims(done.body.access_token)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });
    expect((await call(t, "GET", "/users/me/mfa", { token: done.body.access_token })).body).toEqual({ totp: true, recoveryCodesRemaining: 9 });
    const again = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, again, "recovery_code", code), 400, "invalid_code");
    // A recovery code is not a TOTP code, and a TOTP code is not a recovery code.
    expectProblem(await secondStep(t, again, "totp", u.recoveryCodes[4]!), 400, "invalid_code");
    expect((await secondStep(t, again, "recovery_code", u.recoveryCodes[4]!)).status).toBe(200);
  });

  test("a user disabled between the two steps gets 403 forbidden and no session", async () => {
    const u = await signUpWithTotp(t);
    const token = await firstStep(t, u.email, u.password);
    await t.services.users.update(u.user.id, { disabled: true });
    expectProblem(await secondStep(t, token, "totp", codeAt(u.secret, t.clock.now())), 403, "forbidden");
  });
});
