/**
 * Short-lived key/value storage: sessions, refresh tokens, one-time codes and rate-limit
 * counters. Every write names its lifetime in seconds; everything expires on its own, so
 * losing the store logs people out but never loses a user.
 *
 * Implementations must make `getAndDelete`, `setIfAbsent`, `increment` and `runScript` atomic:
 * code consumption, rate limits and refresh rotation rely on it under concurrency.
 */
export interface Store {
  get(key: string): Promise<string | null>;
  /** Several keys in ONE round trip (MGET): the session check reads the session and the cached user together. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets the key only when it does not exist. Returns the existing value, or null when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<string | null>;
  /** Returns the value and removes the key in one atomic step. */
  getAndDelete(key: string): Promise<string | null>;
  delete(...keys: string[]): Promise<void>;
  /** Adds 1 and returns the new count; the TTL is set when the key is created and never extended. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Seconds until the key expires; 0 when it does not exist. */
  ttlSeconds(key: string): Promise<number>;
  /** Adds a member to a small set and (re)sets the set's lifetime. */
  setAdd(key: string, member: string, ttlSeconds: number): Promise<void>;
  setRemove(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  /** Cheap round trip for readiness checks; throws when the store cannot be reached. */
  ping(): Promise<void>;
  /**
   * Runs an atomic script: its Lua body (EVALSHA) on Redis-protocol stores, its JavaScript body
   * on the in-process store. One round trip, and no other client's command runs in between.
   */
  runScript<T>(script: StoreScript<T>, keys: string[], args: string[]): Promise<T>;
}

/** Thrown by store implementations when the backend cannot be reached. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(cause?: unknown) {
    super("The token store cannot be reached", { cause });
  }
}

/**
 * What a script's JavaScript body may do: the few synchronous key/value operations the in-process
 * store needs to mirror the Lua body. Expiry as in Redis (a key past its TTL reads as absent).
 */
export interface ScriptView {
  get(key: string): string | null;
  set(key: string, value: string, ttlSeconds: number): void;
  delete(key: string): void;
  /** SADD, then EXPIRE the set. */
  setAdd(key: string, member: string, ttlSeconds: number): void;
  setRemove(key: string, member: string): void;
}

/** A reply as Redis gives it back from Lua: strings, integers, nil (Lua false), flat arrays of them. */
export type ScriptReply = string | number | null | (string | number | null)[];

/**
 * One atomic operation, written twice: `lua` for Redis and Upstash (no `#!lua` shebang: Redis 7.0
 * rejects flags; no cjson), and `js`, the same logic over a ScriptView, for the in-process store.
 * Both give the same raw reply, which `decode` turns into the result on every store alike.
 */
export type StoreScript<T> = {
  readonly lua: string;
  readonly js: (view: ScriptView, keys: string[], args: string[]) => ScriptReply;
  readonly decode: (reply: ScriptReply) => T;
};
