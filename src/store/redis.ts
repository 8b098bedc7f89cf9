import type { RedisClient } from "bun";
import { INCREMENT_SCRIPT, scriptRunner, SET_ADD_SCRIPT } from "./scripts";
import { StoreUnavailableError, type ScriptReply, type Store } from "./store";

/** Options for the RedisClient given to createRedisStore (see there). */
// enableAutoPipelining (Bun's default): commands sent together share one round trip.
export const REDIS_CLIENT_OPTIONS = { enableOfflineQueue: false, autoReconnect: false, connectionTimeout: 2000, enableAutoPipelining: true } as const;

/** How long one command may wait for a connection before the store counts as unreachable. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Store on a Redis server through Bun's built-in RedisClient (RESP over TCP). Atomic steps use
 * single commands (SET NX GET EX, GETDEL) or Lua scripts run by SHA (INCR + first EXPIRE, SADD +
 * EXPIRE, and runScript's).
 *
 * Create the client with REDIS_CLIENT_OPTIONS: no offline queue and no background reconnect
 * loop, so while Redis is down every command fails at once (503) instead of waiting out Bun's
 * reconnect backoff, and the first command after Redis is back reconnects it immediately.
 */
export function createRedisStore(client: RedisClient): Store {
  const send = redisSender(client);
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const lua = scriptRunner({
    evalsha: (sha, keys, args) => send("EVALSHA", [sha, keys.length, ...keys, ...args]),
    eval: (script, keys, args) => send("EVAL", [script, keys.length, ...keys, ...args]),
  });

  return {
    get: async (key) => str(await send("GET", [key])),
    getMany: async (keys) => (keys.length === 0 ? [] : ((await send("MGET", keys)) as unknown[]).map(str)),
    set: async (key, value, ttl) => {
      await send("SET", [key, value, "EX", ttl]);
    },
    // Redis 7.0+: with NX and GET together, the reply is the old value when the key existed
    // (nothing written) and nil when this call wrote it: exactly the Store's contract.
    setIfAbsent: async (key, value, ttl) => str(await send("SET", [key, value, "NX", "GET", "EX", ttl])),
    getAndDelete: async (key) => str(await send("GETDEL", [key])),
    delete: async (...keys) => {
      if (keys.length > 0) await send("DEL", keys);
    },
    increment: async (key, ttl) => Number(await lua(INCREMENT_SCRIPT, [key], [String(ttl)])),
    ttlSeconds: async (key) => Math.max(0, Number(await send("TTL", [key]))),
    setAdd: async (key, member, ttl) => {
      await lua(SET_ADD_SCRIPT, [key], [member, String(ttl)]);
    },
    setRemove: async (key, member) => {
      await send("SREM", [key, member]);
    },
    setMembers: async (key) => ((await send("SMEMBERS", [key])) as unknown[]).map(String),
    runScript: async (script, keys, args) => script.decode((await lua(script.lua, keys, args)) as ScriptReply),
    ping: async () => {
      await send("PING", []);
    },
  };
}

/**
 * Sends raw commands on a Bun RedisClient: connects first when the client is not connected (or
 * gave up reconnecting), and reports an unreachable server as StoreUnavailableError. A reply
 * error from Redis itself (code ERR_REDIS_SERVER_ERROR) passes through: it is a bug, not an outage.
 */
export function redisSender(client: RedisClient): (command: string, args: (string | number)[]) => Promise<any> {
  let connecting: Promise<void> | undefined;
  function ensureConnected(): Promise<void> {
    if (client.connected) return Promise.resolve();
    connecting ??= withTimeout(client.connect(), CONNECT_TIMEOUT_MS).finally(() => {
      connecting = undefined;
    });
    return connecting;
  }
  const unavailable = (error: unknown): never => {
    if ((error as { code?: string })?.code === "ERR_REDIS_SERVER_ERROR") throw error;
    throw new StoreUnavailableError(error);
  };
  const strings = (args: (string | number)[]) => (args.every((a) => typeof a === "string") ? (args as string[]) : args.map(String));
  return (command, args) => {
    const send = () => client.send(command, strings(args));
    // Connected (the usual case): straight to the client, no extra await per command.
    return (client.connected ? Promise.try(send) : ensureConnected().then(send)).catch(unavailable);
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
