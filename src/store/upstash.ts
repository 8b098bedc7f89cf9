import type { Redis } from "@upstash/redis";
import { INCREMENT_SCRIPT, scriptRunner, SET_ADD_SCRIPT } from "./scripts";
import { StoreUnavailableError, type ScriptReply, type Store } from "./store";

// Bundled into the Cloudflare Worker: no Bun or Node imports here.

/**
 * Options for the `Redis` client the store is given: raw strings back (the store's values are
 * opaque strings, not JSON to parse), one quick retry so an outage answers 503 within a second
 * instead of after ~5 s of backoff, no telemetry headers.
 */
export const UPSTASH_CLIENT_OPTIONS = {
  automaticDeserialization: false,
  retry: { retries: 1, backoff: () => 100 },
  enableTelemetry: false,
} as const;

/** A reply error from Redis itself ("ERR ...", "WRONGTYPE ...") is a bug, not an outage. */
const REDIS_REPLY_ERROR = /^(Command failed: )?(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|BUSY|NOPERM|OOM)\b/;

/**
 * Store on Upstash Redis over its REST API (one HTTPS request per command): works on Cloudflare
 * Workers. Same commands and Lua scripts (by SHA) as the TCP store. Create the client with
 * UPSTASH_CLIENT_OPTIONS; with automatic deserialization left on, values still come back as the
 * strings that were stored (re-serialized), but raw is cheaper and exact.
 */
export function createUpstashStore(redis: Redis): Store {
  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // By name, not instanceof: the Worker imports the client from @upstash/redis/cloudflare.
      if ((error as Error)?.name === "UpstashError" && REDIS_REPLY_ERROR.test((error as Error).message)) throw error;
      throw new StoreUnavailableError(error);
    }
  }
  const str = (v: unknown): string | null =>
    v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);
  const lua = scriptRunner({
    evalsha: (sha, keys, args) => redis.evalsha(sha, keys, args),
    eval: (script, keys, args) => redis.eval(script, keys, args),
  });

  return {
    get: (key) => run(async () => str(await redis.get(key))),
    getMany: (keys) => run(async () => (keys.length === 0 ? [] : (await redis.mget<unknown[]>(...keys)).map(str))),
    set: (key, value, ttl) =>
      run(async () => {
        await redis.set(key, value, { ex: ttl });
      }),
    // SET NX GET (Redis 7): the old value when the key existed, nil when this call wrote it.
    setIfAbsent: (key, value, ttl) => run(async () => str(await redis.set(key, value, { nx: true, get: true, ex: ttl }))),
    getAndDelete: (key) => run(async () => str(await redis.getdel(key))),
    delete: (...keys) =>
      run(async () => {
        if (keys.length > 0) await redis.del(...keys);
      }),
    increment: (key, ttl) => run(async () => Number(await lua(INCREMENT_SCRIPT, [key], [String(ttl)]))),
    ttlSeconds: (key) => run(async () => Math.max(0, Number(await redis.ttl(key)))),
    setAdd: (key, member, ttl) =>
      run(async () => {
        await lua(SET_ADD_SCRIPT, [key], [member, String(ttl)]);
      }),
    setRemove: (key, member) =>
      run(async () => {
        await redis.srem(key, member);
      }),
    setMembers: (key) => run(async () => ((await redis.smembers(key)) as unknown[]).map((m) => str(m) ?? "")),
    // decode outside run(): a reply it cannot read is a bug, not an outage.
    runScript: async (script, keys, args) => script.decode((await run(() => lua(script.lua, keys, args))) as ScriptReply),
    ping: () =>
      run(async () => {
        await redis.ping();
      }),
  };
}
