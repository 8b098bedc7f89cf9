import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signUp } from "./support/http";

const NEW = "a brand new password";
const login = (t: TestApp, email: string, password: string) => call(t, "POST", "/auth/login", { json: { email, password } });
const me = (t: TestApp, access: string) => call(t, "GET", "/users/me", { token: access });
const reset = (t: TestApp, email: string, code: string, password = NEW) =>
  call(t, "POST", "/auth/password/reset", { json: { email, code, password } });

describe("POST /auth/password/forgot", () => {
  test("202 {} and a reset code for an existing account", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "POST", "/auth/password/forgot", { json: { email: u.email.toUpperCase() } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    expect(t.mailer.lastCode(u.email, "reset-password")).toMatch(/^\d{6}$/);
  });

  test("202 {} and nothing sent for an unknown email", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/password/forgot", { json: { email: "ghost@example.com" } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    expect(t.mailer.messages).toHaveLength(0);
  });

  test("at most one code a minute per email (still 202)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    expect((await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } })).status).toBe(202);
    expect(t.mailer.count(u.email, "reset-password")).toBe(1);
    t.clock.advanceSeconds(60);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    expect(t.mailer.count(u.email, "reset-password")).toBe(2);
  });
});

describe("POST /auth/password/reset", () => {
  test("sets the new password and ends every session", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const second = await login(t, u.email, u.password);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const res = await reset(t, u.email, t.mailer.lastCode(u.email, "reset-password"));
    expect(res.status).toBe(204);
    for (const access of [u.access, second.body.access_token]) expect((await me(t, access)).status).toBe(401);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(401);
    expect((await login(t, u.email, u.password)).status).toBe(401);
    expect((await login(t, u.email, NEW)).status).toBe(200);
  });

  test("the code is single use and expires after 10 minutes", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const code = t.mailer.lastCode(u.email, "reset-password");
    expect((await reset(t, u.email, code)).status).toBe(204);
    expect((await reset(t, u.email, code, "yet another password")).body.code).toBe("invalid_code");

    t.clock.advanceSeconds(60);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const late = t.mailer.lastCode(u.email, "reset-password");
    t.clock.advanceSeconds(600);
    const res = await reset(t, u.email, late, "yet another password");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_code");
    expect((await login(t, u.email, NEW)).status).toBe(200);
  });

  test("a verification code is not a reset code", async () => {
    const t = await buildTestApp();
    await call(t, "POST", "/auth/register", { json: { email: "mix@example.com", password: "correct horse battery" } });
    const res = await reset(t, "mix@example.com", t.mailer.lastCode("mix@example.com", "verify-email"));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_code");
  });

  test("the new password follows the password rules", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const res = await reset(t, u.email, t.mailer.lastCode(u.email, "reset-password"), "short");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors[0].path).toBe("password");
  });

  test("resetting an unverified account verifies it (the code proved the mailbox)", async () => {
    const t = await buildTestApp();
    await call(t, "POST", "/auth/register", { json: { email: "unv@example.com", password: "correct horse battery" } });
    t.clock.advanceSeconds(60);
    await call(t, "POST", "/auth/password/forgot", { json: { email: "unv@example.com" } });
    expect((await reset(t, "unv@example.com", t.mailer.lastCode("unv@example.com", "reset-password"))).status).toBe(204);
    expect((await login(t, "unv@example.com", NEW)).status).toBe(200);
  });
});

describe("POST /users/me/password", () => {
  const change = (t: TestApp, access: string, currentPassword: string, newPassword = NEW) =>
    call(t, "POST", "/users/me/password", { token: access, json: { currentPassword, newPassword } });

  test("changes the password, ends the OTHER sessions and keeps the current one", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const other = await login(t, u.email, u.password);
    const res = await change(t, u.access, u.password);
    expect(res.status).toBe(204);
    expect((await me(t, u.access)).status).toBe(200);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(200);
    expect((await me(t, other.body.access_token)).status).toBe(401);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: other.body.refresh_token } })).status).toBe(401);
    expect((await login(t, u.email, u.password)).status).toBe(401);
    expect((await login(t, u.email, NEW)).status).toBe(200);
  });

  test("a wrong current password is 401 invalid_credentials and changes nothing", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await change(t, u.access, "not my password");
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("invalid_credentials");
    // The caller's token is fine: this 401 is not a token problem.
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect((await me(t, u.access)).status).toBe(200);
    expect((await login(t, u.email, u.password)).status).toBe(200);
  });

  test("wrong current passwords count as failed logins", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) expect((await change(t, u.access, "not my password")).status).toBe(401);
    expect((await change(t, u.access, u.password)).status).toBe(429);
    expect((await login(t, u.email, u.password)).status).toBe(429);
  });

  test("the new password follows the password rules; unknown fields are refused", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    expect((await change(t, u.access, u.password, "x".repeat(73))).body.errors[0].path).toBe("newPassword");
    const extra = await call(t, "POST", "/users/me/password", { token: u.access, json: { currentPassword: u.password, newPassword: NEW, confirm: NEW } });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].path).toBe("confirm");
  });

  test("needs a bearer token", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/users/me/password", { json: { currentPassword: "whatever1", newPassword: NEW } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("invalid_token");
  });
});
