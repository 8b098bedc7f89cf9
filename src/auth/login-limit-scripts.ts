import type { ScriptReply, ScriptView, StoreScript } from "../store/store";

/**
 * The failed-login limit's two atomic steps, each ONE store script (Lua for Redis and Upstash,
 * the same logic in JavaScript for the in-process store). Per email, two keys:
 *
 * - failures `lf:<email>`: `<count>:<window end ms>`, living until the window ends (the window is
 *   fixed at the first failure, never extended);
 * - checks in flight `lfc:<email>`: `<id>:<deadline ms>,…`, the password checks admitted and not
 *   finished. An entry past its deadline (a process that died mid-check) no longer counts.
 *
 * Admitting a check when failures + checks in flight stay under the limit is what bounds the
 * bcrypt work of a parallel burst of guesses to the limit, while correct passwords are not
 * refused for failures that have not happened (see limits.ts).
 */
export type ReserveOutcome = { status: "granted" } | { status: "busy" } | { status: "locked"; retryAfterSeconds: number };

export const failuresKey = (email: string) => `lf:${email}`;
export const checksKey = (email: string) => `lfc:${email}`;

/** Keys and arguments of one run of RESERVE_SCRIPT. */
export function reserveCall(email: string, now: number, limit: number, id: string, deadline: number, checksTtlSeconds: number): [StoreScript<ReserveOutcome>, string[], string[]] {
  return [RESERVE_SCRIPT, [failuresKey(email), checksKey(email)], [String(now), String(limit), id, String(deadline), String(checksTtlSeconds)]];
}

export type CheckResult = "succeeded" | "failed" | "abandoned";

/** Keys and arguments of one run of FINISH_SCRIPT: `windowEnd` is used when this is the window's first failure. */
export function finishCall(email: string, now: number, id: string, result: CheckResult, windowEnd: number, checksTtlSeconds: number): [StoreScript<null>, string[], string[]] {
  return [FINISH_SCRIPT, [failuresKey(email), checksKey(email)], [String(now), id, result, String(windowEnd), String(checksTtlSeconds)]];
}

// Shared by both Lua bodies: the live failure count and its window end, and the live checks.
const LUA_READ = `
local now = tonumber(ARGV[1])
local failures, windowEnd = 0, nil
local f = redis.call('GET', KEYS[1])
if f then
  local c, e = string.match(f, '^(%d+):(%d+)$')
  if c and tonumber(e) > now then failures, windowEnd = tonumber(c), e end
end
local kept, n = {}, 0
local checks = redis.call('GET', KEYS[2])
`;

const reserveLua = `${LUA_READ}
if failures >= tonumber(ARGV[2]) then return {'locked', math.max(1, math.ceil((tonumber(windowEnd) - now) / 1000))} end
if checks then
  for id, d in string.gmatch(checks, '([^,:]+):(%d+)') do
    if tonumber(d) > now then n = n + 1; kept[n] = id .. ':' .. d end
  end
end
if failures + n >= tonumber(ARGV[2]) then return {'busy'} end
n = n + 1; kept[n] = ARGV[3] .. ':' .. ARGV[4]
redis.call('SET', KEYS[2], table.concat(kept, ','), 'EX', ARGV[5])
return {'granted'}
`;

const finishLua = `${LUA_READ}
if checks then
  for id, d in string.gmatch(checks, '([^,:]+):(%d+)') do
    if id ~= ARGV[2] and tonumber(d) > now then n = n + 1; kept[n] = id .. ':' .. d end
  end
end
if n == 0 then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], table.concat(kept, ','), 'EX', ARGV[5]) end
if ARGV[3] == 'succeeded' then redis.call('DEL', KEYS[1])
elseif ARGV[3] == 'failed' then
  windowEnd = windowEnd or ARGV[4]
  redis.call('SET', KEYS[1], (failures + 1) .. ':' .. windowEnd, 'PX', math.max(1, tonumber(windowEnd) - now))
end
return 1
`;

const FAILURES = /^(\d+):(\d+)$/;
const CHECK = /([^,:]+):(\d+)/g;

/** The JavaScript twin of LUA_READ. */
function read(view: ScriptView, keys: string[], now: number) {
  const [failKey, checkKey] = keys as [string, string];
  const f = FAILURES.exec(view.get(failKey) ?? "");
  const live = f !== null && Number(f[2]) > now;
  const checks = [...(view.get(checkKey) ?? "").matchAll(CHECK)].filter((m) => Number(m[2]) > now).map((m) => ({ id: m[1]!, entry: m[0] }));
  return { failKey, checkKey, failures: live ? Number(f[1]) : 0, windowEnd: live ? f[2]! : null, checks };
}

function reserveJs(view: ScriptView, keys: string[], args: string[]): ScriptReply {
  const [nowArg, limitArg, id, deadline, ttl] = args as [string, string, string, string, string];
  const now = Number(nowArg);
  const { checkKey, failures, windowEnd, checks } = read(view, keys, now);
  if (failures >= Number(limitArg)) return ["locked", Math.max(1, Math.ceil((Number(windowEnd) - now) / 1000))];
  if (failures + checks.length >= Number(limitArg)) return ["busy"];
  view.set(checkKey, [...checks.map((c) => c.entry), `${id}:${deadline}`].join(","), Number(ttl));
  return ["granted"];
}

function finishJs(view: ScriptView, keys: string[], args: string[]): ScriptReply {
  const [nowArg, id, result, windowEndArg, ttl] = args as [string, string, string, string, string];
  const now = Number(nowArg);
  const { failKey, checkKey, failures, windowEnd, checks } = read(view, keys, now);
  const kept = checks.filter((c) => c.id !== id).map((c) => c.entry);
  if (kept.length === 0) view.delete(checkKey);
  else view.set(checkKey, kept.join(","), Number(ttl));
  if (result === "succeeded") view.delete(failKey);
  else if (result === "failed") {
    const end = windowEnd ?? windowEndArg;
    view.set(failKey, `${failures + 1}:${end}`, Math.max(1, Number(end) - now) / 1000);
  }
  return 1;
}

function decodeReserve(reply: ScriptReply): ReserveOutcome {
  const [status, retry] = Array.isArray(reply) ? reply : [];
  if (status === "granted" || status === "busy") return { status };
  if (status === "locked") return { status, retryAfterSeconds: Number(retry) };
  throw new Error(`login limit script: unexpected reply ${String(status)}`);
}

/** Admits one password check, or says why not: `locked` (failures used up) or `busy` (checks in flight fill the rest). */
export const RESERVE_SCRIPT: StoreScript<ReserveOutcome> = { lua: reserveLua, js: reserveJs, decode: decodeReserve };

/** Ends a check: removes it from the checks in flight and records its result (a success clears the failures). */
export const FINISH_SCRIPT: StoreScript<null> = { lua: finishLua, js: finishJs, decode: () => null };
