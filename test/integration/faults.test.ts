import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { canRun, postgresFixture, redisStoreFixture, truncateUsers, type DbFixture, type StoreFixture } from "../support/backend-fixtures";
import { buildTestApp, type TestApp } from "../support/app";
import { call, signUp, type Reply } from "../support/http";

// Backends go away and come back; the app answers 503 meanwhile and recovers on its own,
// without being rebuilt, and never leaves half-written state a user cannot get out of.
const combos: { name: string; db: DbFixture; store: StoreFixture }[] = [
  { name: "Postgres + Redis", db: postgresFixture(), store: redisStoreFixture() },
  { name: "Neon HTTP + Upstash", db: postgresFixture(true), store: redisStoreFixture(true) },
];

function expectUnavailable(reply: Reply) {
  expect(reply.status).toBe(503);
  expect(reply.body.code).toBe("unavailable");
  expect(reply.headers.get("retry-after")).toBe("5");
  // Nothing about the driver, host or query leaks out.
  expect(reply.text).not.toMatch(/127\.0\.0\.1|ECONN|redis|postgres|select|insert/i);
}

/** Waits (bounded) until /ready says ok again: recovery must happen without rebuilding the app. */
async function untilReady(t: TestApp): Promise<Reply> {
  let ready = await call(t, "GET", "/ready");
  for (let i = 0; i < 60 && ready.status !== 200; i++) {
    await Bun.sleep(250);
    ready = await call(t, "GET", "/ready");
  }
  return ready;
}

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`faults on ${combo.name}`, () => {
    let t: TestApp;
    // The same app for the whole file: it must survive every outage below.
    beforeAll(async () => {
      await Promise.all([combo.db.open(), combo.store.open()]);
      await truncateUsers(combo.db.db());
      t = await buildTestApp({ db: combo.db.db(), store: combo.store.store(), env: { RATE_LIMIT_AUTH_PER_MINUTE: "1000000" } });
    }, 60_000);
    afterAll(() => Promise.all([combo.db.close(), combo.store.close()]));

    test("store down: 503 with Retry-After, /ready says store down; back up: recovers by itself", async () => {
      const u = await signUp(t);
      await combo.store.redis!().stop();
      const login = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
      expectUnavailable(login); // never a 200 without a usable refresh token
      expectUnavailable(await call(t, "GET", "/users/me", { token: u.access }));
      expectUnavailable(await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } }));
      const ready = await call(t, "GET", "/ready");
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: "down", database: "ok", store: "down" });

      await combo.store.redis!().restart(); // an empty Redis: every session is gone, every user kept
      expect((await untilReady(t)).body).toEqual({ status: "ok", database: "ok", store: "ok" });
      expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
      const again = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
      expect(again.status).toBe(200);
      expect((await call(t, "GET", "/users/me", { token: again.body.access_token })).status).toBe(200);
    }, 30_000);

    test("registration while the store is down: 503, and the account can still be verified afterwards", async () => {
      const email = `down-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const password = "correct horse battery";
      // Without the per-client limiter the user row is written before the store fails.
      const unlimited = await buildTestApp({ db: combo.db.db(), store: combo.store.store(), env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
      await combo.store.redis!().stop();
      expectUnavailable(await call(unlimited, "POST", "/auth/register", { json: { email, password } }));
      expect(unlimited.mailer.count(email)).toBe(0);
      await combo.store.redis!().restart();
      await untilReady(unlimited);
      // Retrying registration says the email is taken; resending the code is the way out.
      expect((await call(unlimited, "POST", "/auth/register", { json: { email, password } })).status).toBe(409);
      expect((await call(unlimited, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
      const code = unlimited.mailer.lastCode(email, "verify-email");
      const verified = await call(unlimited, "POST", "/auth/verify", { json: { email, code } });
      expect(verified.status).toBe(200);
      expect(verified.body.user.emailVerified).toBe(true);
    }, 30_000);

    test("database down: 503 with Retry-After, /ready says database down; back up: recovers by itself", async () => {
      const u = await signUp(t);
      await combo.db.postgres!().pause();
      expectUnavailable(await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }));
      expectUnavailable(await call(t, "POST", "/auth/register", { json: { email: "new@example.com", password: "correct horse battery" } }));
      expectUnavailable(await call(t, "GET", "/users/me", { token: u.access }));
      const ready = await call(t, "GET", "/ready");
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).toBe("5");
      expect(ready.body).toEqual({ status: "down", database: "down", store: "ok" });

      await combo.db.postgres!().restart();
      expect((await untilReady(t)).status).toBe(200);
      expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
      const login = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
      expect(login.status).toBe(200);
    }, 30_000);

    test("database crash (immediate shutdown) mid-life: recovers after restart", async () => {
      const u = await signUp(t);
      await combo.db.postgres!().kill();
      expectUnavailable(await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }));
      await combo.db.postgres!().restart();
      expect((await untilReady(t)).status).toBe(200);
      expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
    }, 30_000);
  });
}
