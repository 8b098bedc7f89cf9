import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import type { Database } from "./users";

/** Where drizzle-kit writes the migrations (drizzle/ at the repository root). */
export const MIGRATIONS_FOLDER = new URL("../../drizzle", import.meta.url).pathname;

/**
 * A Postgres server over TCP through Bun's built-in SQL client (a connection pool). The pool
 * reconnects on its own: after the server comes back, the next query opens a fresh connection.
 * Opens nothing until the first query; run migrations separately (`bun run db:migrate`).
 */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<{ db: Database; close(): Promise<void> }> {
  const client = new SQL({
    url,
    max: options.max ?? 10,
    // A dead server is reported within seconds rather than hanging a request.
    connectionTimeout: 5,
    idleTimeout: 30,
  });
  const db = drizzle({ client });
  return { db: db as unknown as Database, close: () => client.close() };
}

/** Applies drizzle/ to a Postgres server (idempotent: drizzle records what it applied). */
export async function migratePostgres(url: string, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  const client = new SQL({ url, max: 1 });
  try {
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.close();
  }
}
