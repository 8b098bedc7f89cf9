import { readFileSync } from "node:fs";
import { join } from "node:path";

/** wrk's load settings: threads, connections, duration ("10s"), the same for every scenario. */
export type Load = { threads: number; connections: number; duration: string };

/** What one wrk run measured, from the script's `done` line. */
export type WrkResult = {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  /** connect + read + write errors and timeouts */
  socketErrors: number;
};

/** Server memory while wrk ran: the highest sample and the last one, in MB. */
export type Rss = { peakMb: number; endMb: number };

/** Linux clock ticks per second (USER_HZ): 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, clock ticks) a process has used so far; `thread`: that thread's only. */
function cpuTicks(pid: number, thread?: number): number {
  const fields = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until the server is idle (under 5% of a core over 500 ms, at most 20 s): the previous
 * scenario's in-flight work, e.g. queued bcrypt runs, must not run into the next measurement.
 */
export async function waitIdle(pid: number): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const before = cpuTicks(pid);
    await Bun.sleep(500);
    if (cpuTicks(pid) - before <= 2) return;
  }
}

/** Resident memory of a process in MB (Linux /proc), or NaN when it cannot be read. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs wrk with a generated Lua script (written into `dir`) against `url`, sampling the server's
 * RSS every 250 ms meanwhile. `args` go to the script's init(args).
 */
export async function runWrk(
  load: Load,
  dir: string,
  name: string,
  script: string,
  url: string,
  args: string[],
  serverPid: number,
): Promise<WrkResult & { rss: Rss; cpuUsPerRequest: number; jsThreadUsPerRequest: number }> {
  const file = join(dir, `${name}.lua`);
  await Bun.write(file, script);
  const cmd = ["wrk", `-t${load.threads}`, `-c${load.connections}`, `-d${load.duration}`, "--timeout", "30s", "-s", file, url];
  if (args.length > 0) cmd.push("--", ...args);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMb(serverPid)), 250);
  const cpuBefore = cpuTicks(serverPid);
  // The JavaScript thread (tid = pid): the one a Bun server cannot add more of.
  const jsBefore = cpuTicks(serverPid, serverPid);
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearInterval(sampler);
  const cpuUsed = cpuTicks(serverPid) - cpuBefore;
  const jsUsed = cpuTicks(serverPid, serverPid) - jsBefore;
  const end = rssMb(serverPid);
  samples.push(end);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (code !== 0 || !line) throw new Error(`wrk failed for ${name} (exit ${code}):\n${out}\n${err}`);
  const r = JSON.parse(line.slice("BENCH_JSON ".length));
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    requests: r.requests,
    rps: Math.round((r.requests / r.duration_us) * 1e6),
    p50Ms: ms(r.p50_us),
    p90Ms: ms(r.p90_us),
    p99Ms: ms(r.p99_us),
    maxMs: ms(r.max_us),
    non2xx: r.non2xx,
    socketErrors: r.connect_errors + r.read_errors + r.write_errors + r.timeouts,
    // The server's own CPU time per request: unlike req/s, barely moved by other work on the machine.
    cpuUsPerRequest: r.requests > 0 ? Math.round(((cpuUsed / TICKS_PER_SECOND) * 1e6) / r.requests) : 0,
    jsThreadUsPerRequest: r.requests > 0 ? Math.round(((jsUsed / TICKS_PER_SECOND) * 1e6) / r.requests) : 0,
    rss: { peakMb: Math.round(Math.max(...samples.filter(Number.isFinite))), endMb: Math.round(end) },
  };
}
