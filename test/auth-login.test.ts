import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { bcryptCost } from "../src/auth/hasher";
import { buildTestApp, type TestApp } from "./support/app";
import { expectTokenPair, jwtClaims } from "./support/expect";
import { call, signUp } from "./support/http";
import { loginBursts, parallelLogins } from "./support/login-bursts";

const login = (t: TestApp, email: string, password: string, headers?: Record<string, string>) =>
  call(t, "POST", "/auth/login", { json: { email, password }, headers });

describe("POST /auth/login", () => {
  test("200 token pair whose access token names user, session and role", async () => {
    const t = await buildTestApp();
    const u = await signUp(t, "login@example.com");
    const res = await login(t, " LOGIN@example.com ", u.password);
    expect(res.status).toBe(200);
    expectTokenPair(res.body);
    const c = jwtClaims(res.body.access_token);
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
    expect(jwtClaims(a.body.access_token).sid).not.toBe(jwtClaims(b.body.access_token).sid);
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

  test("malformed and wrongly typed /auth requests count against the client too", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "3" } });
    const headers = { "x-test-client": "bad" };
    expect((await call(t, "POST", "/auth/login", { body: "not json", headers: { ...headers, "content-type": "text/plain" } })).status).toBe(415);
    expect((await call(t, "POST", "/auth/login", { body: "{oops", headers: { ...headers, "content-type": "application/json" } })).status).toBe(400);
    expect((await call(t, "POST", "/auth/login", { body: "x".repeat(20_000), headers: { ...headers, "content-type": "application/json" } })).status).toBe(413);
    expect((await call(t, "POST", "/auth/login", { json: { email: "a@example.com", password: "whatever1" }, headers })).status).toBe(429);
  });

  test("a hash made at another BCRYPT_COST is upgraded at the next successful login", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    expect(bcryptCost((await t.services.users.findById(u.user.id))!.passwordHash!)).toBe(4);
    const t5 = await buildTestApp({ env: { BCRYPT_COST: "5" }, keepData: true });
    expect((await login(t5, u.email, "wrong password!")).status).toBe(401);
    expect(bcryptCost((await t5.services.users.findById(u.user.id))!.passwordHash!)).toBe(4);
    expect((await login(t5, u.email, u.password)).status).toBe(200);
    expect(bcryptCost((await t5.services.users.findById(u.user.id))!.passwordHash!)).toBe(5);
    // The upgraded hash still verifies the same password.
    expect((await login(t5, u.email, u.password)).status).toBe(200);
  });
});


describe("failed-login limit under concurrency", () => {
  test("a burst of parallel wrong passwords gets at most 5 bcrypt checks; the rest are 429", async () => {
    const t = await buildTestApp();
    const { wrong, wrongVerifies, afterWrong } = await loginBursts(t, 20);
    expect(wrongVerifies).toBeLessThanOrEqual(5);
    expect(wrong.filter((r) => r.status === 401).length).toBe(wrongVerifies);
    expect(wrong.filter((r) => r.status === 429).length).toBe(20 - wrongVerifies);
    for (const r of wrong.filter((r) => r.status === 429)) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    // The failures were recorded: now even the right password waits out the window.
    expect(afterWrong.status).toBe(429);
  });

  test("10 parallel logins with the right password all succeed, each with its own session", async () => {
    const t = await buildTestApp();
    const { right, sessions, alive } = await loginBursts(t, 10);
    expect(right.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(sessions.size).toBe(10);
    expect(alive.map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  test("with 4 failures recorded, parallel right passwords still all get in (and clear the failures)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 4; i++) expect((await login(t, u.email, "wrong password!")).status).toBe(401);
    const right = await parallelLogins(t.app, u.email, () => u.password, 8);
    expect(right.map((r) => r.status)).toEqual(Array(8).fill(200));
    for (let i = 0; i < 5; i++) expect((await login(t, u.email, "wrong password!")).status).toBe(401);
    expect((await login(t, u.email, u.password)).status).toBe(429);
  });

  test("a check that fails on our side frees its slot and counts as no failure", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    let broken = true;
    const hasher = { ...t.services.hasher, verify: async (p: string, h: string) => (broken ? Promise.reject(new Error("bcrypt pool gone")) : t.services.hasher.verify(p, h)) };
    const app = createApp({ ...t.services, hasher });
    const failed = await parallelLogins(app, u.email, () => u.password, 5);
    expect(failed.map((r) => r.status)).toEqual(Array(5).fill(500));
    broken = false;
    // Five slots taken and never finished would make this wait, then 429; five failures would lock it.
    expect((await call({ app }, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
  });
});
