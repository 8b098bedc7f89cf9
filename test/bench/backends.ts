import { startLocalBackends } from "../support/backends";
import type { SeedDb } from "./seed";

/** Where the bench server keeps its data, and how the bench reaches the database to seed it. */
export type BenchBackends = {
  description: string;
  /** DATABASE_URL / REDIS_URL for the server. */
  serverEnv: Record<string, string>;
  openSeedDb(): Promise<SeedDb>;
  stop(): Promise<void>;
};

/** A throwaway Postgres (migrated) and Redis from test/support (real servers, 127.0.0.1, random ports). */
export async function startBenchBackends(): Promise<BenchBackends> {
  const b = await startLocalBackends();
  const { DATABASE_URL, REDIS_URL } = b.env;
  return {
    description: "Postgres 15 + Redis 7 (throwaway, local, same cores)",
    serverEnv: { DATABASE_URL, REDIS_URL },
    async openSeedDb() {
      const sql = new Bun.SQL(DATABASE_URL, { max: 1 });
      return { query: (text, params = []) => sql.unsafe(text, params as never[]), close: () => sql.close() };
    },
    stop: () => b.stop(),
  };
}
