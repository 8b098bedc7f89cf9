import { bunHasher } from "../auth/hasher-bun";
import { systemClock } from "../clock";
import type { Config } from "../config";
import { openNeonHttp } from "../db/neon";
import { openPglite } from "../db/pglite";
import { openPostgres } from "../db/postgres";
import { createRepos } from "../db/repos";
import type { Database } from "../db/users";
import { createJsonLogger, type Logger } from "../logger";
import { createMailer } from "../mail/select";
import type { Services } from "../services";
import { Redis } from "@upstash/redis";
import { RedisClient } from "bun";
import { createMemoryStore } from "../store/memory";
import { createRedisStore, REDIS_CLIENT_OPTIONS } from "../store/redis";
import type { Store } from "../store/store";
import { createUpstashStore, UPSTASH_CLIENT_OPTIONS } from "../store/upstash";

export type BunServices = Services & { close(): Promise<void> };

/**
 * The one place that picks implementations for the Bun runtime, from the parsed config.
 * Database: embedded PGlite by default, a Postgres server over TCP (Bun SQL) or Neon over HTTP.
 * Store: in-memory by default, Redis over TCP (REDIS_URL) or Upstash over REST.
 */
export async function buildBunServices(config: Config, logger: Logger = createJsonLogger()): Promise<BunServices> {
  const closers: (() => Promise<void> | void)[] = [];
  const clock = systemClock;

  let db: Database;
  switch (config.databaseDriver) {
    case "pglite": {
      const opened = await openPglite(config.databaseUrl?.startsWith("file:") ? config.databaseUrl.slice(5) : "./.data/db");
      db = opened.db;
      closers.push(opened.close);
      break;
    }
    case "postgres": {
      const opened = await openPostgres(requireUrl(config.databaseUrl));
      db = opened.db;
      closers.push(opened.close);
      break;
    }
    case "neon-http":
      db = openNeonHttp(requireUrl(config.databaseUrl), { fetchEndpoint: config.neonFetchEndpoint });
      break;
  }

  let store: Store;
  if (config.redisUrl) {
    // Fails fast while Redis is down and reconnects on the next command once it is back.
    const client = new RedisClient(config.redisUrl, REDIS_CLIENT_OPTIONS);
    closers.push(() => client.close());
    store = createRedisStore(client);
  } else if (config.upstash) {
    store = createUpstashStore(new Redis({ ...config.upstash, ...UPSTASH_CLIENT_OPTIONS }));
  } else {
    store = createMemoryStore(clock);
  }

  return {
    config,
    ...createRepos(db, clock),
    store,
    mailer: createMailer(config, logger),
    hasher: bunHasher,
    clock,
    logger,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

function requireUrl(url: string | undefined): string {
  if (!url) throw new Error("DATABASE_URL is required for this DATABASE_DRIVER");
  return url;
}
