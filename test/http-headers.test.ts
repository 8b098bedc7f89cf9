import { describe, expect, test } from "bun:test";
import { buildTestApp } from "./support/app";
import { call, signUp } from "./support/http";

describe("headers on every response", () => {
  test("X-Request-Id is echoed when well formed, otherwise replaced", async () => {
    const t = await buildTestApp();
    const echo = async (id: string) => (await call(t, "GET", "/health", { headers: { "x-request-id": id } })).headers.get("x-request-id");
    for (const id of ["abc", "A.b_c:d-1", "x".repeat(200)]) expect(await echo(id)).toBe(id);
    for (const id of ["x".repeat(201), "has space", "semi;colon", "<script>", "ünïcode"]) {
      const got = await echo(id);
      expect(got).not.toBe(id);
      expect(got).toMatch(/^[A-Za-z0-9._:-]{1,200}$/);
    }
    const fresh = (await call(t, "GET", "/health")).headers.get("x-request-id");
    expect(fresh).toMatch(/^[A-Za-z0-9._:-]{1,200}$/);
    expect((await call(t, "GET", "/health")).headers.get("x-request-id")).not.toBe(fresh);
  });

  test("nosniff and no-referrer everywhere; no-store under /auth and /users, on errors too", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const replies = {
      health: await call(t, "GET", "/health"),
      openapi: await call(t, "GET", "/openapi.json"),
      missing: await call(t, "GET", "/nope"),
      login: await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }),
      loginFailed: await call(t, "POST", "/auth/login", { json: { email: u.email, password: "wrong password" } }),
      me: await call(t, "GET", "/users/me", { token: u.access }),
      meDenied: await call(t, "GET", "/users/me"),
      users: await call(t, "GET", "/users", { token: u.access }),
    };
    for (const res of Object.values(replies)) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
    for (const key of ["login", "loginFailed", "me", "meDenied", "users"] as const) {
      expect(replies[key].headers.get("cache-control")).toBe("no-store");
    }
  });

  test("CORS: Access-Control-Allow-Origin only for origins in CORS_ORIGINS", async () => {
    const t = await buildTestApp({ env: { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" } });
    const from = (origin: string) => call(t, "GET", "/health", { headers: { origin } });
    expect((await from("https://app.example.com")).headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect((await from("https://admin.example.com")).headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect((await from("https://evil.example.com")).headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await t.app.request("/auth/login", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const evil = await t.app.request("/auth/login", { method: "OPTIONS", headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const none = await buildTestApp();
    expect((await call(none, "GET", "/health", { headers: { origin: "https://app.example.com" } })).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("every kind of answer carries the common headers: errors, preflights, the UI, the docs", async () => {
    const t = await buildTestApp({ env: { CORS_ORIGINS: "https://app.example.com", MAX_BODY_BYTES: "1024" } });
    const origin = { origin: "https://app.example.com" };
    const replies = {
      notAllowed: await call(t, "PUT", "/auth/login", { json: {} }),
      tooLarge: await call(t, "POST", "/auth/login", { json: { email: "x".repeat(2000) } }),
      wrongType: await call(t, "POST", "/auth/login", { body: "a=b", headers: { "content-type": "text/plain" } }),
      malformed: await call(t, "POST", "/auth/refresh", { body: "{", headers: { "content-type": "application/json" } }),
      ui: await call(t, "GET", "/"),
      docs: await call(t, "GET", "/docs"),
      browser: await call(t, "GET", "/health", { headers: origin }),
      preflight: await t.app.request("/auth/refresh", { method: "OPTIONS", headers: { ...origin, "access-control-request-method": "POST" } }),
    };
    expect(replies.notAllowed.status).toBe(405);
    expect(replies.tooLarge.status).toBe(413);
    expect(replies.wrongType.status).toBe(415);
    expect(replies.malformed.status).toBe(400);
    expect(replies.preflight.status).toBe(204);
    for (const [name, res] of Object.entries(replies)) {
      expect([name, res.headers.get("x-request-id")]).toEqual([name, expect.stringMatching(/^[A-Za-z0-9._:-]{1,200}$/)]);
      expect([name, res.headers.get("x-content-type-options"), res.headers.get("referrer-policy")]).toEqual([name, "nosniff", "no-referrer"]);
      // One Vary: Origin, never a duplicate, whether hono's cors or the frame answered.
      expect([name, res.headers.get("vary")]).toEqual([name, expect.stringMatching(/^Origin(, Access-Control-Request-Headers)?$/)]);
    }
    for (const name of ["notAllowed", "tooLarge", "wrongType", "malformed", "preflight"] as const) {
      expect([name, replies[name].headers.get("cache-control")]).toEqual([name, "no-store"]);
    }
    expect(replies.ui.headers.get("cache-control")).toBe("no-cache");
    // Without an Origin the exposed headers are announced anyway; with one, only to allowed origins.
    expect(replies.notAllowed.headers.get("access-control-expose-headers")).toBe("X-Request-Id,Retry-After,WWW-Authenticate");
    expect(replies.browser.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(replies.browser.headers.get("access-control-expose-headers")).toBe("X-Request-Id,Retry-After,WWW-Authenticate");
    expect(replies.preflight.headers.get("access-control-allow-methods")).toContain("POST");
  });
});
