import { migratePostgres } from "../../src/db/postgres";
import { startNeonEndpoint, type NeonEndpoint } from "./neon-endpoint";
import { startPostgres, type LocalPostgres } from "./postgres";
import { startRedis, type LocalRedis } from "./redis";
import { startUpstashEndpoint, type UpstashEndpoint } from "./upstash-endpoint";

/** The environment variables that point the app at the local backends. */
export type LocalBackendsEnv = {
  /** Postgres over TCP (DATABASE_DRIVER=postgres). */
  DATABASE_URL: string;
  REDIS_URL: string;
  /** For DATABASE_DRIVER=neon-http: the URL to give as DATABASE_URL, and NEON_FETCH_ENDPOINT. */
  NEON_DATABASE_URL: string;
  NEON_FETCH_ENDPOINT: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
};

export type LocalBackends = {
  postgres: LocalPostgres;
  redis: LocalRedis;
  neon: NeonEndpoint;
  upstash: UpstashEndpoint;
  env: LocalBackendsEnv;
  stop(): Promise<void>;
};

/**
 * Starts a throwaway Postgres and Redis on 127.0.0.1, the Neon HTTP and Upstash REST emulations
 * in front of them, and applies drizzle/ to the Postgres. Everything stops with stop(), or when
 * this process exits.
 */
export async function startLocalBackends(): Promise<LocalBackends> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  await migratePostgres(postgres.url);
  const [neon, upstash] = await Promise.all([startNeonEndpoint(postgres.url), startUpstashEndpoint(redis.url)]);
  return {
    postgres,
    redis,
    neon,
    upstash,
    env: {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      NEON_DATABASE_URL: neon.databaseUrl,
      NEON_FETCH_ENDPOINT: neon.url,
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
    },
    async stop() {
      await Promise.all([neon.stop(), upstash.stop()]);
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}
