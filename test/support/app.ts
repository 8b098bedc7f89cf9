import { sql } from "drizzle-orm";
import { createApp } from "../../src/app";
import { bunHasher } from "../../src/auth/hasher-bun";
import { parseConfig } from "../../src/config";
import { openPglite } from "../../src/db/pglite";
import { createRepos } from "../../src/db/repos";
import type { Database } from "../../src/db/users";
import type { Services } from "../../src/services";
import { createMemoryStore } from "../../src/store/memory";
import type { Store } from "../../src/store/store";
import { createFakeClock, type FakeClock } from "./clock";
import { createCapturingLogger, type CapturingLogger } from "./logger";
import { createCapturingMailer, type CapturingMailer } from "./mailer";

export const TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long!";

// Opening PGlite and migrating takes ~2 s, so one embedded database serves the whole run;
// every test app starts from an empty users table (tests in a file run one at a time).
let shared: Promise<Database> | undefined;
export function sharedPglite(): Promise<Database> {
  shared ??= openPglite().then((o) => o.db);
  return shared;
}

export type TestApp = {
  app: ReturnType<typeof createApp>;
  services: Services;
  clock: FakeClock;
  mailer: CapturingMailer;
  logger: CapturingLogger;
  store: Store;
  db: Database;
};

export type TestAppOptions = {
  env?: Record<string, string>;
  store?: Store;
  db?: Database;
  /** Keep existing rows (the default empties the users table). */
  keepData?: boolean;
};

/** The production app on test services: PGlite, in-memory store, capturing mailer and logger, fake clock. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = parseConfig({
    NODE_ENV: "test",
    JWT_SECRET: TEST_SECRET,
    DATA_ENCRYPTION_KEY: TEST_SECRET,
    BCRYPT_COST: "4",
    CLIENT_IP_HEADER: "x-test-client",
    ...options.env,
  });
  const clock = createFakeClock();
  const db = options.db ?? (await sharedPglite());
  if (!options.keepData && !options.db) await db.execute(sql`truncate table users, audit_events cascade`);
  const mailer = createCapturingMailer();
  const logger = createCapturingLogger();
  const store = options.store ?? createMemoryStore(clock);
  const services: Services = { config, ...createRepos(db, clock), store, mailer, hasher: bunHasher, clock, logger };
  return { app: createApp(services), services, clock, mailer, logger, store, db };
}
