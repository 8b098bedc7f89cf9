/**
 * `bun run bench [-- --users N]`: load-tests the Bun server on throwaway Postgres + Redis with wrk
 * and prints requests/s, p50/p99, non-2xx and server RSS per scenario, next to the machine's
 * ceilings measured in the same run. See test/bench/README.md for how to read it.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBenchBackends } from "./backends";
import { measureCeilings } from "./ceilings";
import { compareWithBaseline } from "./compare";
import { bearerRoundRobin, freshRegistrations, randomLogins, refreshChains, staticGet } from "./lua";
import { startMailCatcher } from "./mail-catcher";
import { ALL_SCENARIOS, parseOptions } from "./options";
import { generateSigningKey } from "../../src/auth/key-generate";
import { BENCH_PASSWORD, freshPairs, freshRefreshTokens, login, prepareApiUsers } from "./prepare";
import { formatTable, percentOf, type ScenarioResult } from "./report";
import { deepId, seedUsers } from "./seed";
import { startServer, type Child } from "./server";
import { runWrk, waitIdle, type Load } from "./wrk";

const options = parseOptions(Bun.argv.slice(2), Bun.env);
const load: Load = { threads: options.threads, connections: options.connections, duration: options.duration };
const wanted = (name: string) => !options.scenarios || options.scenarios.includes(name);
const log = (s: string) => console.error(s);
const loadavg = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
const runId = Math.random().toString(36).slice(2, 8);
const dir = mkdtempSync(join(tmpdir(), "edge-auth-wrk-"));
const resultsDir = new URL("./results/", import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
const READ_ONLY = new Set(["health", "me", "admin-list", "admin-list-deep"]);
const ADMIN = { email: "admin@bench.test", password: "bench-admin-password" };

const startedAt = new Date();
const loadBefore = await loadavg();
log(`edge-auth bench: wrk -t${load.threads} -c${load.connections} -d${load.duration}, ${options.users.toLocaleString("en")} seeded users, BCRYPT_COST=${options.bcryptCost}; load average before: ${loadBefore}`);

log("measuring the machine's ceilings (bcrypt verify, bare Bun.serve)...");
const ceilings = await measureCeilings(load, dir, options.bcryptCost);

const backends = await startBenchBackends();
const mail = startMailCatcher();
let server: Child | undefined;
let keyedServer: Child | undefined;
const results: ScenarioResult[] = [];
try {
  log(`backends: ${backends.description}`);
  const hash = await Bun.password.hash(BENCH_PASSWORD, { algorithm: "bcrypt", cost: options.bcryptCost });
  const seed = async () => {
    const db = await backends.openSeedDb();
    const t = performance.now();
    await seedUsers(db, 1, options.users, hash, log);
    log(`seeded ${options.users.toLocaleString("en")} users in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const id = await deepId(db);
    await db.close();
    return id;
  };
  const deep = await seed();
  const serverEnv = {
    ...backends.serverEnv,
    NODE_ENV: "production",
    BCRYPT_COST: String(options.bcryptCost),
    JWT_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    DATA_ENCRYPTION_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    MAIL_TRANSPORT: "webhook",
    MAIL_WEBHOOK_URL: mail.url,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // The bench is one client hammering /auth/*: the per-address limit would answer 429s.
    RATE_LIMIT_AUTH_PER_MINUTE: "0",
  };
  server = await startServer(serverEnv, options.serverLog, options.profile ? resultsDir : undefined);
  log(`server up at ${server.url} (pid ${server.pid}); preparing ${load.connections + load.threads} users through the API...`);
  // One spare per thread: wrk's pre-run check of the refresh script takes a token it never sends.
  const prepared = await prepareApiUsers(server.url, mail, load.connections + load.threads, runId);
  const admin = await login(server.url, ADMIN.email, ADMIN.password);
  const write = async (name: string, lines: string[]) => {
    await Bun.write(join(dir, name), `${lines.join("\n")}\n`);
    return join(dir, name);
  };
  const accessFile = await write("access.txt", prepared.access);
  // BENCH_SIGNING=keys: a second server on the same backends and users, signing with one fresh key.
  let keyed: { server: Child; access: string } | undefined;
  if (options.signing.keys) {
    const keys = JSON.stringify({ keys: [await generateSigningKey(options.signing.alg)] });
    keyedServer = await startServer({ ...serverEnv, JWT_SIGNING_KEYS: keys }, options.serverLog);
    log(`second server with JWT_SIGNING_KEYS (${options.signing.alg}) at ${keyedServer.url} (pid ${keyedServer.pid}); fresh logins...`);
    keyed = { server: keyedServer, access: await write("access-keyed.txt", (await freshPairs(keyedServer.url, prepared.emails)).map((p) => p.access_token)) };
  }
  const cursor = btoa(deep).replace(/=+$/, "");
  const threads = String(load.threads);
  let round = 1;
  // Rotation chains never replay a token: each round starts its chains from fresh logins.
  const refreshFile = async () =>
    write(`refresh-${round}.txt`, round === 1 ? prepared.refresh : await freshRefreshTokens(server!.url, prepared.emails));

  const scenarios: Record<(typeof ALL_SCENARIOS)[number], () => Promise<[string, string, string[]]>> = {
    health: async () => [staticGet("/health"), "/health", []],
    me: async () => [bearerRoundRobin("/users/me"), "/users/me", [accessFile, threads]],
    login: async () => [randomLogins(BENCH_PASSWORD), "/auth/login", [String(options.users)]],
    refresh: async () => [refreshChains(), "/auth/refresh", [await refreshFile(), threads]],
    register: async () => [freshRegistrations(BENCH_PASSWORD), "/auth/register", [`${runId}r${round}`]],
    "admin-list": async () => [staticGet("/users?limit=50", admin.access_token), "/users", []],
    "admin-list-deep": async () => [staticGet(`/users?limit=50&cursor=${cursor}`, admin.access_token), "/users", []],
  };
  for (; round <= options.rounds; round++) for (const scenario of ALL_SCENARIOS.filter(wanted)) {
    const [script, path, args] = await scenarios[scenario]();
    // Later rounds are labelled: "me #2" is the same scenario on the same server, one round later.
    const name = round === 1 ? scenario : `${scenario} #${round}`;
    await waitIdle(server.pid);
    // Read-only scenarios get an unmeasured warm-up first (JIT, connection pools, Postgres buffers);
    // the others cannot repeat (rotation chains, fresh emails) or are bound by bcrypt anyway.
    if (options.warmup && READ_ONLY.has(scenario)) {
      log(`warming up ${name}...`);
      await runWrk({ ...load, duration: options.warmup }, dir, `${name}-warmup`, script, server.url + path, args, server.pid);
    }
    log(`running ${name}...`);
    const r = await runWrk(load, dir, name, script, server.url + path, args, server.pid);
    let note: string | undefined;
    if (scenario === "login" || scenario === "register") note = `bcrypt ceiling: ${percentOf(r.rps, ceilings.bcryptPerSecond)}`;
    else note = `HTTP ceiling: ${percentOf(r.rps, ceilings.helloRps)}`;
    results.push({ name, round, ...r, note });
    // BENCH_SIGNING=keys: the same scenario on the keyed server right after, so both see the same machine.
    if (keyed && (scenario === "me" || scenario === "refresh")) {
      const keyedName = `${scenario}/${options.signing.alg}${round === 1 ? "" : ` #${round}`}`;
      const keyedArgs = scenario === "me" ? [keyed.access, threads] : [await write(`refresh-keyed-${round}.txt`, await freshRefreshTokens(keyed.server.url, prepared.emails)), threads];
      await waitIdle(keyed.server.pid);
      if (options.warmup && scenario === "me") await runWrk({ ...load, duration: options.warmup }, dir, `${keyedName}-warmup`, script, keyed.server.url + path, keyedArgs, keyed.server.pid);
      log(`running ${keyedName}...`);
      const k = await runWrk(load, dir, keyedName, script, keyed.server.url + path, keyedArgs, keyed.server.pid);
      const vs = `vs HS256: ${percentOf(k.rps, r.rps)} req/s; CPU ${k.cpuUsPerRequest} vs ${r.cpuUsPerRequest} us, JS thread ${k.jsThreadUsPerRequest} vs ${r.jsThreadUsPerRequest} us`;
      results.push({ name: keyedName, round, server: options.signing.alg, ...k, note: vs });
    }
  }

} finally {
  await server?.stop();
  await keyedServer?.stop();
  mail.stop();
  await backends.stop();
  rmSync(dir, { recursive: true, force: true });
}

const loadAfter = await loadavg();
const table = formatTable(results, ceilings);
console.log(`\n${table}\n`);
console.log(`backends: ${backends.description}; users in table: ${options.users.toLocaleString("en")} seeded + ${load.connections + load.threads} via the API + 1 admin (+ registrations)`);
console.log(`server: NODE_ENV=production BCRYPT_COST=${options.bcryptCost} RATE_LIMIT_AUTH_PER_MINUTE=0 (per-address limit off: one client); failed-login limit on (logins all succeed)`);
console.log(`load average before ${loadBefore}, after ${loadAfter} (other work on the machine skews every figure)`);

const comparison = options.users !== 1000 ? compareWithBaseline(resultsDir, results) : "";
if (comparison) console.log(comparison);
const file = join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, "-")}-${options.users}u.json`);
await Bun.write(
  file,
  JSON.stringify({ startedAt, load, options, backends: backends.description, loadBefore, loadAfter, ceilings, results, table, comparison }, null, 2),
);
console.log(`results: ${file}`);
