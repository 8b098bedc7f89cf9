// The whole account flow against the Worker inside workerd, with real Postgres and Redis behind
// the Neon HTTP and Upstash REST protocols, and the code read from a webhook mail catcher.
import { beforeAll, describe, expect, it } from "vitest";
import { call, mailedCode, uniqueEmail, untilReady } from "./helpers";

describe("the Worker in workerd", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("registers, verifies with the mailed code, logs in, refreshes, detects reuse, logs out", async () => {
    const email = uniqueEmail("flow");
    const password = "correct horse battery";

    const registered = await call("POST", "/auth/register", { json: { email, password, name: "Ada" } });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ email, name: "Ada", role: "user", emailVerified: false });

    const early = await call("POST", "/auth/login", { json: { email, password } });
    expect(early.status).toBe(403);
    expect(early.body.code).toBe("email_not_verified");

    const code = await mailedCode(email);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await call("POST", "/auth/verify", { json: { email, code } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.emailVerified).toBe(true);
    expect(verified.body.token_type).toBe("bearer");
    const first = verified.body as { access_token: string; refresh_token: string };

    const login = await call("POST", "/auth/login", { json: { email, password } });
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");

    const me = await call("GET", "/users/me", { token: login.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email, emailVerified: true });

    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(login.body.refresh_token);
    expect((await call("GET", "/users/me", { token: refreshed.body.access_token })).status).toBe(200);

    // REFRESH_REUSE_GRACE=0: a used refresh token presented again is theft; the session ends.
    const reused = await call("POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("invalid_token");
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: refreshed.body.refresh_token } })).status).toBe(401);
    expect((await call("GET", "/users/me", { token: refreshed.body.access_token })).status).toBe(401);

    // The session from verification is separate and still alive, until logout ends it.
    expect((await call("GET", "/users/me", { token: first.access_token })).status).toBe(200);
    const logout = await call("POST", "/auth/logout", { json: { refresh_token: first.refresh_token } });
    expect(logout.status).toBe(204);
    expect((await call("GET", "/users/me", { token: first.access_token })).status).toBe(401);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: first.refresh_token } })).status).toBe(401);
  });

  it("seeded the admin from ADMIN_EMAIL/ADMIN_PASSWORD, who can list users", async () => {
    const login = await call("POST", "/auth/login", { json: { email: "root@example.com", password: "workerd admin password" } });
    expect(login.status).toBe(200);
    const list = await call("GET", "/users?limit=5", { token: login.body.access_token });
    expect(list.status).toBe(200);
    expect(list.body.users.some((u: { email: string; role: string }) => u.email === "root@example.com" && u.role === "admin")).toBe(true);
  });

  it("is ready: database and store answer through their HTTP protocols", async () => {
    const ready = await call("GET", "/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ok", database: "ok", store: "ok" });
  });

  it("serves the web UI and the OpenAPI document from the same bundle", async () => {
    const page = await call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const script = await call("GET", "/app.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/auth/register", "/auth/refresh", "/users/me"]));
  });
});
