import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call } from "./support/http";

const PASSWORD = "correct horse battery";
const register = (t: TestApp, email: string, extra: Record<string, unknown> = {}) =>
  call(t, "POST", "/auth/register", { json: { email, password: PASSWORD, ...extra } });
const verify = (t: TestApp, email: string, code: string) => call(t, "POST", "/auth/verify", { json: { email, code } });
/** A six-digit code that is not `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("POST /auth/register", () => {
  test("creates an unverified user, normalises the email and mails a 6-digit code", async () => {
    const t = await buildTestApp();
    const res = await register(t, "  Ada@Example.COM ", { name: "  Ada  " });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: "ada@example.com", name: "Ada", role: "user", emailVerified: false, disabled: false });
    expect(t.mailer.count("ada@example.com", "verify-email")).toBe(1);
    expect(t.mailer.lastCode("ada@example.com")).toMatch(/^\d{6}$/);
  });

  test("name is null when not given", async () => {
    const t = await buildTestApp();
    expect((await register(t, "noname@example.com")).body.user.name).toBeNull();
  });

  test("an existing email (any case) is 409 email_taken and sends nothing", async () => {
    const t = await buildTestApp();
    await register(t, "dup@example.com");
    const res = await register(t, "DUP@example.com");
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("email_taken");
    expect(t.mailer.count("dup@example.com")).toBe(1);
  });

  test.each([
    ["short password", { email: "a@example.com", password: "1234567" }, "password"],
    ["73-byte password", { email: "a@example.com", password: "x".repeat(73) }, "password"],
    ["multi-byte password over 72 bytes", { email: "a@example.com", password: "é".repeat(37) }, "password"],
    ["bad email", { email: "not-an-email", password: PASSWORD }, "email"],
    ["email over 254 chars", { email: `${"a".repeat(250)}@example.com`, password: PASSWORD }, "email"],
    ["blank name", { email: "a@example.com", password: PASSWORD, name: "   " }, "name"],
    ["name over 100 chars", { email: "a@example.com", password: PASSWORD, name: "n".repeat(101) }, "name"],
    ["unknown field", { email: "a@example.com", password: PASSWORD, role: "admin" }, "role"],
  ])("%s → 400 validation_failed naming the field", async (_, json, path) => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/register", { json });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  test("a 72-byte password is accepted (the limit is inclusive)", async () => {
    const t = await buildTestApp();
    expect((await call(t, "POST", "/auth/register", { json: { email: "max@example.com", password: "é".repeat(36) } })).status).toBe(201);
  });
});

describe("POST /auth/verify", () => {
  test("marks the email verified and signs the user in", async () => {
    const t = await buildTestApp();
    await register(t, "v@example.com");
    const res = await verify(t, "V@example.com", t.mailer.lastCode("v@example.com"));
    expect(res.status).toBe(200);
    expect(res.body.user.emailVerified).toBe(true);
    expect(res.body).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 2_592_000 });
    expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).body.emailVerified).toBe(true);
  });

  test("a code is single use", async () => {
    const t = await buildTestApp();
    await register(t, "once@example.com");
    const code = t.mailer.lastCode("once@example.com");
    expect((await verify(t, "once@example.com", code)).status).toBe(200);
    const again = await verify(t, "once@example.com", code);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_code");
  });

  test("a code expires after 10 minutes", async () => {
    const t = await buildTestApp();
    await register(t, "late@example.com");
    const code = t.mailer.lastCode("late@example.com");
    t.clock.advanceSeconds(600);
    const res = await verify(t, "late@example.com", code);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_code");
  });

  test("a code still works just before 10 minutes", async () => {
    const t = await buildTestApp();
    await register(t, "intime@example.com");
    t.clock.advanceSeconds(599);
    expect((await verify(t, "intime@example.com", t.mailer.lastCode("intime@example.com"))).status).toBe(200);
  });

  test("a wrong code, or a code for an unknown email, is 400 invalid_code", async () => {
    const t = await buildTestApp();
    await register(t, "w@example.com");
    const code = t.mailer.lastCode("w@example.com");
    expect((await verify(t, "w@example.com", wrong(code))).body.code).toBe("invalid_code");
    expect((await verify(t, "nobody@example.com", code)).body.code).toBe("invalid_code");
    // A wrong try does not burn the right code.
    expect((await verify(t, "w@example.com", code)).status).toBe(200);
  });

  test("a malformed code is a validation error, not a try", async () => {
    const t = await buildTestApp();
    const res = await verify(t, "w@example.com", "12ab56");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
  });

  test("5 wrong tries, across resends, make every code fail until the 15-minute window passes", async () => {
    const t = await buildTestApp();
    const email = "budget@example.com";
    await register(t, email);
    for (let i = 0; i < 3; i++) expect((await verify(t, email, wrong(t.mailer.lastCode(email)))).status).toBe(400);
    // A new code does not reset the budget.
    t.clock.advanceSeconds(61);
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
    expect(t.mailer.count(email, "verify-email")).toBe(2);
    for (let i = 0; i < 2; i++) expect((await verify(t, email, wrong(t.mailer.lastCode(email)))).status).toBe(400);
    const locked = await verify(t, email, t.mailer.lastCode(email));
    expect(locked.status).toBe(400);
    expect(locked.body.code).toBe("invalid_code");
    // Reset codes share the same budget.
    await call(t, "POST", "/auth/password/forgot", { json: { email } });
    const reset = await call(t, "POST", "/auth/password/reset", { json: { email, code: t.mailer.lastCode(email, "reset-password"), password: "new password 123" } });
    expect(reset.body.code).toBe("invalid_code");
    // 15 minutes after the first wrong try the window has passed; the old code has expired, so ask again.
    t.clock.advanceSeconds(900 - 61);
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
    expect((await verify(t, email, t.mailer.lastCode(email, "verify-email"))).status).toBe(200);
  });

  test("4 wrong tries then the right code succeeds, and the budget starts over", async () => {
    const t = await buildTestApp();
    const email = "four@example.com";
    await register(t, email);
    const code = t.mailer.lastCode(email);
    for (let i = 0; i < 4; i++) await verify(t, email, wrong(code));
    expect((await verify(t, email, code)).status).toBe(200);
    await call(t, "POST", "/auth/password/forgot", { json: { email } });
    const resetCode = t.mailer.lastCode(email, "reset-password");
    for (let i = 0; i < 4; i++) await call(t, "POST", "/auth/password/reset", { json: { email, code: wrong(resetCode), password: "new password 123" } });
    expect((await call(t, "POST", "/auth/password/reset", { json: { email, code: resetCode, password: "new password 123" } })).status).toBe(204);
  });
});

describe("POST /auth/verify/resend", () => {
  test("202 {} whatever the email, and at most one code a minute", async () => {
    const t = await buildTestApp();
    const email = "resend@example.com";
    await register(t, email);
    const first = t.mailer.lastCode(email);
    const soon = await call(t, "POST", "/auth/verify/resend", { json: { email } });
    expect(soon.status).toBe(202);
    expect(soon.body).toEqual({});
    expect(t.mailer.count(email)).toBe(1);
    t.clock.advanceSeconds(60);
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
    expect(t.mailer.count(email)).toBe(2);
    // The new code replaces the old one.
    expect((await verify(t, email, first)).status).toBe(first === t.mailer.lastCode(email) ? 200 : 400);
    expect((await verify(t, email, t.mailer.lastCode(email))).status).toBe(200);

    const unknown = await call(t, "POST", "/auth/verify/resend", { json: { email: "ghost@example.com" } });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual({});
    expect(t.mailer.count("ghost@example.com")).toBe(0);
  });

  test("sends nothing to an already verified email", async () => {
    const t = await buildTestApp();
    const email = "done@example.com";
    await register(t, email);
    await verify(t, email, t.mailer.lastCode(email));
    t.clock.advanceSeconds(61);
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
    expect(t.mailer.count(email)).toBe(1);
  });
});
