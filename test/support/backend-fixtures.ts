import { Redis } from "@upstash/redis";
import { RedisClient } from "bun";
import { sql } from "drizzle-orm";
import { openNeonHttp } from "../../src/db/neon";
import { migratePostgres, openPostgres } from "../../src/db/postgres";
import type { Database } from "../../src/db/users";
import { createMemoryStore } from "../../src/store/memory";
import { createRedisStore, REDIS_CLIENT_OPTIONS } from "../../src/store/redis";
import type { Store } from "../../src/store/store";
import { createUpstashStore, UPSTASH_CLIENT_OPTIONS } from "../../src/store/upstash";
import { sharedPglite } from "./app";
import { createFakeClock, type FakeClock } from "./clock";
import { startNeonEndpoint } from "./neon-endpoint";
import { startPostgres, type LocalPostgres } from "./postgres";
import { startRedis, type LocalRedis } from "./redis";
import { available, requires } from "./requirements";
import { startUpstashEndpoint } from "./upstash-endpoint";

/**
 * The store and database implementations, each behind the same small fixture, so one suite
 * runs against all of them. Servers start in `open()` (call it in beforeAll) and stop in `close()`.
 */
export type StoreFixture = {
  name: string;
  needs?: "redis";
  open(): Promise<void>;
  store(): Store;
  /** Lets `seconds` pass for the store's expiry: the fake clock for memory, real time for Redis. */
  pass(seconds: number): Promise<void>;
  /** The Redis server behind it, for fault tests. */
  redis?(): LocalRedis;
  close(): Promise<void>;
};

export type DbFixture = {
  name: string;
  needs?: "postgres";
  open(): Promise<void>;
  db(): Database;
  postgres?(): LocalPostgres;
  close(): Promise<void>;
};

export function memoryStoreFixture(clock: FakeClock = createFakeClock()): StoreFixture {
  const store = createMemoryStore(clock);
  return { name: "memory", open: async () => {}, store: () => store, pass: async (s) => clock.advanceSeconds(s), close: async () => {} };
}

/** Redis over TCP through Bun's RedisClient; `viaUpstash` puts the Upstash REST emulation in front. */
export function redisStoreFixture(viaUpstash = false): StoreFixture {
  let server: LocalRedis | undefined;
  let store: Store | undefined;
  let closeClient = async () => {};
  return {
    name: viaUpstash ? "upstash" : "redis",
    needs: "redis",
    async open() {
      server = await startRedis();
      if (viaUpstash) {
        const endpoint = await startUpstashEndpoint(server.url);
        store = createUpstashStore(new Redis({ url: endpoint.url, token: endpoint.token, ...UPSTASH_CLIENT_OPTIONS }));
        closeClient = endpoint.stop;
      } else {
        const client = new RedisClient(server.url, REDIS_CLIENT_OPTIONS);
        store = createRedisStore(client);
        closeClient = async () => client.close();
      }
    },
    store: () => store!,
    pass: (seconds) => Bun.sleep(seconds * 1000 + 100),
    redis: () => server!,
    async close() {
      await closeClient();
      await server?.stop();
    },
  };
}

export function pgliteFixture(): DbFixture {
  let db: Database | undefined;
  return { name: "pglite", open: async () => void (db = await sharedPglite()), db: () => db!, close: async () => {} };
}

/** A real Postgres server, through Bun SQL or (`viaNeon`) the Neon HTTP driver and the local endpoint. */
export function postgresFixture(viaNeon = false): DbFixture {
  let server: LocalPostgres | undefined;
  let db: Database | undefined;
  let closeClient = async () => {};
  return {
    name: viaNeon ? "neon-http" : "postgres",
    needs: "postgres",
    async open() {
      server = await startPostgres();
      await migratePostgres(server.url);
      if (viaNeon) {
        const endpoint = await startNeonEndpoint(server.url);
        db = openNeonHttp(endpoint.databaseUrl, { fetchEndpoint: endpoint.url });
        closeClient = endpoint.stop;
      } else {
        const opened = await openPostgres(server.url);
        db = opened.db;
        closeClient = opened.close;
      }
    },
    db: () => db!,
    postgres: () => server!,
    async close() {
      await closeClient();
      await server?.stop();
    },
  };
}

/** Empties the users table between tests. */
export async function truncateUsers(db: Database): Promise<void> {
  await db.execute(sql`truncate table users, audit_events cascade`);
}

/** Whether a fixture can run here; registers the skip (or, under CI=true, the failure). */
export function canRun(fixture: { name: string; needs?: "redis" | "postgres" }): boolean {
  if (fixture.needs === "redis") return requires(`redis-server (${fixture.name})`, available.redis(), "apt-get install redis-server");
  if (fixture.needs === "postgres") return requires(`postgresql 15 (${fixture.name})`, available.postgres(), "apt-get install postgresql-15");
  return true;
}
