import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { DatabaseUnavailableError } from "../src/db/errors";
import type { UserRepo } from "../src/db/users";
import { createMemoryStore } from "../src/store/memory";
import { StoreUnavailableError, type Store } from "../src/store/store";
import { buildTestApp, type TestApp } from "./support/app";
import { expectProblem } from "./support/expect";
import { call, signInAdmin, signUp } from "./support/http";

/** The same app with every users-repo method replaced by one that throws `error`. */
function withFailingUsers(t: TestApp, error: () => Error) {
  const users = Object.fromEntries(Object.keys(t.services.users).map((k) => [k, async () => { throw error(); }])) as unknown as UserRepo;
  return { app: createApp({ ...t.services, users }) };
}

/** A memory store whose every operation throws StoreUnavailableError. */
function downStore(t: TestApp): Store {
  const real = createMemoryStore(t.clock);
  return Object.fromEntries(Object.keys(real).map((k) => [k, async () => { throw new StoreUnavailableError(new Error("ECONNREFUSED 10.0.0.9:6379")); }])) as unknown as Store;
}

describe("error table of API.md", () => {
  test("404 not_found for an unknown route", async () => {
    const t = await buildTestApp();
    for (const path of ["/nope", "/auth/nope", "/users/me/nope"]) expectProblem(await call(t, "GET", path), 404, "not_found");
    // Whatever body comes with it: the body checks belong to the routes that take one.
    expectProblem(await call(t, "POST", "/nope", { body: "hello", headers: { "content-type": "text/plain" } }), 404, "not_found");
  });

  test("a path segment that is literally a route token (*, :id) is an ordinary path: 404, each middleware once", async () => {
    // The fuzz counterexample ["GET","/*"] (seed 1194086024) was a 500: Hono's TrieRouter matched the
    // app-wide middleware twice for it (src/router.ts).
    const t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "2" } });
    for (const path of ["/*", "/%2A", "/*/*", "/docs/*", "/auth/*", "/auth/%2A"]) {
      expectProblem(await call(t, "GET", path, { headers: { "x-test-client": "token-paths" } }), 404, "not_found");
    }
    // One request line each, and the per-client limit (2 a minute) counted the two under /auth/ once
    // each: counted twice, the second would have been 429.
    expect(t.logger.events("http.request").length).toBe(6);
    const admin = await signInAdmin(t);
    const byToken = await call(t, "GET", "/users/:id", { token: admin.access });
    expect(byToken.status).toBe(404);
    expect(t.logger.events("http.request").filter((e) => e.status === 404).length).toBe(7);
  });

  test("405 method_not_allowed with Allow for a known path", async () => {
    const t = await buildTestApp();
    const health = await call(t, "DELETE", "/health");
    expectProblem(health, 405, "method_not_allowed");
    expect(health.headers.get("allow")!.split(", ").sort()).toEqual(["GET", "HEAD"]);
    const login = await call(t, "GET", "/auth/login");
    expectProblem(login, 405, "method_not_allowed");
    expect(login.headers.get("allow")).toBe("POST");
    const user = await call(t, "PUT", `/users/${crypto.randomUUID()}`, { json: {} });
    expectProblem(user, 405, "method_not_allowed");
    expect(user.headers.get("allow")!.split(", ").sort()).toEqual(["DELETE", "GET", "HEAD", "PATCH"]);
  });

  test("400 validation_failed for malformed JSON", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/login", { body: '{"email": "a@example.com",', headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "validation_failed");
    expect(Array.isArray(res.body.errors)).toBe(true);
  });

  test("400 validation_failed for a malformed form on /auth/token, named as a form", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/token", { body: "--x\r\nbroken", headers: { "content-type": "multipart/form-data; boundary=x" } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.detail).not.toContain("JSON");
  });

  test("400 validation_failed for an unknown field, with errors[].path", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/login", { json: { email: "a@example.com", password: "whatever1", remember: true } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors).toContainEqual({ path: "remember", message: expect.any(String) });
  });

  test("400 validation_failed lists every bad field", async () => {
    const t = await buildTestApp();
    const res = await call(t, "POST", "/auth/register", { json: { email: "nope", password: "short" } });
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "password"]);
  });

  test("413 payload_too_large over 16 KiB, with or without Content-Length", async () => {
    const t = await buildTestApp();
    const big = JSON.stringify({ email: "a@example.com", password: "x".repeat(17_000) });
    expectProblem(await call(t, "POST", "/auth/login", { body: big, headers: { "content-type": "application/json" } }), 413, "payload_too_large");
    const withLength = await call(t, "POST", "/auth/login", {
      body: big,
      headers: { "content-type": "application/json", "content-length": String(big.length) },
    });
    expectProblem(withLength, 413, "payload_too_large");
    const streamed = await t.app.request("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  test("a body just under the limit is read", async () => {
    const t = await buildTestApp();
    const body = JSON.stringify({ email: "a@example.com", password: "x".repeat(16_000) });
    const res = await call(t, "POST", "/auth/login", { body, headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "validation_failed");
  });

  test("415 unsupported_media_type for a body that is not JSON (or a form where allowed)", async () => {
    const t = await buildTestApp();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await call(t, "POST", "/auth/login", { body: "email=a@example.com&password=whatever1", headers: { "content-type": type } });
      expectProblem(res, 415, "unsupported_media_type");
    }
    const token = await call(t, "POST", "/auth/token", { body: "grant_type=password", headers: { "content-type": "text/plain" } });
    expectProblem(token, 415, "unsupported_media_type");
    // JSON with a charset parameter is JSON.
    const charset = await call(t, "POST", "/auth/login", {
      body: JSON.stringify({ email: "a@example.com", password: "whatever1" }),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expectProblem(charset, 401, "invalid_credentials");
  });

  test("500 internal: logged with the request id, nothing of the error leaked", async () => {
    const t = await buildTestApp();
    const secret = 'select "password_hash" from "users" where email = $1 -- params: $2b$04$abcdefghijklmnopqrstuv';
    const broken = withFailingUsers(t, () => new Error(secret));
    const res = await call(broken, "POST", "/auth/login", { json: { email: "a@example.com", password: "whatever1" }, headers: { "x-request-id": "req-500" } });
    expectProblem(res, 500, "internal");
    expect(res.body.detail).toContain("req-500");
    expect(res.text).not.toContain("password_hash");
    expect(res.text).not.toContain("$2b$");
    expect(res.text).not.toContain("at ");
    const logged = t.logger.events("http.unhandled");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.requestId).toBe("req-500");
    expect(t.logger.lines.join("\n")).not.toContain("password_hash");
  });

  test("503 unavailable with Retry-After when the database cannot be reached", async () => {
    const t = await buildTestApp();
    const broken = withFailingUsers(t, () => new DatabaseUnavailableError(new Error("connect ECONNREFUSED 127.0.0.1:5432")));
    const res = await call(broken, "POST", "/auth/login", { json: { email: "a@example.com", password: "whatever1" } });
    expectProblem(res, 503, "unavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.text).not.toContain("ECONNREFUSED");
  });

  test("503 unavailable with Retry-After when the token store cannot be reached", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const broken = await buildTestApp({ store: downStore(t), keepData: true });
    for (const res of [
      await call(broken, "GET", "/users/me", { token: u.access }),
      await call(broken, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } }),
      await call(broken, "POST", "/auth/login", { json: { email: u.email, password: u.password } }),
    ]) {
      expectProblem(res, 503, "unavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(res.text).not.toContain("6379");
    }
  });

  test("401 invalid_token carries WWW-Authenticate: Bearer error=\"invalid_token\"", async () => {
    const t = await buildTestApp();
    for (const res of [await call(t, "GET", "/users/me"), await call(t, "POST", "/auth/refresh", { json: { refresh_token: "nope" } })]) {
      expectProblem(res, 401, "invalid_token");
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
  });
});
