/**
 * Lua scripts shared by the Redis-protocol stores (Bun's RedisClient and Upstash REST).
 * A script runs atomically on the server, so two steps cannot be split by another client.
 * Plain EVAL, no `#!lua flags=` shebang: Redis 7.0 (Debian) and Upstash both accept it.
 */

/** INCR, then set the TTL only when the key has none yet (a counter's window is never extended). */
export const INCREMENT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** SADD and (re)set the set's lifetime in one step, so a set never lives without a TTL. */
export const SET_ADD_SCRIPT = `redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;
