import { neon } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { migrate as migrateOverHttp } from "drizzle-orm/neon-http/migrator";
import { parseConfig } from "../config";
import { routeNeonHttp, type NeonHttpOptions } from "./neon";
import { MIGRATIONS_FOLDER, migratePostgres } from "./postgres";

/**
 * Applies drizzle/ over Neon's HTTP API. No transaction around it (Neon HTTP has none across
 * requests); drizzle records each applied migration, so a rerun continues where it stopped.
 */
export async function migrateNeonHttp(url: string, options: NeonHttpOptions = {}, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (options.fetchEndpoint) routeNeonHttp(url, options.fetchEndpoint);
  await migrateOverHttp(drizzle({ client: neon(url, { disableWarningInBrowsers: true }) }), { migrationsFolder });
}

/** `bun run db:migrate`: applies drizzle/ to DATABASE_URL with the configured driver. */
if (import.meta.main) {
  const config = parseConfig({ NODE_ENV: "development", ...Bun.env });
  if (!config.databaseUrl || config.databaseDriver === "pglite") {
    console.error("Set DATABASE_URL to a postgres:// URL (PGlite migrates itself on start).");
    process.exit(1);
  }
  if (config.databaseDriver === "neon-http") await migrateNeonHttp(config.databaseUrl, { fetchEndpoint: config.neonFetchEndpoint });
  else await migratePostgres(config.databaseUrl);
  console.log(`Migrations applied (${config.databaseDriver}).`);
}
