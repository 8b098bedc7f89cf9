import { describe, expect, test } from "bun:test";
import { bcryptCost } from "../src/auth/hasher";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signUp } from "./support/http";

const login = (t: TestApp, email: string, password: string, headers?: Record<string, string>) =>
  call(t, "POST", "/auth/login", { json: { email, password }, headers });
const passwordGrant = (t: TestApp, username: string, password: string) =>
  call(t, "POST", "/auth/token", { form: { grant_type: "password", username, password } });

function expectPair(body: Record<string, unknown>) {
  expect(body).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 2_592_000 });
  expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(body.refresh_token).toMatch(/^[\w-]{43}$/);
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
}

describe("POST /auth/login", () => {
  test("200 token pair whose access token names user, session and role", async () => {
    const t = await buildTestApp();
    const u = await signUp(t, "login@example.com");
    const res = await login(t, " LOGIN@example.com ", u.password);
    expect(res.status).toBe(200);
    expectPair(res.body);
    const c = claims(res.body.access_token);
    expect(c).toMatchObject({ sub: u.user.id, role: "user", iss: "edge-auth", aud: "edge-auth" });
    for (const k of ["sid", "jti", "iat", "exp"]) expect(c[k]).toBeDefined();
    expect(c.exp).toBe((c.iat as number) + 900);
    expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).body.id).toBe(u.user.id);
  });

  test("each login is a new session", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const a = await login(t, u.email, u.password);
    const b = await login(t, u.email, u.password);
    expect(claims(a.body.access_token).sid).not.toBe(claims(b.body.access_token).sid);
  });

  test("wrong password and unknown email get the same 401 invalid_credentials", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const wrong = await login(t, u.email, "wrong password!");
    const unknown = await login(t, "nobody@example.com", "wrong password!");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe("invalid_credentials");
    expect(wrong.headers.get("www-authenticate")).toBeNull();
  });

  test("an unverified email is 403 email_not_verified, but only with the right password", async () => {
    const t = await buildTestApp();
    await call(t, "POST", "/auth/register", { json: { email: "unv@example.com", password: "correct horse battery" } });
    const res = await login(t, "unv@example.com", "correct horse battery");
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("email_not_verified");
    expect((await login(t, "unv@example.com", "wrong password!")).body.code).toBe("invalid_credentials");
  });

  test("REQUIRE_EMAIL_VERIFICATION=false lets an unverified user in", async () => {
    const t = await buildTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: "false" } });
    await call(t, "POST", "/auth/register", { json: { email: "open@example.com", password: "correct horse battery" } });
    const res = await login(t, "open@example.com", "correct horse battery");
    expect(res.status).toBe(200);
    expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).body.emailVerified).toBe(false);
  });

  test("a disabled account is 403 forbidden", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await t.services.users.update(u.user.id, { disabled: true });
    const res = await login(t, u.email, u.password);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
  });

  test("5 failed logins for an email → 429 with Retry-After, even with the right password, until 15 minutes pass", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) expect((await login(t, u.email, "wrong password!")).status).toBe(401);
    const locked = await login(t, u.email, u.password);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("rate_limited");
    const retry = Number(locked.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(900);
    // Other emails are not affected.
    const other = await signUp(t);
    expect((await login(t, other.email, other.password)).status).toBe(200);
    t.clock.advanceSeconds(900);
    expect((await login(t, u.email, u.password)).status).toBe(200);
  });

  test("failures for an unknown email are limited too (no probing by limit behaviour)", async () => {
    const t = await buildTestApp();
    for (let i = 0; i < 5; i++) await login(t, "ghost@example.com", "wrong password!");
    expect((await login(t, "ghost@example.com", "wrong password!")).status).toBe(429);
  });

  test("a successful login clears earlier failures", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 4; i++) await login(t, u.email, "wrong password!");
    expect((await login(t, u.email, u.password)).status).toBe(200);
    for (let i = 0; i < 4; i++) await login(t, u.email, "wrong password!");
    expect((await login(t, u.email, u.password)).status).toBe(200);
  });

  test("RATE_LIMIT_LOGIN_FAILURES=0 turns the failed-login limit off", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_LOGIN_FAILURES: "0" } });
    const u = await signUp(t);
    for (let i = 0; i < 8; i++) await login(t, u.email, "wrong password!");
    expect((await login(t, u.email, u.password)).status).toBe(200);
  });

  test("60 /auth requests a minute per client address, then 429 with Retry-After", async () => {
    const t = await buildTestApp();
    const as = (client: string) => ({ "x-test-client": client });
    for (let i = 0; i < 60; i++) {
      expect((await call(t, "POST", "/auth/verify/resend", { json: { email: "x@example.com" }, headers: as("10.0.0.1") })).status).toBe(202);
    }
    const limited = await call(t, "POST", "/auth/login", { json: { email: "x@example.com", password: "whatever1" }, headers: as("10.0.0.1") });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another client is unaffected, and the first is let in again in the next window.
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email: "x@example.com" }, headers: as("10.0.0.2") })).status).toBe(202);
    t.clock.advanceSeconds(60);
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email: "x@example.com" }, headers: as("10.0.0.1") })).status).toBe(202);
  });

  test("the per-client limit does not apply outside /auth", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "2" } });
    for (let i = 0; i < 5; i++) expect((await call(t, "GET", "/health", { headers: { "x-test-client": "c" } })).status).toBe(200);
    for (let i = 0; i < 2; i++) await call(t, "POST", "/auth/verify/resend", { json: { email: "a@example.com" }, headers: { "x-test-client": "c" } });
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email: "a@example.com" }, headers: { "x-test-client": "c" } })).status).toBe(429);
  });

  test("a hash made at another BCRYPT_COST is upgraded at the next successful login", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    expect(bcryptCost((await t.services.users.findById(u.user.id))!.passwordHash)).toBe(4);
    const t5 = await buildTestApp({ env: { BCRYPT_COST: "5" }, keepData: true });
    expect((await login(t5, u.email, "wrong password!")).status).toBe(401);
    expect(bcryptCost((await t5.services.users.findById(u.user.id))!.passwordHash)).toBe(4);
    expect((await login(t5, u.email, u.password)).status).toBe(200);
    expect(bcryptCost((await t5.services.users.findById(u.user.id))!.passwordHash)).toBe(5);
    // The upgraded hash still verifies the same password.
    expect((await login(t5, u.email, u.password)).status).toBe(200);
  });
});

describe("POST /auth/token (OAuth2 form)", () => {
  test("password grant returns a token pair", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await passwordGrant(t, u.email.toUpperCase(), u.password);
    expect(res.status).toBe(200);
    expectPair(res.body);
    expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).status).toBe(200);
  });

  test("accepts and ignores scope and client_id (what Swagger UI sends)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "POST", "/auth/token", {
      form: { grant_type: "password", username: u.email, password: u.password, scope: "", client_id: "swagger" },
    });
    expect(res.status).toBe(200);
  });

  test("same rules as login: invalid_credentials, email_not_verified, forbidden, 429", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    expect((await passwordGrant(t, u.email, "wrong password!")).body.code).toBe("invalid_credentials");
    expect((await passwordGrant(t, "nobody@example.com", "wrong password!")).body.code).toBe("invalid_credentials");
    await call(t, "POST", "/auth/register", { json: { email: "unv@example.com", password: "correct horse battery" } });
    expect((await passwordGrant(t, "unv@example.com", "correct horse battery")).body.code).toBe("email_not_verified");
    const d = await signUp(t);
    await t.services.users.update(d.user.id, { disabled: true });
    expect((await passwordGrant(t, d.email, d.password)).body.code).toBe("forbidden");
    // Failures through /auth/token and /auth/login share one budget.
    for (let i = 0; i < 4; i++) await login(t, u.email, "wrong password!");
    expect((await passwordGrant(t, u.email, u.password)).status).toBe(429);
  });

  test("refresh_token grant rotates like /auth/refresh", async () => {
    const t = await buildTestApp({ env: { REFRESH_REUSE_GRACE: "0" } });
    const u = await signUp(t);
    const res = await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: u.refresh } });
    expect(res.status).toBe(200);
    expectPair(res.body);
    expect(claims(res.body.access_token).sid).toBe(claims(u.access).sid);
    const reused = await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: u.refresh } });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("invalid_token");
  });

  test.each([
    ["unknown grant_type", { grant_type: "client_credentials" }],
    ["missing grant_type", { username: "a@example.com", password: "x" }],
    ["password grant without password", { grant_type: "password", username: "a@example.com" }],
    ["password grant without username", { grant_type: "password", password: "whatever1" }],
    ["refresh grant without token", { grant_type: "refresh_token" }],
  ])("%s → 400 validation_failed", async (_, form) => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/token", { form: form as Record<string, string> });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
  });

  test("JSON is refused with 415 (the token endpoint is form-encoded)", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/token", { json: { grant_type: "password", username: "a@example.com", password: "x" } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe("unsupported_media_type");
  });
});
