import { Redis } from "@upstash/redis/cloudflare";
import { bcryptjsHasher } from "../auth/hasher-bcryptjs";
import { systemClock } from "../clock";
import { ConfigError, type Config } from "../config";
import { openNeonHttp } from "../db/neon";
import { createRepos } from "../db/repos";
import { createJsonLogger, type Logger } from "../logger";
import { createMailer } from "../mail/select";
import type { Services } from "../services";
import { UPSTASH_CLIENT_OPTIONS, createUpstashStore } from "../store/upstash";

/**
 * Workers bindings: the configuration variables of API.md as vars and secrets. NEON_FETCH_ENDPOINT
 * (local development and tests only) points Neon's driver at a local endpoint instead of Neon.
 */
export type WorkerEnv = Record<string, unknown>;

/** API.md: on Workers the client is named by Cloudflare's own header unless CLIENT_IP_HEADER says otherwise. */
export const WORKERS_CLIENT_IP_HEADER = "cf-connecting-ip";

/**
 * The one place that picks implementations for Workers: Neon over HTTP, Upstash over HTTP,
 * bcryptjs (no native bcrypt in workerd), webhook/Resend mail. Opens no connection itself:
 * both backends are plain fetch per query.
 */
export function buildWorkerServices(config: Config, logger: Logger = createJsonLogger()): Services {
  // Only the HTTP drivers exist in the Worker bundle, so any DATABASE_URL is reached through Neon's.
  if (!config.databaseUrl) throw new ConfigError("Invalid configuration:\n  DATABASE_URL: required on Workers (a Neon URL)");
  if (!config.upstash) {
    throw new ConfigError("Invalid configuration:\n  UPSTASH_REDIS_REST_URL: required on Workers (REDIS_URL needs TCP, which Workers lack)");
  }
  const db = openNeonHttp(config.databaseUrl, { fetchEndpoint: config.neonFetchEndpoint });
  const redis = new Redis({ url: config.upstash.url, token: config.upstash.token, ...UPSTASH_CLIENT_OPTIONS });
  const clock = systemClock;
  return {
    config: { ...config, clientIpHeader: config.clientIpHeader ?? WORKERS_CLIENT_IP_HEADER },
    ...createRepos(db, clock),
    store: createUpstashStore(redis),
    mailer: createMailer(config, logger),
    hasher: bcryptjsHasher,
    clock,
    logger,
    clientAddress: (c) => c.req.header(WORKERS_CLIENT_IP_HEADER),
  };
}
