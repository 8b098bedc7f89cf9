import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { Database } from "./users";

/**
 * Embedded Postgres (WASM) for local development and the in-process tests.
 * `dataDir` undefined keeps it in memory; a directory is created first, parents included
 * (PGlite makes only the last level, so `./.data/db` failed on a fresh clone).
 * Migrations in drizzle/ are applied on open.
 */
export async function openPglite(dataDir?: string, migrationsFolder = new URL("../../drizzle", import.meta.url).pathname) {
  // A PGlite URL (memory://, idb://) is not a directory.
  if (dataDir && !dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const db = drizzle({ client });
  await migrate(db, { migrationsFolder });
  return { db: db as unknown as Database, close: () => client.close() };
}
