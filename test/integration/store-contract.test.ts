import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { canRun, memoryStoreFixture, redisStoreFixture, type StoreFixture } from "../support/backend-fixtures";

// One contract, every store: what sessions, codes and rate limits rely on.
const fixtures: StoreFixture[] = [memoryStoreFixture(), redisStoreFixture(), redisStoreFixture(true)];

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

    // Refresh rotation sends its writes and the tombstone read together on such stores (auth/sessions.ts).
    test("appliesInCallOrder: a read sent together with writes sees them", async () => {
      const s = f.store();
      if (!s.appliesInCallOrder) return;
      const k = key("order");
      for (let i = 0; i < 20; i++) {
        const [, , seen] = await Promise.all([s.set(k, `a${i}`, 60), s.set(k, `b${i}`, 60), s.get(k)]);
        expect(seen).toBe(`b${i}`);
      }
    });

    test("ping answers", async () => {
      await f.store().ping();
    });
  });
}
