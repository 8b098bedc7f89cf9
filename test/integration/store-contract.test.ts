import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { SET_ADD_SCRIPT } from "../../src/store/scripts";
import type { StoreScript } from "../../src/store/store";
import { canRun, memoryStoreFixture, redisStoreFixture, type StoreFixture } from "../support/backend-fixtures";

// One contract, every store: what sessions, codes and rate limits rely on.
const fixtures: StoreFixture[] = [memoryStoreFixture(), redisStoreFixture(), redisStoreFixture(true)];

/**
 * KEYS[1] holds ARGV[1] (or is absent when ARGV[1] is ""): set it to ARGV[2] for ARGV[3] seconds,
 * delete KEYS[2], and make ARGV[2] the only member of the set KEYS[3] (renewing its TTL).
 * Otherwise change nothing. Replies with what it did and the old value.
 */
const SWAP: StoreScript<[string, string | null]> = {
  lua: `local old = redis.call('GET', KEYS[1])
if (old or '') ~= ARGV[1] then return {'kept', old or false} end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('DEL', KEYS[2])
if old then redis.call('SREM', KEYS[3], old) end
redis.call('SREM', KEYS[3], 'gone')
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return {'swapped', old or false}`,
  js(view, [k, other, set], [expected, next, ttl]) {
    const old = view.get(k!);
    if ((old ?? "") !== expected) return ["kept", old];
    view.set(k!, next!, Number(ttl));
    view.delete(other!);
    if (old !== null) view.setRemove(set!, old);
    view.setRemove(set!, "gone");
    view.setAdd(set!, next!, Number(ttl));
    return ["swapped", old];
  },
  decode: (reply) => {
    const [what, old] = reply as [string, string | null];
    return [what, old ?? null];
  },
};

/** GET, then SET one more: loses updates unless the whole script runs without interleaving. */
const READ_THEN_WRITE: StoreScript<number> = {
  lua: `local n = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
redis.call('SET', KEYS[1], n, 'EX', 60)
return n`,
  js(view, [k]) {
    const n = Number(view.get(k!) ?? "0") + 1;
    view.set(k!, String(n), 60);
    return n;
  },
  decode: Number,
};

function sha1Hex(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}

for (const f of fixtures) {
  if (!canRun(f)) continue;
  describe(`store contract: ${f.name}`, () => {
    beforeAll(() => f.open(), 30_000);
    afterAll(() => f.close());
    const key = (name: string) => `${name}:${crypto.randomUUID()}`;

    test("set, get and delete (several keys at once)", async () => {
      const s = f.store();
      const [a, b] = [key("a"), key("b")];
      await s.set(a, '{"x":1}', 60);
      await s.set(b, "2", 60);
      expect(await s.get(a)).toBe('{"x":1}'); // strings come back as stored, never parsed
      expect(await s.get(b)).toBe("2");
      await s.delete(a, b);
      expect(await s.get(a)).toBeNull();
      expect(await s.get(b)).toBeNull();
      await s.delete(); // no keys: a no-op, not an error
    });

    test("getMany: values in key order, null for missing keys and sets; no keys, no values", async () => {
      const s = f.store();
      const [a, b, missing, set] = [key("ma"), key("mb"), key("mmissing"), key("mset")];
      await s.set(a, "1", 60);
      await s.set(b, '{"x":2}', 60);
      await s.setAdd(set, "m", 60);
      expect(await s.getMany([b, missing, a])).toEqual(['{"x":2}', null, "1"]);
      expect(await s.getMany([set])).toEqual([null]);
      expect(await s.getMany([])).toEqual([]);
    });

    // One wait for every kind of expiry: Redis keeps real time.
    test("keys, sets and counters expire after their TTL; a counter's window is never extended", async () => {
      const s = f.store();
      const [k, set, counter] = [key("ttl"), key("set-ttl"), key("window")];
      await s.set(k, "v", 1);
      await s.setAdd(set, "a", 1);
      expect(await s.increment(counter, 1)).toBe(1);
      expect(await s.increment(counter, 600)).toBe(2); // a later, longer TTL is ignored
      expect(await s.ttlSeconds(k)).toBe(1);
      expect(await s.ttlSeconds(counter)).toBe(1);
      await f.pass(1);
      expect(await s.get(k)).toBeNull();
      expect(await s.ttlSeconds(k)).toBe(0);
      expect(await s.setMembers(set)).toEqual([]);
      expect(await s.increment(counter, 60)).toBe(1); // a new window
    });

    test("setIfAbsent: null when it set the key, the existing value otherwise (even an empty one)", async () => {
      const s = f.store();
      const k = key("nx");
      expect(await s.setIfAbsent(k, "first", 60)).toBeNull();
      expect(await s.setIfAbsent(k, "second", 60)).toBe("first");
      expect(await s.get(k)).toBe("first");
      expect(await s.ttlSeconds(k)).toBeGreaterThan(55);
      const empty = key("empty");
      await s.set(empty, "", 60);
      expect(await s.setIfAbsent(empty, "x", 60)).toBe("");
    });

    test("setIfAbsent under 50 concurrent callers: exactly one sets the key", async () => {
      const s = f.store();
      const k = key("nx-race");
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.setIfAbsent(k, `v${i}`, 60)));
      const winners = results.filter((r) => r === null);
      expect(winners).toHaveLength(1);
      const stored = await s.get(k);
      expect(results.every((r) => r === null || r === stored)).toBe(true);
    });

    test("getAndDelete returns the value once; under 50 concurrent callers exactly one gets it", async () => {
      const s = f.store();
      const k = key("gd");
      await s.set(k, "token", 60);
      const results = await Promise.all(Array.from({ length: 50 }, () => s.getAndDelete(k)));
      expect(results.filter((r) => r === "token")).toHaveLength(1);
      expect(results.filter((r) => r === null)).toHaveLength(49);
      expect(await s.get(k)).toBeNull();
      expect(await s.getAndDelete(k)).toBeNull();
    });

    test("increment counts exactly under 50 concurrent callers", async () => {
      const s = f.store();
      const k = key("inc");
      const counts = await Promise.all(Array.from({ length: 50 }, () => s.increment(k, 60)));
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    test("sets: add, list, remove; setAdd renews the set's lifetime", async () => {
      const s = f.store();
      const k = key("set");
      await s.setAdd(k, "a", 60);
      await s.setAdd(k, "b", 60);
      await s.setAdd(k, "a", 60);
      expect((await s.setMembers(k)).sort()).toEqual(["a", "b"]);
      await s.setRemove(k, "a");
      expect(await s.setMembers(k)).toEqual(["b"]);
      await s.setAdd(k, "c", 300);
      expect(await s.ttlSeconds(k)).toBeGreaterThan(250);
      expect(await s.setMembers(key("none"))).toEqual([]);
      await s.setRemove(key("none"), "x"); // removing from a missing set is fine
    });

    test("runScript: reads, writes, set changes and TTLs; the same reply on every store", async () => {
      const s = f.store();
      const [k, other, set] = [key("sk"), key("sother"), key("sset")];
      await s.set(other, "x", 60);
      await s.setAdd(set, "gone", 60);
      expect(await s.runScript(SWAP, [k, other, set], ["", "v1", "30"])).toEqual(["swapped", null]);
      expect(await s.get(k)).toBe("v1");
      expect(await s.ttlSeconds(k)).toBe(30);
      expect(await s.get(other)).toBeNull();
      expect((await s.setMembers(set)).sort()).toEqual(["v1"]);
      expect(await s.ttlSeconds(set)).toBe(30); // SADD + EXPIRE renewed the set's lifetime
      expect(await s.runScript(SWAP, [k, other, set], ["not v1", "v2", "30"])).toEqual(["kept", "v1"]);
      expect(await s.get(k)).toBe("v1");
      expect(await s.runScript(SWAP, [k, other, set], ["v1", "v2", "90"])).toEqual(["swapped", "v1"]);
      expect(await s.ttlSeconds(k)).toBe(90);
      expect(await s.setMembers(set)).toEqual(["v2"]);
    });

    test("runScript is atomic: 50 concurrent read-then-write scripts lose no update", async () => {
      const s = f.store();
      const k = key("sinc");
      const seen = await Promise.all(Array.from({ length: 50 }, () => s.runScript(READ_THEN_WRITE, [k], [])));
      expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await s.get(k)).toBe("50");
    });

    // Redis drops its script cache on restart or SCRIPT FLUSH: EVALSHA answers NOSCRIPT, the store sends the text once.
    // The in-process store has no script cache.
    if (f.redis) test("scripts survive a flushed script cache (NOSCRIPT: EVAL, then EVALSHA again)", async () => {
      const s = f.store();
      const [k, counter, set] = [key("flush"), key("flush-inc"), key("flush-set")];
      await s.runScript(SWAP, [k, key("o"), set], ["", "a", "60"]);
      expect(await s.increment(counter, 60)).toBe(1);
      const admin = new RedisClient(f.redis!().url);
      try {
        for (let i = 0; i < 2; i++) {
          expect(await admin.send("SCRIPT", ["FLUSH"])).toBe("OK");
          expect(await s.runScript(SWAP, [k, key("o"), set], [i === 0 ? "a" : "b", i === 0 ? "b" : "c", "60"])).toEqual(["swapped", i === 0 ? "a" : "b"]);
          expect(await admin.send("SCRIPT", ["FLUSH"])).toBe("OK");
          expect(await s.increment(counter, 60)).toBe(i + 2);
          expect(await admin.send("SCRIPT", ["FLUSH"])).toBe("OK");
          await s.setAdd(set, `m${i}`, 60);
        }
        // The fallback cached the script again (EVAL does), so the next call's EVALSHA finds it.
        expect(await admin.send("SCRIPT", ["EXISTS", sha1Hex(SET_ADD_SCRIPT), sha1Hex(SWAP.lua)])).toEqual([1, 0]);
      } finally {
        admin.close();
      }
      expect(await s.get(k)).toBe("c");
      expect((await s.setMembers(set)).sort()).toEqual(["c", "m0", "m1"]);
    });

    test("ping answers", async () => {
      await f.store().ping();
    });
  });
}
