import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { expectTokenPair, jwtClaims } from "./support/expect";
import { call, signUp } from "./support/http";

const login = (t: TestApp, email: string, password: string) => call(t, "POST", "/auth/login", { json: { email, password } });
const passwordGrant = (t: TestApp, username: string, password: string) =>
  call(t, "POST", "/auth/token", { form: { grant_type: "password", username, password } });

describe("POST /auth/token (OAuth2 form)", () => {
  test("password grant returns a token pair", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await passwordGrant(t, u.email.toUpperCase(), u.password);
    expect(res.status).toBe(200);
    expectTokenPair(res.body);
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
    expectTokenPair(res.body);
    expect(jwtClaims(res.body.access_token).sid).toBe(jwtClaims(u.access).sid);
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
