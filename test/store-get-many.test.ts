import { afterAll, describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { RedisClient } from "bun";
import { createMemoryStore } from "../src/store/memory";
import { createRedisStore } from "../src/store/redis";
import type { Store } from "../src/store/store";
import { createUpstashStore, UPSTASH_CLIENT_OPTIONS } from "../src/store/upstash";
import { createFakeClock } from "./support/clock";
import { startRedis, type LocalRedis } from "./support/redis";
import { available, requires } from "./support/requirements";
import { startUpstashEndpoint, type UpstashEndpoint } from "./support/upstash-endpoint";

/** getMany (MGET): values in key order, null for missing, expired or set-typed keys; no keys, no call. */
async function checkGetMany(store: Store, prefix: string) {
  await store.set(`${prefix}:a`, "1", 60);
  await store.set(`${prefix}:b`, '{"x":2}', 60);
  expect(await store.getMany([`${prefix}:b`, `${prefix}:missing`, `${prefix}:a`])).toEqual(['{"x":2}', null, "1"]);
  expect(await store.getMany([])).toEqual([]);
  await store.setAdd(`${prefix}:set`, "m", 60);
  expect(await store.getMany([`${prefix}:set`])).toEqual([null]);
}

test("memory store: getMany, and expiry follows the clock", async () => {
  const clock = createFakeClock();
  const store = createMemoryStore(clock);
  await checkGetMany(store, "mem");
  clock.advance(61_000);
  expect(await store.getMany(["mem:a"])).toEqual([null]);
});

if (requires("redis-server", available.redis(), "apt-get install redis-server")) {
  describe("Redis-protocol stores", () => {
    let redis: LocalRedis;
    let upstash: UpstashEndpoint;
    const ready = (async () => {
      redis = await startRedis();
      upstash = await startUpstashEndpoint(redis.url);
    })();
    afterAll(async () => {
      await upstash?.stop();
      await redis?.stop();
    });

    test("Redis over TCP: getMany is MGET", async () => {
      await ready;
      const client = new RedisClient(redis.url);
      await checkGetMany(createRedisStore(client), "tcp");
      client.close();
    });

    test("Upstash REST: getMany is MGET", async () => {
      await ready;
      await checkGetMany(createUpstashStore(new Redis({ url: upstash.url, token: upstash.token, ...UPSTASH_CLIENT_OPTIONS })), "rest");
    });
  });
}
