import { describe, expect, test } from "bun:test";
import { createClient, EdgeAuthError, memoryStorage, type EdgeAuthClient } from "../src/client/client";
import { buildTestApp, type TestApp } from "./support/app";
import { signUp } from "./support/http";

/** A client on the in-process app, counting the requests it sends by path. */
function clientFor(t: TestApp, storage = memoryStorage()) {
  const sent: string[] = [];
  const client = createClient({
    baseUrl: "http://edge-auth.test",
    storage,
    fetch: (url, init) => {
      sent.push(`${init.method} ${new URL(url).pathname}`);
      return Promise.resolve(t.app.request(url, init));
    },
  });
  return { client, sent, storage, count: (what: string) => sent.filter((s) => s === what).length };
}

async function signedInClient(t: TestApp) {
  const u = await signUp(t);
  const c = clientFor(t);
  expect(await c.client.login({ email: u.email, password: u.password })).toEqual({ status: "signed_in" });
  return { ...c, u };
}

describe("edge-auth/client against the real app", () => {
  test("register, verify with the emailed code, me, logout: the session ends on the server too", async () => {
    const t = await buildTestApp();
    const { client, storage } = clientFor(t);
    const { user } = await client.register({ email: "ada@example.com", password: "correct horse battery", name: "Ada" });
    expect(user.emailVerified).toBe(false);
    expect(await client.verify({ email: "ada@example.com", code: t.mailer.lastCode("ada@example.com", "verify-email")! })).toEqual({ status: "signed_in" });
    expect((await client.me()).name).toBe("Ada");
    const refreshToken = await storage.get();
    expect(refreshToken).toBeTruthy();
    await client.logout();
    expect(await storage.get()).toBeNull();
    expect(client.signedIn).toBe(false);
    // The server ended the session: the old refresh token is refused.
    const replay = await t.app.request("/auth/refresh", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refresh_token: refreshToken }) });
    expect(replay.status).toBe(401);
  });

  test("errors are one class with status, code, detail, errors and retryAfter", async () => {
    const t = await buildTestApp();
    const { client } = clientFor(t);
    const invalid = await client.register({ email: "not-an-email", password: "short" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(EdgeAuthError);
    expect(invalid).toMatchObject({ status: 400, code: "validation_failed" });
    expect((invalid as EdgeAuthError).errors.map((e) => e.path).sort()).toEqual(["email", "password"]);
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) await client.login({ email: u.email, password: "wrong password" }).catch(() => {});
    const limited = (await client.login({ email: u.email, password: u.password }).catch((e: unknown) => e)) as EdgeAuthError;
    expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
    expect(limited.retryAfter).toBeGreaterThan(0);
  });

  test("20 concurrent calls with an expired access token share ONE refresh", async () => {
    const t = await buildTestApp();
    const c = await signedInClient(t);
    t.clock.advanceSeconds(t.services.config.accessTokenTtl + 1);
    const before = c.count("POST /auth/refresh");
    const users = await Promise.all(Array.from({ length: 20 }, () => c.client.me()));
    expect(new Set(users.map((u) => u.id))).toEqual(new Set([c.u.user.id]));
    expect(c.count("POST /auth/refresh") - before).toBe(1);
  });

  test("an invalid_token answer triggers one refresh and one retry", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    // The same database and store behind a server that now signs with another secret (a key
    // change): the access token in memory is refused, the refresh token still works.
    const rotated = await buildTestApp({ env: { JWT_SECRET: "another-secret-that-is-at-least-32-bytes!!" }, keepData: true, store: t.store });
    let target = t;
    const sent: string[] = [];
    const client = createClient({
      baseUrl: "http://edge-auth.test",
      storage: memoryStorage(),
      fetch: (url, init) => {
        sent.push(`${init.method} ${new URL(url).pathname}`);
        return Promise.resolve(target.app.request(url, init));
      },
    });
    await client.login({ email: u.email, password: u.password });
    expect((await client.me()).id).toBe(u.user.id);
    target = rotated;
    sent.length = 0;
    expect((await client.me()).id).toBe(u.user.id);
    expect(sent).toEqual(["GET /users/me", "POST /auth/refresh", "GET /users/me"]);
  });

  test("a revoked session: one refresh attempt, then signedOut (once), and the stored token is gone", async () => {
    const t = await buildTestApp();
    const c = await signedInClient(t);
    let signedOut = 0;
    c.client.on("signedOut", () => signedOut++);
    await c.client.me();
    // Another device of the same account ends every session.
    const other = clientFor(t);
    await other.client.login({ email: c.u.email, password: c.u.password });
    await other.client.logoutAll();
    const before = c.count("POST /auth/refresh");
    const error = (await c.client.me().catch((e: unknown) => e)) as EdgeAuthError;
    expect(error).toMatchObject({ status: 401, code: "invalid_token" });
    expect(c.count("POST /auth/refresh") - before).toBe(1);
    expect(signedOut).toBe(1);
    expect(await c.storage.get()).toBeNull();
    expect(c.client.signedIn).toBe(false);
  });

  test("resume signs in from the stored refresh token, and says false when there is none or it is dead", async () => {
    const t = await buildTestApp();
    const c = await signedInClient(t);
    const again = clientFor(t, c.storage);
    expect(await again.client.resume()).toBe(true);
    expect((await again.client.me()).id).toBe(c.u.user.id);
    expect(await clientFor(t).client.resume()).toBe(false);
    await again.client.logoutAll();
    expect(await clientFor(t, c.storage).client.resume()).toBe(false);
  });

  test("admin methods are typed from the same routes", async () => {
    const t = await buildTestApp();
    const c = await signedInClient(t);
    const denied = (await c.client.admin.listUsers({ limit: 5 }).catch((e: unknown) => e)) as EdgeAuthError;
    expect(denied).toMatchObject({ status: 403, code: "forbidden" });
  });
});

// Type-level checks: these lines fail `bun run typecheck` if the client's types drift from the routes.
function typeChecks(client: EdgeAuthClient) {
  // @ts-expect-error the password is required by the register route's schema
  void client.register({ email: "a@b.co" });
  // @ts-expect-error unknown fields are refused by the route (strict object)
  void client.updateMe({ nickname: "x" });
  // @ts-expect-error the login route takes email and password, not username
  void client.login({ username: "a", password: "b" });
  void (async () => {
    const me = await client.me();
    // @ts-expect-error the public user has no passwordHash
    void me.passwordHash;
    const role: "user" | "admin" = me.role;
    void role;
  });
}
void typeChecks;
