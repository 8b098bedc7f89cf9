/**
 * wrk Lua scripts, one per scenario. Every script ends with the same `done` that prints one
 * `BENCH_JSON {...}` line (requests, errors, latency percentiles) for the harness to parse.
 * Data files hold one value per line; thread `tid` of `nthreads` takes lines i with i % nthreads == tid,
 * so no two threads (hence no two connections) ever share a token or a refresh chain.
 */

const common = `
local next_tid = 0
setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

function read_lines(path, nthreads)
  local out, i = {}, 0
  for line in io.lines(path) do
    if line ~= "" and i % nthreads == tid then table.insert(out, line) end
    i = i + 1
  end
  return out
end
`;

const done = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"non2xx":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

/** Passwords are spliced into Lua and JSON literals as they are, so they must need no escaping. */
function plain(s: string): string {
  if (!/^[\w.-]+$/.test(s)) throw new Error("bench passwords must be [A-Za-z0-9_.-]");
  return s;
}

const q = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here (ASCII only)

/** One GET, always the same, optionally with a bearer token. */
export function staticGet(path: string, bearer?: string): string {
  const auth = bearer ? `wrk.headers["Authorization"] = ${q(`Bearer ${bearer}`)}` : "";
  return `${common}
wrk.method = "GET"
wrk.path = ${q(path)}
${auth}
${done}`;
}

/** GET with the access tokens of args[1], round-robin within the thread: every request carries a real session. */
export function bearerRoundRobin(path: string): string {
  return `${common}
init = function(args)
  tokens = read_lines(args[1], tonumber(args[2]))
  n = 0
end
request = function()
  n = n % #tokens + 1
  return wrk.format("GET", ${q(path)}, { ["Authorization"] = "Bearer " .. tokens[n] })
end
${done}`;
}

/**
 * Refresh rotation chains. The thread's pool starts with one refresh token per chain; a request
 * takes a token out, its response puts the NEW token back, so each token is sent exactly once and
 * each chain has at most one request in flight. A refused or lost request ends its chain (counted
 * as non-2xx). wrk calls request() once before the run to check it (thread 0), which takes one
 * token that is never sent: the harness prepares one spare chain per thread.
 */
export function refreshChains(): string {
  return `${common}
init = function(args)
  pool = read_lines(args[1], tonumber(args[2]))
end
request = function()
  local token = table.remove(pool) or "chain-exhausted"
  return wrk.format("POST", "/auth/refresh", { ["Content-Type"] = "application/json" }, '{"refresh_token":"' .. token .. '"}')
end
response = function(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if token then table.insert(pool, token) end
end
${done}`;
}

/** Logins as random users "seed-<1..args[1]>@bench.test" (all share one password): spread across the table. */
export function randomLogins(password: string): string {
  return `${common}
init = function(args)
  users = tonumber(args[1])
  math.randomseed(os.time() * 1000 + tid * 7919)
end
request = function()
  local body = '{"email":"seed-' .. math.random(1, users) .. '@bench.test","password":"${plain(password)}"}'
  return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" }, body)
end
${done}`;
}

/** Registrations, each with a fresh email: run prefix (args[1]) + thread id + a per-thread counter. */
export function freshRegistrations(password: string): string {
  return `${common}
init = function(args)
  prefix = args[1]
  counter = 0
end
request = function()
  counter = counter + 1
  local body = '{"email":"reg-' .. prefix .. '-' .. tid .. '-' .. counter .. '@bench.test","password":"${plain(password)}"}'
  return wrk.format("POST", "/auth/register", { ["Content-Type"] = "application/json" }, body)
end
${done}`;
}
