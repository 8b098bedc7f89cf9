import { SQL } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { passkeys } from "../../src/db/schema";
import { buildTestApp, type TestApp } from "../support/app";
import { canRun, postgresFixture, redisStoreFixture, truncateUsers, type DbFixture, type StoreFixture } from "../support/backend-fixtures";
import { call, signInAdmin, signUp } from "../support/http";
import { addPasskey, claimsOf, passkeyLogin, PASSKEY_ENV, PASSKEY_ORIGIN } from "../support/passkeys";
import { SoftwareAuthenticator } from "../support/software-authenticator";

// The passkey flows on real servers: getAndDelete on Redis (and Upstash's REST), the conditional
// counter UPDATE and the row-locking delete on a real Postgres with real concurrency (PGlite has one connection).
const combos: { name: string; db: DbFixture; store: StoreFixture }[] = [
  { name: "servers (Postgres + Redis)", db: postgresFixture(), store: redisStoreFixture() },
  { name: "edge drivers (Neon HTTP + Upstash)", db: postgresFixture(true), store: redisStoreFixture(true) },
];

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`passkeys on ${combo.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      await Promise.all([combo.db.open(), combo.store.open()]);
      await truncateUsers(combo.db.db());
      t = await buildTestApp({ db: combo.db.db(), store: combo.store.store(), env: { ...PASSKEY_ENV, RATE_LIMIT_AUTH_PER_MINUTE: "1000000" } });
    }, 60_000);
    afterAll(() => Promise.all([combo.db.close(), combo.store.close()]));

    const device = () => new SoftwareAuthenticator(PASSKEY_ORIGIN);

    test("register, sign in (hwk, aal2), refresh keeps it; the challenge lives 5 minutes in the store", async () => {
      const u = await signUp(t);
      const d = device();
      const options = await call(t, "POST", "/users/me/passkeys/options", { token: u.access, json: {} });
      expect(await t.store.ttlSeconds(`pkr:${u.user.id}`)).toBeGreaterThan(290);
      expect(await t.store.ttlSeconds(`pkr:${u.user.id}`)).toBeLessThanOrEqual(300);
      const added = await call(t, "POST", "/users/me/passkeys", { token: u.access, json: { credential: await d.create(options.body as never) } });
      expect(added.status).toBe(201);
      expect(await t.store.get(`pkr:${u.user.id}`)).toBeNull();
      const login = await passkeyLogin(t, d);
      expect(login.status).toBe(200);
      expect(claimsOf(login.body.access_token)).toMatchObject({ sub: u.user.id, amr: ["hwk"], aal: "aal2" });
      const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
      expect(claimsOf(refreshed.body.access_token)).toMatchObject({ amr: ["hwk"], aal: "aal2" });
    });

    test("one assertion sent 8 times in parallel signs in once", async () => {
      const u = await signUp(t);
      const d = device();
      await addPasskey(t, u.access, d);
      const options = await call(t, "POST", "/auth/passkey/options", { json: {} });
      const credential = await d.get(options.body as never);
      const replies = await Promise.all(Array.from({ length: 8 }, () => call(t, "POST", "/auth/passkey/login", { json: { credential } })));
      expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(401)]);
    });

    test("parallel sign-ins with one counter value: only one moves it; a regression is refused", async () => {
      const u = await signUp(t);
      const d = device();
      await addPasskey(t, u.access, d);
      // Eight honest-looking assertions, each on its own challenge, all claiming counter 3 (a cloned key).
      const credentials = [];
      for (let i = 0; i < 8; i++) credentials.push(await d.get((await call(t, "POST", "/auth/passkey/options", { json: {} })).body as never, { counter: 3 }));
      const replies = await Promise.all(credentials.map((credential) => call(t, "POST", "/auth/passkey/login", { json: { credential } })));
      expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(401)]);
      expect((await passkeyLogin(t, d, { counter: 2 })).status).toBe(401);
      const [row] = await t.db.select().from(passkeys).where(eq(passkeys.userId, u.user.id));
      expect(row!.counter).toBe(3);
    });

    test("always-0 synced passkeys sign in in parallel", async () => {
      const u = await signUp(t);
      const d = device();
      await addPasskey(t, u.access, d, { alwaysZero: true, backedUp: true });
      const credentials = [];
      for (let i = 0; i < 4; i++) credentials.push(await d.get((await call(t, "POST", "/auth/passkey/options", { json: {} })).body as never));
      const replies = await Promise.all(credentials.map((credential) => call(t, "POST", "/auth/passkey/login", { json: { credential } })));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    });

    test("parallel deletes of a password-less account's last passkeys: one stays (409 last_credential)", async () => {
      const u = await signUp(t);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await addPasskey(t, u.access, device())).body.id);
      await t.services.users.update(u.user.id, { passwordHash: null });
      const replies = await Promise.all(ids.map((id) => call(t, "DELETE", `/users/me/passkeys/${id}`, { token: u.access })));
      expect(replies.map((r) => r.status).sort()).toEqual([204, 204, 409]);
      expect(await t.db.select().from(passkeys).where(eq(passkeys.userId, u.user.id))).toHaveLength(1);
    });

    test("a delete that overlaps another one's open transaction waits for it, then keeps the last passkey", async () => {
      // Deterministic interleaving: another connection has deleted passkey A and not committed yet.
      // The repo's delete of B must wait for that row lock (not decide on the stale snapshot where A exists).
      const u = await signUp(t);
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await addPasskey(t, u.access, device())).body.id);
      await t.services.users.update(u.user.id, { passwordHash: null });
      const other = new SQL(combo.db.postgres!().url);
      let second: Promise<unknown> | undefined;
      await other.begin(async (tx) => {
        await tx`delete from passkeys where id = ${ids[0]!}`;
        second = t.services.passkeys.delete(u.user.id, ids[1]!);
        await Bun.sleep(300);
      });
      expect(await second).toEqual({ error: "last_credential" });
      expect((await t.db.select().from(passkeys).where(eq(passkeys.userId, u.user.id))).map((r) => r.id)).toEqual([ids[1]!]);
      await other.close();
    });

    test("another user's passkey is 404; a disabled account is refused at sign-in", async () => {
      const a = await signUp(t);
      const b = await signUp(t);
      const d = device();
      const added = await addPasskey(t, b.access, d);
      expect((await call(t, "PATCH", `/users/me/passkeys/${added.body.id}`, { token: a.access, json: { name: "x" } })).status).toBe(404);
      expect((await call(t, "DELETE", `/users/me/passkeys/${added.body.id}`, { token: a.access })).status).toBe(404);
      const admin = await signInAdmin(t);
      await call(t, "PATCH", `/users/${b.user.id}`, { token: admin.access, json: { disabled: true } });
      expect((await passkeyLogin(t, d)).body.code).toBe("forbidden");
    });
  });
}
