/**
 * Lua scripts shared by the Redis-protocol stores (Bun's RedisClient and Upstash REST).
 * A script runs atomically on the server, so two steps cannot be split by another client.
 * No `#!lua flags=` shebang: Redis 7.0 (Debian) rejects it, and Upstash accepts scripts without it.
 */

/** INCR, then set the TTL only when the key has none yet (a counter's window is never extended). */
export const INCREMENT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** SADD and (re)set the set's lifetime in one step, so a set never lives without a TTL. */
export const SET_ADD_SCRIPT = `redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Runs a Lua script by text: the store's EVALSHA, falling back to EVAL (see scriptRunner). */
export type RunLua = (lua: string, keys: string[], args: string[]) => Promise<unknown>;

/**
 * Runs scripts by their SHA-1 (EVALSHA), so the text is neither re-sent nor re-hashed by Redis on
 * every call. A server that does not have the script yet (new, restarted, SCRIPT FLUSH) answers
 * NOSCRIPT: the call is then repeated once with EVAL, which also caches the script there.
 * Each script's SHA is computed once per runner.
 */
export function scriptRunner(redis: {
  evalsha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  eval(lua: string, keys: string[], args: string[]): Promise<unknown>;
}): RunLua {
  const shas = new Map<string, string>();
  return async (lua, keys, args) => {
    let sha = shas.get(lua);
    if (sha === undefined) shas.set(lua, (sha = await sha1Hex(lua)));
    try {
      return await redis.evalsha(sha, keys, args);
    } catch (error) {
      if (!/\bNOSCRIPT\b/.test(String((error as Error)?.message))) throw error;
      return redis.eval(lua, keys, args);
    }
  };
}

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
