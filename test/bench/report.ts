import type { Ceilings } from "./ceilings";
import type { WrkResult, Rss } from "./wrk";

/** `server`: set for the second server of BENCH_SIGNING=keys (not part of the first server's rounds). */
export type ScenarioResult = WrkResult & { name: string; round: number; rss: Rss; cpuUsPerRequest: number; jsThreadUsPerRequest: number; note?: string; server?: string };

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The table printed at the end of a run (also kept in the JSON). */
export function formatTable(results: ScenarioResult[], ceilings: Ceilings): string {
  const head = `${"scenario".padEnd(16)}${pad("req/s", 9)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("non-2xx", 9)}${pad("sock err", 9)}${pad("CPU us", 8)}${pad("RSS MB", 13)}  note`;
  const rows = results.map((r) =>
    `${r.name.padEnd(16)}${pad(r.rps.toLocaleString("en"), 9)}${pad(r.p50Ms.toFixed(2), 9)}${pad(r.p99Ms.toFixed(2), 9)}` +
    `${pad(r.non2xx, 9)}${pad(r.socketErrors, 9)}${pad(r.cpuUsPerRequest, 8)}${pad(`${r.rss.peakMb} (${r.rss.endMb})`, 13)}  ${r.note ?? ""}`,
  );
  const lines = [
    head,
    "-".repeat(head.length),
    ...rows,
    "",
    `ceiling  HTTP: bare Bun.serve hello ${ceilings.helloRps.toLocaleString("en")} req/s (p99 ${ceilings.helloP99Ms.toFixed(2)} ms, ${ceilings.helloCpuUs} us CPU per request)`,
    `ceiling  bcrypt: ${ceilings.cores} cores ÷ ${ceilings.bcryptVerifyMs} ms per verify = ${ceilings.bcryptPerSecond} per second`,
    "CPU us = the server process's CPU time (user + system) per request: steadier than req/s when other work shares the cores",
    "RSS MB = peak during the scenario (at its end)",
  ];
  const first = results.filter((r) => !r.server);
  const rounds = [...new Set(first.map((r) => r.round))];
  if (rounds.length > 1) {
    const peak = (round: number) => Math.max(...first.filter((r) => r.round === round).map((r) => r.rss.peakMb));
    lines.push(`RSS peak per round (same server, same scenarios): ${rounds.map((n) => `#${n} ${peak(n)} MB`).join(", ")}`);
  }
  return lines.join("\n");
}

/** Share of a ceiling, for the note column. */
export const percentOf = (value: number, ceiling: number) => `${Math.round((value / ceiling) * 100)}% of ${ceiling}`;
