import { beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditEvents, recoveryCodes, totpFactors } from "../src/db/schema";
import { buildTestApp, type TestApp } from "./support/app";
import { auditTypes } from "./support/audit";
import { expectInvalidToken, expectProblem, expectTokenPair, jwtClaims } from "./support/expect";
import { call, signInAdmin, signUp } from "./support/http";
import { alignToStep, codeAt, firstStep, secondStep, signUpWithTotp } from "./support/mfa";

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
});

const enroll = (token: string, password: string) => call(t, "POST", "/users/me/mfa/totp", { token, json: { password } });
const confirm = (token: string, code: string) => call(t, "POST", "/users/me/mfa/totp/confirm", { token, json: { code } });

describe("enrollment", () => {
  test("a pending secret per call (base32, in an otpauth URI); only the newest confirms; TOTP is then on", async () => {
    const u = await signUp(t);
    expect((await call(t, "GET", "/users/me/mfa", { token: u.access })).body).toEqual({ totp: false, recoveryCodesRemaining: 0 });
    alignToStep(t);
    const first = await enroll(u.access, u.password);
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(first.body.otpauth_uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe(`/edge-auth:${u.email}`);
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret: first.body.secret, issuer: "edge-auth", algorithm: "SHA1", digits: "6", period: "30" });
    const second = await enroll(u.access, u.password);
    expect(second.body.secret).not.toBe(first.body.secret);
    // Nothing is on until a code confirms it.
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
    expectProblem(await confirm(u.access, codeAt(first.body.secret, t.clock.now())), 400, "invalid_code");
    const done = await confirm(u.access, codeAt(second.body.secret, t.clock.now()));
    expect(done.status).toBe(200);
    expectTokenPair(done.body);
    expect(done.body.recovery_codes).toHaveLength(10);
    // The verify session was an emailed code: the new one is otp + the second factor.
    expect(jwtClaims(done.body.access_token)).toMatchObject({ aal: "aal2", amr: ["otp", "mfa"] });
    expect((await call(t, "GET", "/users/me/mfa", { token: done.body.access_token })).body).toEqual({ totp: true, recoveryCodesRemaining: 10 });
    expectProblem(await enroll(done.body.access_token, u.password), 409, "mfa_already_enabled");
    expectProblem(await confirm(done.body.access_token, codeAt(second.body.secret, t.clock.now() + 30_000)), 400, "invalid_code");
    expect(await auditTypes(t, u.user.id, 3)).toContain("mfa_enabled");
  });

  test("the password is checked under the failed-login budget; a wrong one changes nothing", async () => {
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) expectProblem(await enroll(u.access, `wrong password ${i}`), 401, "invalid_credentials");
    expectProblem(await enroll(u.access, u.password), 429, "rate_limited");
    expectProblem(await confirm(u.access, "123456"), 400, "invalid_code"); // nothing pending
    expectProblem(await call(t, "POST", "/users/me/mfa/totp", { token: u.access, json: { password: u.password, secret: "AAAA" } }), 400, "validation_failed");
    expectInvalidToken(await call(t, "POST", "/users/me/mfa/totp", { json: { password: u.password } }));
  });

  test("a pending enrollment lives 10 minutes; wrong confirm codes count in the budget", async () => {
    const u = await signUp(t);
    alignToStep(t);
    const pending = await enroll(u.access, u.password);
    expectProblem(await confirm(u.access, "000000" === codeAt(pending.body.secret, t.clock.now()) ? "111111" : "000000"), 400, "invalid_code");
    t.clock.advanceSeconds(601);
    expectProblem(await confirm(u.access, codeAt(pending.body.secret, t.clock.now())), 400, "invalid_code");
    const again = await enroll(u.access, u.password);
    for (let i = 0; i < 3; i++) await confirm(u.access, "000000" === codeAt(again.body.secret, t.clock.now()) ? "111111" : "000000");
    // 5 wrong in the window (1 + the expired one + 3): the right code is refused too.
    expectProblem(await confirm(u.access, codeAt(again.body.secret, t.clock.now())), 400, "invalid_code");
    t.clock.advanceSeconds(900);
    // The access token has expired by now: a fresh sign-in.
    const login = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    const third = await enroll(login.body.access_token, u.password);
    expect((await confirm(login.body.access_token, codeAt(third.body.secret, t.clock.now()))).status).toBe(200);
  });

  test("confirming ends every other session and the caller's old tokens; the new pair goes on", async () => {
    const u = await signUp(t);
    const other = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    const otherRefresh = other.body.refresh_token;
    alignToStep(t);
    const pending = await enroll(other.body.access_token, u.password);
    const done = await confirm(other.body.access_token, codeAt(pending.body.secret, t.clock.now()));
    expect(done.status).toBe(200);
    expect(jwtClaims(done.body.access_token)).toMatchObject({ amr: ["pwd", "otp", "mfa"], aal: "aal2" });
    expect(jwtClaims(done.body.access_token).sid).not.toBe(jwtClaims(other.body.access_token).sid);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: u.access }));
    expectInvalidToken(await call(t, "GET", "/users/me", { token: other.body.access_token }));
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } }));
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: otherRefresh } }));
    expect((await call(t, "GET", "/users/me", { token: done.body.access_token })).status).toBe(200);
    // A refresh keeps the assurance exactly.
    const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: done.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    const [before, after] = [jwtClaims(done.body.access_token), jwtClaims(refreshed.body.access_token)];
    expect({ amr: after.amr, aal: after.aal, auth_time: after.auth_time, sid: after.sid }).toEqual({ amr: before.amr, aal: before.aal, auth_time: before.auth_time, sid: before.sid });
  });

  test("the secret is stored sealed (not the base32 text), with a key id; recovery codes only as hashes", async () => {
    const u = await signUpWithTotp(t);
    const [row] = await t.db.select().from(totpFactors).where(eq(totpFactors.userId, u.user.id));
    expect(row).toBeDefined();
    expect(row!.secretCiphertext).not.toContain(u.secret);
    expect(row!.secretCiphertext.toUpperCase()).not.toContain(u.secret);
    expect(row!.secretCiphertext.length).toBeGreaterThan(40);
    expect(row!.keyId).toMatch(/^[\w-]{8}$/);
    const codes = await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, u.user.id));
    expect(codes).toHaveLength(10);
    const stored = codes.map((c) => c.codeHash).join("\n");
    for (const code of u.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace("-", ""));
    }
    // Under another DATA_ENCRYPTION_KEY the stored secret does not open: the factor check fails closed (500, nothing leaked).
    const other = await buildTestApp({ keepData: true, env: { DATA_ENCRYPTION_KEY: "another-data-key-that-is-at-least-32-bytes", RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
    const token = await firstStep(other, u.email, u.password);
    const refused = await secondStep(other, token, "totp", codeAt(u.secret, other.clock.now()));
    expect(refused.status).toBe(500);
    expect(refused.text).not.toContain(u.secret);
  });
});

describe("recovery codes, turning off, the admin reset", () => {
  test("regenerating needs a TOTP code; the old codes stop working, the new ones work", async () => {
    const u = await signUpWithTotp(t);
    const regen = (code: string) => call(t, "POST", "/users/me/mfa/recovery-codes", { token: u.access, json: { code } });
    expectProblem(await regen("000000" === codeAt(u.secret, t.clock.now()) ? "111111" : "000000"), 400, "invalid_code");
    expectProblem(await call(t, "POST", "/users/me/mfa/recovery-codes", { token: u.access, json: { code: u.recoveryCodes[0] } }), 400, "validation_failed");
    const fresh = await regen(codeAt(u.secret, t.clock.now()));
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    expect(fresh.body.recovery_codes).not.toContain(u.recoveryCodes[0]);
    const token = await firstStep(t, u.email, u.password);
    expectProblem(await secondStep(t, token, "recovery_code", u.recoveryCodes[0]!), 400, "invalid_code");
    expect((await secondStep(t, token, "recovery_code", fresh.body.recovery_codes[0])).status).toBe(200);
    expect(await auditTypes(t, u.user.id, 5)).toContain("recovery_codes_regenerated");
  });

  test("turning off with a TOTP code: the factor and codes go, other sessions end, the password alone signs in again", async () => {
    const u = await signUpWithTotp(t);
    const otherToken = await firstStep(t, u.email, u.password);
    const other = await secondStep(t, otherToken, "totp", codeAt(u.secret, t.clock.now()));
    expect(other.status).toBe(200);
    const off = (code: string) => call(t, "DELETE", "/users/me/mfa/totp", { token: u.access, json: { code } });
    expectProblem(await off(codeAt(u.secret, t.clock.now())), 400, "invalid_code"); // that step was just used
    t.clock.advanceSeconds(30);
    expect((await off(codeAt(u.secret, t.clock.now()))).status).toBe(204);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: other.body.access_token }));
    expect((await call(t, "GET", "/users/me/mfa", { token: u.access })).body).toEqual({ totp: false, recoveryCodesRemaining: 0 });
    expect(await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, u.user.id))).toEqual([]);
    const login = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expect(login.status).toBe(200);
    expect(jwtClaims(login.body.access_token)).toMatchObject({ amr: ["pwd"], aal: "aal1" });
    expectProblem(await off(codeAt(u.secret, t.clock.now() + 30_000)), 409, "mfa_not_enabled");
    expectProblem(await call(t, "POST", "/users/me/mfa/recovery-codes", { token: u.access, json: { code: "123456" } }), 409, "mfa_not_enabled");
    expect(await auditTypes(t, u.user.id, 6)).toContain("mfa_disabled");
  });

  test("turning off with a recovery code works too (a lost phone, still signed in)", async () => {
    const u = await signUpWithTotp(t);
    expectProblem(await call(t, "DELETE", "/users/me/mfa/totp", { token: u.access, json: { code: "zzzzz-zzzzz" } }), 400, "invalid_code");
    expect((await call(t, "DELETE", "/users/me/mfa/totp", { token: u.access, json: { code: u.recoveryCodes[9] } })).status).toBe(204);
    expect(await t.services.factors.hasTotp(u.user.id)).toBe(false);
  });

  test("the admin reset removes the factor and ends the user's sessions; audited with the admin as actor", async () => {
    const u = await signUpWithTotp(t);
    const admin = await signInAdmin(t);
    const adminId = jwtClaims(admin.access).sub as string;
    expectProblem(await call(t, "DELETE", `/users/${u.user.id}/mfa`, { token: u.access }), 403, "forbidden");
    expectProblem(await call(t, "DELETE", `/users/${crypto.randomUUID()}/mfa`, { token: admin.access }), 404, "not_found");
    expectProblem(await call(t, "DELETE", `/users/not-a-uuid/mfa`, { token: admin.access }), 404, "not_found");
    expect((await call(t, "DELETE", `/users/${u.user.id}/mfa`, { token: admin.access })).status).toBe(204);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: u.access }));
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
    expectProblem(await call(t, "DELETE", `/users/${u.user.id}/mfa`, { token: admin.access }), 409, "mfa_not_enabled");
    expect(await auditTypes(t, u.user.id, 3)).toContain("mfa_reset");
    const [reset] = await t.db.select().from(auditEvents).where(eq(auditEvents.type, "mfa_reset"));
    expect(reset).toMatchObject({ userId: u.user.id, actorId: adminId });
  });
});
