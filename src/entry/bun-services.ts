import { bunHasher } from "../auth/hasher-bun";
import { systemClock } from "../clock";
import type { Config } from "../config";
import { openPglite } from "../db/pglite";
import { createUserRepo, type Database } from "../db/users";
import { createJsonLogger, type Logger } from "../logger";
import { createMailer } from "../mail/select";
import type { Services } from "../services";
import { createMemoryStore } from "../store/memory";
import type { Store } from "../store/store";

export type BunServices = Services & { close(): Promise<void> };

/**
 * The one place that picks implementations for the Bun runtime, from the parsed config.
 * Database: embedded PGlite by default; store: in-memory by default.
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
    default:
      throw new Error(`DATABASE_DRIVER ${config.databaseDriver} is not available in this build yet`);
  }

  let store: Store;
  if (config.redisUrl || config.upstash) throw new Error("Redis stores are not available in this build yet");
  else store = createMemoryStore(clock);

  return {
    config,
    users: createUserRepo(db, clock),
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
