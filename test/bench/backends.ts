import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPglite } from "../../src/db/pglite";
import type { SeedDb } from "./seed";

/** Where the bench server keeps its data, and how the bench reaches the database to seed it. */
export type BenchBackends = {
  description: string;
  /** DATABASE_URL / REDIS_URL for the server. */
  serverEnv: Record<string, string>;
  /** PGlite is single-process: seed before the server opens it. Postgres: seed after it migrated. */
  seedBeforeServer: boolean;
  openSeedDb(): Promise<SeedDb>;
  stop(): Promise<void>;
};

/**
 * Throwaway Postgres + Redis from test/support/backends.ts (real servers, random ports); without
 * it (an older tree), embedded PGlite + the in-memory store, which the output then says.
 */
export async function startBenchBackends(): Promise<BenchBackends> {
  const support = new URL("../support/backends.ts", import.meta.url).pathname;
  if (existsSync(support) && process.env.BENCH_EMBEDDED !== "1") {
    const mod = await import(support);
    const b = await mod.startLocalBackends();
    const databaseUrl: string = b.databaseUrl ?? b.postgres?.url;
    const redisUrl: string = b.redisUrl ?? b.redis?.url;
    return {
      description: "Postgres 15 + Redis 7 (throwaway, local)",
      serverEnv: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      seedBeforeServer: false,
      async openSeedDb() {
        const sql = new Bun.SQL(databaseUrl, { max: 1 });
        return { query: (text, params = []) => sql.unsafe(text, params as never[]), close: () => sql.close() };
      },
      stop: () => (b.stop ?? b.close).call(b),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-bench-"));
  return {
    description: "embedded PGlite + in-memory store (test/support/backends.ts not found)",
    serverEnv: { DATABASE_DRIVER: "pglite", DATABASE_URL: `file:${dir}` },
    seedBeforeServer: true,
    async openSeedDb() {
      const { PGlite } = await import("@electric-sql/pglite");
      const opened = await openPglite(dir);
      await opened.close();
      const client = new PGlite(dir);
      return {
        query: async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
        close: () => client.close(),
      };
    },
    async stop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
