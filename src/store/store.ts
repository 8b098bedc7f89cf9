/**
 * Short-lived key/value storage: sessions, refresh tokens, one-time codes and rate-limit
 * counters. Every write names its lifetime in seconds; everything expires on its own, so
 * losing the store logs people out but never loses a user.
 *
 * Implementations must make `getAndDelete`, `setIfAbsent` and `increment` atomic: refresh
 * rotation, code consumption and rate limits rely on it under concurrency.
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
   * True when calls made together (without awaiting each other) are applied in call order: one
   * process, or one connection that pipelines them (Bun's RedisClient). Refresh rotation then sends
   * a write and the read that must follow it in one round trip. Absent: each awaited in turn.
   */
  readonly appliesInCallOrder?: boolean;
}

/** Thrown by store implementations when the backend cannot be reached. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(cause?: unknown) {
    super("The token store cannot be reached", { cause });
  }
}
