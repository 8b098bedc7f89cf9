import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { createApp } from "../../src/app";
import { createRedisStore, REDIS_CLIENT_OPTIONS } from "../../src/store/redis";
import { userCacheKey } from "../../src/auth/user-cache";
import { hashRefreshToken } from "../../src/auth/tokens";
import { canRun, memoryStoreFixture, redisStoreFixture, type StoreFixture } from "../support/backend-fixtures";
import { buildTestApp, type TestApp } from "../support/app";
import { expectInvalidToken, jwtClaims } from "../support/expect";
import { recordCalls } from "../support/counting";
import { call, signUp } from "../support/http";

// Refresh rotation is one store script with a Lua body (Redis, Upstash) and a JS body (memory):
// the same scenarios on each, so the two bodies cannot drift apart.
const fixtures: StoreFixture[] = [memoryStoreFixture(), redisStoreFixture(), redisStoreFixture(true)];
const GRACE = 10;

for (const f of fixtures) {
  if (!canRun(f)) continue;
  describe(`refresh rotation on ${f.name}`, () => {
    beforeAll(() => f.open(), 30_000);
    afterAll(() => f.close());

    /** An app on this store (memory: its own, so expiry follows the app's clock). */
    const app = (grace = GRACE) =>
      buildTestApp({
        store: f.name === "memory" ? undefined : f.store(),
        env: { RATE_LIMIT_AUTH_PER_MINUTE: "0", REFRESH_REUSE_GRACE: String(grace) },
      });
    const refresh = (t: TestApp, token: string) => call(t, "POST", "/auth/refresh", { json: { refresh_token: token } });
    const me = (t: TestApp, access: string) => call(t, "GET", "/users/me", { token: access });
    const sid = (access: string) => jwtClaims(access).sid as string;
    const used = async (t: TestApp, token: string) => (await t.store.get(`rtu:${await hashRefreshToken(token)}`)) !== null;

    test("a cached user: ONE store call, no database query, a new pair in the same session", async () => {
      const t = await app();
      const u = await signUp(t);
      expect((await me(t, u.access)).status).toBe(200); // fills the user's cached copy
      const storeCalls: string[] = [];
      const dbCalls: string[] = [];
      const counted = countingApp(t, storeCalls, dbCalls);
      const r = await refresh(counted, u.refresh);
      expect(r.status).toBe(200);
      expect(storeCalls).toEqual(["runScript"]);
      expect(dbCalls).toEqual([]);
      expect(sid(r.body.access_token)).toBe(sid(u.access));
      expect(jwtClaims(r.body.access_token).role).toBe("user");
      expect((await me(t, r.body.access_token)).status).toBe(200);
      expect(await used(t, u.refresh)).toBe(true);
    });

    if (f.name === "redis") test("on the wire: one command (EVALSHA), also right after Redis lost its script cache", async () => {
      const sent: string[] = [];
      const client = new RedisClient(f.redis!().url, REDIS_CLIENT_OPTIONS);
      const counting = new Proxy(client, {
        get(obj, key) {
          const value = Reflect.get(obj, key, obj);
          if (key === "send") return (command: string, args: string[]) => (sent.push(command), client.send(command, args));
          return typeof value === "function" ? value.bind(obj) : value;
        },
      });
      try {
        const t = await buildTestApp({ store: createRedisStore(counting), env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
        const u = await signUp(t);
        expect((await me(t, u.access)).status).toBe(200);
        sent.length = 0;
        const r = await refresh(t, u.refresh);
        expect(r.status).toBe(200);
        expect(sent).toEqual(["EVALSHA"]);
        await client.send("SCRIPT", ["FLUSH"]);
        sent.length = 0;
        expect((await refresh(t, r.body.refresh_token)).status).toBe(200);
        expect(sent).toEqual(["EVALSHA", "EVAL"]);
      } finally {
        client.close();
      }
    });

    test("no cached copy: the database is read before anything is written, and the copy is refilled", async () => {
      const t = await app();
      const u = await signUp(t);
      await t.store.delete(userCacheKey(u.user.id));
      const storeCalls: string[] = [];
      const dbCalls: string[] = [];
      const r = await refresh(countingApp(t, storeCalls, dbCalls), u.refresh);
      expect(r.status).toBe(200);
      expect(storeCalls).toEqual(["runScript", "set", "runScript"]); // ask, cache the user, rotate
      expect(dbCalls).toEqual(["findById"]);
      expect(await t.store.get(userCacheKey(u.user.id))).not.toBeNull();
    });

    test("no cached copy and the user was disabled meanwhile: 401, the session ends, the token stays unused", async () => {
      const t = await app();
      const u = await signUp(t);
      await t.services.users.update(u.user.id, { disabled: true }); // the repo itself: no revocation ran
      await t.store.delete(userCacheKey(u.user.id));
      expectInvalidToken(await refresh(t, u.refresh));
      expect(await used(t, u.refresh)).toBe(false);
      expectInvalidToken(await me(t, u.access));
      expect(await t.store.get(`s:${sid(u.access)}`)).toBeNull();
      expect(await t.store.get(`sr:${sid(u.access)}`)).toBe("1");
      expect(t.logger.events("auth.refresh_reuse_detected")).toEqual([]);
    });

    test("unknown and expired tokens: 401 and nothing written", async () => {
      const t = await app();
      expectInvalidToken(await refresh(t, "A".repeat(43)));
      const [old, young] = [await signUp(t), await signUp(t)];
      await me(t, young.access); // its cached copy, so no database read would hide a late refusal
      t.clock.advanceSeconds(t.services.config.refreshTokenTtl - 1);
      expect((await refresh(t, young.refresh)).status).toBe(200);
      t.clock.advanceSeconds(1);
      expectInvalidToken(await refresh(t, old.refresh)); // expired to the second (Redis keeps real time)
      expect(await used(t, old.refresh)).toBe(false);
      // A record in another shape (here: fields reordered) is refused, by the Lua and the JS body alike.
      const odd = await signUp(t);
      const key = `rt:${await hashRefreshToken(odd.refresh)}`;
      const { sid: s, uid, exp } = JSON.parse((await t.store.get(key))!);
      await t.store.set(key, JSON.stringify({ uid, sid: s, exp }), 60);
      expectInvalidToken(await refresh(t, odd.refresh));
      expect(await used(t, odd.refresh)).toBe(false);
    });

    test("an ended session, or a tombstone alone: 401, the token stays unused, nothing comes back", async () => {
      const t = await app();
      const a = await signUp(t);
      expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: a.refresh } })).status).toBe(204);
      expectInvalidToken(await refresh(t, a.refresh));
      expect(await used(t, a.refresh)).toBe(false);
      // A revocation that has written its tombstone but not yet deleted the session.
      const b = await signUp(t);
      await t.store.set(`sr:${sid(b.access)}`, "1", 60);
      expectInvalidToken(await refresh(t, b.refresh));
      expect(await used(t, b.refresh)).toBe(false);
      expect(t.logger.events("auth.refresh_reuse_detected")).toEqual([]);
    });

    test("reuse within the grace: another fresh pair; after it: the session and all its tokens die", async () => {
      const t = await app();
      const u = await signUp(t);
      const first = await refresh(t, u.refresh);
      t.clock.advanceSeconds(GRACE);
      const second = await refresh(t, u.refresh);
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      const third = await refresh(t, first.body.refresh_token);
      expect(third.status).toBe(200);
      t.clock.advanceSeconds(1);
      expectInvalidToken(await refresh(t, u.refresh));
      for (const r of [first, second, third]) {
        expectInvalidToken(await me(t, r.body.access_token));
        expectInvalidToken(await refresh(t, r.body.refresh_token));
      }
      expectInvalidToken(await me(t, u.access));
      expect(await t.store.setMembers(`us:${u.user.id}`)).toEqual([]);
      expect(t.logger.events("auth.refresh_reuse_detected")).toMatchObject([{ userId: u.user.id, sessionId: sid(u.access) }]);
      expect(t.logger.events("auth.session_revoked")).toMatchObject([{ userId: u.user.id, sessionId: sid(u.access) }]);
    });

    test("10 concurrent rotations of one token: all succeed within the grace; with grace 0 at most one, and the session ends", async () => {
      const t = await app();
      const u = await signUp(t);
      const replies = await Promise.all(Array.from({ length: 10 }, () => refresh(t, u.refresh)));
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      for (const r of replies) expect((await refresh(t, r.body.refresh_token)).status).toBe(200);

      const strict = await app(0);
      const s = await signUp(strict);
      const raced = await Promise.all(Array.from({ length: 10 }, () => refresh(strict, s.refresh)));
      expect(raced.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      expectInvalidToken(await me(strict, s.access));
      for (const r of raced.filter((r) => r.status === 200)) expectInvalidToken(await refresh(strict, r.body.refresh_token));
    });

    test("a revocation racing rotations never leaves the session alive", async () => {
      const t = await app();
      for (let round = 0; round < 5; round++) {
        const u = await signUp(t);
        const replies = await Promise.all([
          ...Array.from({ length: 4 }, () => refresh(t, u.refresh)),
          round % 2 === 0
            ? call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } })
            : call(t, "POST", "/auth/logout-all", { token: u.access }),
          ...Array.from({ length: 4 }, () => refresh(t, u.refresh)),
        ]);
        expectInvalidToken(await me(t, u.access));
        for (const r of replies.filter((r) => r.status === 200 && r.body.refresh_token)) {
          expectInvalidToken(await me(t, r.body.access_token));
          expectInvalidToken(await refresh(t, r.body.refresh_token));
        }
        expect(await t.store.get(`s:${sid(u.access)}`)).toBeNull();
      }
    });
  });
}

/** The same app, with its store and repository calls recorded by method name. */
function countingApp(t: TestApp, storeCalls: string[], dbCalls: string[]): TestApp {
  return { ...t, app: createApp({ ...t.services, store: recordCalls(t.store, storeCalls), users: recordCalls(t.services.users, dbCalls) }) };
}
