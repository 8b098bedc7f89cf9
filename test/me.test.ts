import { describe, expect, test } from "bun:test";
import { sign } from "hono/jwt";
import { buildTestApp, TEST_SECRET, type TestApp } from "./support/app";
import { call, signInAdmin, signUp } from "./support/http";

const me = (t: TestApp, access?: string) => call(t, "GET", "/users/me", { token: access });
const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("GET /users/me", () => {
  test("200 with the public user", async () => {
    const t = await buildTestApp();
    const u = await signUp(t, "me@example.com", "correct horse battery", "Me");
    const res = await me(t, u.access);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(u.user);
    expect(res.body).toMatchObject({ email: "me@example.com", name: "Me", role: "user", emailVerified: true, disabled: false });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
  });

  test("every kind of bad access token is 401 invalid_token with WWW-Authenticate", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const claims = payload(u.access);
    const forged = [
      await sign({ ...claims }, "another-secret-that-is-at-least-32-bytes", "HS256"),
      await sign({ ...claims, iss: "someone-else" }, TEST_SECRET, "HS256"),
      await sign({ ...claims, aud: "someone-else" }, TEST_SECRET, "HS256"),
      await sign({ ...claims }, TEST_SECRET, "HS512"),
      // alg none: header {"alg":"none"}, no signature.
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${u.access.split(".")[1]}.`,
      await sign({ ...claims, sid: "not-a-session" }, TEST_SECRET, "HS256"),
      await sign({ ...claims, sub: crypto.randomUUID() }, TEST_SECRET, "HS256"),
      await sign({ ...claims, role: "root" }, TEST_SECRET, "HS256"),
    ];
    const cases: (string | undefined)[] = [undefined, "garbage", `${u.access}x`, ...forged];
    for (const token of cases) {
      const res = await me(t, token);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("invalid_token");
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
    const basic = await call(t, "GET", "/users/me", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
    expect((await me(t, u.access)).status).toBe(200);
  });

  test("a disabled user's existing token is 401 invalid_token (their sessions ended)", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: true } });
    const res = await me(t, u.access);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("invalid_token");
  });
});

describe("PATCH /users/me", () => {
  test("sets and trims the name; null clears it; {} changes nothing", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const set = await call(t, "PATCH", "/users/me", { token: u.access, json: { name: "  Grace Hopper " } });
    expect(set.status).toBe(200);
    expect(set.body.name).toBe("Grace Hopper");
    expect((await me(t, u.access)).body.name).toBe("Grace Hopper");
    expect((await call(t, "PATCH", "/users/me", { token: u.access, json: {} })).body.name).toBe("Grace Hopper");
    expect((await call(t, "PATCH", "/users/me", { token: u.access, json: { name: null } })).body.name).toBeNull();
  });

  test.each([
    ["blank name", { name: "  " }, "name"],
    ["long name", { name: "x".repeat(101) }, "name"],
    ["role escalation", { role: "admin" }, "role"],
    ["email change", { email: "x@example.com" }, "email"],
    ["disabled flag", { disabled: false }, "disabled"],
  ])("%s → 400 validation_failed", async (_, json, path) => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "PATCH", "/users/me", { token: u.access, json });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await me(t, u.access)).body.role).toBe("user");
  });

  test("needs a bearer token", async () => {
    const t = await buildTestApp();
    expect((await call(t, "PATCH", "/users/me", { json: { name: "x" } })).body.code).toBe("invalid_token");
  });
});

describe("DELETE /users/me", () => {
  test("with the password: the user and all their sessions are gone", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const second = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    const res = await call(t, "DELETE", "/users/me", { token: u.access, json: { password: u.password } });
    expect(res.status).toBe(204);
    expect(await t.services.users.findById(u.user.id)).toBeNull();
    for (const access of [u.access, second.body.access_token]) expect((await me(t, access)).status).toBe(401);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: second.body.refresh_token } })).status).toBe(401);
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).body.code).toBe("invalid_credentials");
    // The email is free again.
    expect((await call(t, "POST", "/auth/register", { json: { email: u.email, password: u.password } })).status).toBe(201);
  });

  test("a wrong password is 401 invalid_credentials and deletes nothing", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "DELETE", "/users/me", { token: u.access, json: { password: "not my password" } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("invalid_credentials");
    expect(await t.services.users.findById(u.user.id)).not.toBeNull();
  });

  test("without a body it is 400 validation_failed", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "DELETE", "/users/me", { token: u.access });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
  });

  test("the last admin cannot delete themself (409 last_admin)", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const res = await call(t, "DELETE", "/users/me", { token: admin.access, json: { password: admin.password } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("last_admin");
    expect((await me(t, admin.access)).status).toBe(200);
    // With a second admin it works.
    await signInAdmin(t);
    expect((await call(t, "DELETE", "/users/me", { token: admin.access, json: { password: admin.password } })).status).toBe(204);
  });
});
