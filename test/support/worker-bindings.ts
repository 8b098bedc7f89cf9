/**
 * From local-backends-cli's env to the bindings a Worker gets: Postgres through the local Neon
 * HTTP endpoint, Redis through the local Upstash REST endpoint (a Worker has no TCP drivers).
 * Used by the workerd tests' globalSetup (Node) and `bun run dev:worker` (Bun): no runtime APIs.
 */
export function workerBackendBindings(env: Record<string, string | undefined>): Record<string, string> {
  const keys = ["NEON_DATABASE_URL", "NEON_FETCH_ENDPOINT", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const;
  for (const key of keys) if (!env[key]) throw new Error(`local-backends-cli printed no ${key}`);
  return {
    DATABASE_URL: env.NEON_DATABASE_URL!,
    DATABASE_DRIVER: "neon-http",
    NEON_FETCH_ENDPOINT: env.NEON_FETCH_ENDPOINT!,
    UPSTASH_REDIS_REST_URL: env.UPSTASH_REDIS_REST_URL!,
    UPSTASH_REDIS_REST_TOKEN: env.UPSTASH_REDIS_REST_TOKEN!,
  };
}
