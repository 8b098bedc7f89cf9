/**
 * `bun test/bench/signing.ts [--workerd] [--refresh]`: what one access-token signature costs, per
 * algorithm, as the server signs (src/auth/keys.ts signerFor; HS256 as src/auth/tokens.ts does). On
 * Bun: CPU time of this process per signature (steadier than wall time on a shared machine). With
 * --workerd (Node 22 under .tools, see README): the same WebCrypto calls inside workerd (`wrangler
 * dev`), wall time per signature from outside, best of three. With --refresh: whole refreshes
 * in-process (16 concurrent rotation chains, memory store), CPU of the JavaScript thread and of all
 * threads per refresh, median of 5 runs, for HS256, EdDSA and ES256. Not a test; prints a table.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKey } from "../../src/auth/key-generate";
import { signerFor } from "../../src/auth/keys";
import { hmacSha256Sync } from "../../src/auth/crypto";
import { freePort } from "./server";

const N = 4000;
// A realistic signing input: the header and claims of an access token.
const input = `eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6IjIwMjYtMTItMDEtYWJjZGVmIn0.${Buffer.from(JSON.stringify({
  sub: crypto.randomUUID(), sid: "UEaI6WLPuaaHuQNq_Hrb5Q", role: "user", amr: ["pwd"], aal: "aal1", auth_time: 1796109661,
  iat: 1796109661, exp: 1796110561, iss: "https://auth.example.com", aud: "edge-auth", jti: "vkmvAi5dvKZ2ceQr",
})).toString("base64url")}`;

async function cpuUsPerOp(sign: () => unknown): Promise<number> {
  for (let i = 0; i < 300; i++) await sign();
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) await sign();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / N);
  }
  return best;
}

const rows: [string, number][] = [];
const secret = "x".repeat(48);
const hmacKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
rows.push(["Bun HS256 (Bun.CryptoHasher, sync)", await cpuUsPerOp(() => hmacSha256Sync(secret, input))]);
rows.push(["Bun HS256 (WebCrypto)", await cpuUsPerOp(() => crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(input)))]);
for (const alg of ["ES256", "EdDSA"] as const) {
  const key = await generateSigningKey(alg);
  const sync = await signerFor(key, false);
  const web = await signerFor(key, true);
  rows.push([`Bun ${alg} (node:crypto, sync: what the server uses)`, await cpuUsPerOp(() => sync(input))]);
  rows.push([`Bun ${alg} (WebCrypto)`, await cpuUsPerOp(() => web(input))]);
}

if (Bun.argv.includes("--workerd")) rows.push(...(await workerd()));
if (Bun.argv.includes("--refresh")) rows.push(...(await refreshes()));

const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
console.log(`one signature of an access token (${N} per run, best of 3; load average ${load})`);
for (const [name, us] of rows) console.log(`${name.padEnd(52)} ${us.toFixed(1).padStart(6)} us`);
process.exit(0); // the in-process apps keep PGlite open

/** The WebCrypto signatures inside workerd, timed from outside (workerd's own clock stands still while code runs). */
async function workerd(): Promise<[string, number][]> {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-signing-"));
  writeFileSync(join(dir, "worker.js"), `export default { async fetch(req) {
    const u = new URL(req.url); const n = Number(u.searchParams.get("n")); const alg = u.searchParams.get("alg");
    const data = new TextEncoder().encode(${JSON.stringify(input)});
    const [params, algorithm] = alg === "ES256" ? [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }] : alg === "EdDSA" ? [{ name: "Ed25519" }, { name: "Ed25519" }] : [null, "HMAC"];
    const key = params ? (await crypto.subtle.generateKey(params, false, ["sign"])).privateKey : await crypto.subtle.importKey("raw", new TextEncoder().encode("${secret}"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    for (let i = 0; i < n; i++) await crypto.subtle.sign(algorithm, key, data);
    return new Response("ok");
  } };`);
  writeFileSync(join(dir, "wrangler.toml"), 'name = "signing-bench"\nmain = "worker.js"\ncompatibility_date = "2026-08-22"\n');
  const port = freePort();
  const root = new URL("../..", import.meta.url).pathname;
  const proc = Bun.spawn(["sh", "src/entry/with-node22.sh", "wrangler", "dev", "--config", join(dir, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"], {
    cwd: root, stdout: "ignore", stderr: "ignore", env: { ...Bun.env, WRANGLER_SEND_METRICS: "false" },
  });
  const url = (alg: string, n: number) => `http://127.0.0.1:${port}/?alg=${alg}&n=${n}`;
  try {
    for (let i = 0; i < 120; i++) {
      if (await fetch(url("HS256", 1)).then((r) => r.ok, () => false)) break;
      await Bun.sleep(250);
    }
    const out: [string, number][] = [];
    for (const alg of ["HS256", "ES256", "EdDSA"]) {
      await (await fetch(url(alg, 300))).text();
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        await (await fetch(url(alg, 0))).text();
        const t1 = performance.now();
        await (await fetch(url(alg, N))).text();
        best = Math.min(best, ((performance.now() - t1 - (t1 - t0)) * 1000) / N);
      }
      out.push([`workerd ${alg} (WebCrypto, wall time)`, best]);
    }
    return out;
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whole refreshes through the in-process app: the signature's share of a refresh, per algorithm. */
async function refreshes(): Promise<[string, number][]> {
  const { buildTestApp } = await import("../support/app");
  const { call, signUp } = await import("../support/http");
  const jsTicks = () => {
    const f = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(f[11]) + Number(f[12]);
  };
  const modes = ["HS256", "EdDSA", "ES256"] as const;
  const apps = new Map<string, { app: Awaited<ReturnType<typeof buildTestApp>>; chains: string[] }>();
  for (const mode of modes) {
    const env: Record<string, string> = { RATE_LIMIT_AUTH_PER_MINUTE: "0", REFRESH_REUSE_GRACE: "0" };
    if (mode !== "HS256") env.JWT_SIGNING_KEYS = JSON.stringify({ keys: [await generateSigningKey(mode)] });
    const app = await buildTestApp({ env, keepData: true });
    const chains: string[] = [];
    for (let i = 0; i < 16; i++) chains.push((await signUp(app)).refresh);
    apps.set(mode, { app, chains });
  }
  const run = async (mode: string, n: number) => {
    const { app, chains } = apps.get(mode)!;
    let started = 0;
    const [js0, all0] = [jsTicks(), process.cpuUsage()];
    await Promise.all(chains.map(async (_, i) => {
      while (started < n) {
        started++;
        chains[i] = (await call(app, "POST", "/auth/refresh", { json: { refresh_token: chains[i] } })).body.refresh_token;
      }
    }));
    const all = process.cpuUsage(all0);
    return { js: ((jsTicks() - js0) * 10_000) / n, all: (all.user + all.system) / n };
  };
  for (const mode of modes) await run(mode, 3000); // warm-up
  const samples = new Map<string, { js: number[]; all: number[] }>(modes.map((m) => [m, { js: [], all: [] }]));
  for (let round = 0; round < 5; round++) for (const mode of modes) {
    const r = await run(mode, 6000);
    samples.get(mode)!.js.push(r.js);
    samples.get(mode)!.all.push(r.all);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return modes.flatMap((mode): [string, number][] => [
    [`refresh in-process, ${mode}: JavaScript thread`, median(samples.get(mode)!.js)],
    [`refresh in-process, ${mode}: all threads`, median(samples.get(mode)!.all)],
  ]);
}
