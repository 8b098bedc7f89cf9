import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Database } from "./users";

// Bundled into the Cloudflare Worker: no Bun or Node imports here.

export type FetchEndpoint = string | ((host: string, port: number | string) => string);
export type NeonHttpOptions = {
  /** Where to send queries instead of Neon's https://api.<host>/sql (a local endpoint in tests). */
  fetchEndpoint?: FetchEndpoint;
};

// @neondatabase/serverless 1.x reads fetchEndpoint only from the global neonConfig, so the
// per-client option is honoured by routing on the database host: each client's host:port maps
// to its endpoint, and every other host keeps the driver's default.
const routes = new Map<string, FetchEndpoint>();
let defaultEndpoint: typeof neonConfig.fetchEndpoint | undefined;
const routeKey = (host: string, port: number | string) => `${host}:${port || 5432}`;

/** Sends this database's queries to `endpoint` (used by openNeonHttp and the migrator). */
export function routeNeonHttp(url: string, endpoint: FetchEndpoint) {
  const parsed = new URL(url.replace(/^postgres(ql)?:/, "http:"));
  routes.set(routeKey(parsed.hostname, parsed.port), endpoint);
  if (defaultEndpoint) return;
  defaultEndpoint = neonConfig.fetchEndpoint;
  const fallback = defaultEndpoint;
  neonConfig.fetchEndpoint = (host, port, opts) => {
    const target = routes.get(routeKey(host, port)) ?? fallback;
    return typeof target === "function" ? target(host, port, opts) : target;
  };
}

/**
 * Neon Postgres over HTTPS (one fetch per query): works on Cloudflare Workers, where TCP pools
 * do not. No interactive transactions: the user repository only issues single statements.
 */
export function openNeonHttp(url: string, options: NeonHttpOptions = {}): Database {
  if (options.fetchEndpoint) routeNeonHttp(url, options.fetchEndpoint);
  const client = neon(url, { disableWarningInBrowsers: true });
  return drizzle({ client }) as unknown as Database;
}
