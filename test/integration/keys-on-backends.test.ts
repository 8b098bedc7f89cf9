// Signing keys and introspection on each deployable combination of database and store: the
// introspection of refresh tokens reads what the rotation script wrote (Lua on Redis/Upstash).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  canRun, memoryStoreFixture, pgliteFixture, postgresFixture, redisStoreFixture, truncateUsers, type DbFixture, type StoreFixture,
} from "../support/backend-fixtures";
import { buildTestApp, type TestApp } from "../support/app";
import { createFakeClock } from "../support/clock";
import { call, signUp } from "../support/http";
import { freshKeys, keySet, partsOf } from "../support/jwt-keys";

const clock = createFakeClock();
const combos: { name: string; db: DbFixture; store: StoreFixture }[] = [
  { name: "embedded (PGlite + memory)", db: pgliteFixture(), store: memoryStoreFixture(clock) },
  { name: "servers (Postgres + Redis)", db: postgresFixture(), store: redisStoreFixture() },
  { name: "edge drivers (Neon HTTP + Upstash)", db: postgresFixture(true), store: redisStoreFixture(true) },
];
const GRACE = 10;
const SECRET = "backends-introspection-secret-32ch";
const AUTH = { authorization: `Basic ${btoa(`gw:${SECRET}`)}` };

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`signing keys and introspection on ${combo.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      await Promise.all([combo.db.open(), combo.store.open()]);
      await truncateUsers(combo.db.db());
      const { ES256, EdDSA } = await freshKeys();
      t = await buildTestApp({
        db: combo.db.db(),
        store: combo.store.store(),
        env: { RATE_LIMIT_AUTH_PER_MINUTE: "0", REFRESH_REUSE_GRACE: String(GRACE), JWT_SIGNING_KEYS: keySet(EdDSA, ES256), INTROSPECTION_CLIENTS: `gw:${SECRET}` },
      });
    }, 60_000);
    afterAll(() => Promise.all([combo.db.close(), combo.store.close()]));

    const introspect = async (token: string) => (await call(t, "POST", "/auth/introspect", { form: { token }, headers: AUTH })).body;

    test("EdDSA tokens; introspection follows rotation, reuse and logout", async () => {
      const u = await signUp(t);
      expect(partsOf(u.access).header.alg).toBe("EdDSA");
      expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
      expect(await introspect(u.access)).toMatchObject({ active: true, token_type: "access_token", sub: u.user.id });
      expect(await introspect(u.refresh)).toMatchObject({ active: true, token_type: "refresh_token", sub: u.user.id });

      const next = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
      expect(next.status).toBe(200);
      expect(await introspect(u.refresh)).toEqual({ active: false }); // used
      expect(await introspect(next.body.refresh_token)).toMatchObject({ active: true });
      expect(await introspect(next.body.access_token)).toMatchObject({ active: true });

      // Reuse after the grace ends the session: everything of it goes inactive.
      t.clock.advanceSeconds(GRACE + 1);
      expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(401);
      for (const token of [u.access, next.body.access_token, next.body.refresh_token]) expect(await introspect(token)).toEqual({ active: false });

      const other = await signUp(t);
      expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: other.refresh } })).status).toBe(204);
      expect(await introspect(other.access)).toEqual({ active: false });
      expect(await introspect(other.refresh)).toEqual({ active: false });
    });
  });
}
