import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ScenarioResult } from "./report";

/**
 * For a data-scale run: the same scenarios' req/s next to the newest 1,000-user run in `dir`
 * (run `bun run bench` first), and deep vs first page of admin-list. Empty when there is none.
 */
export function compareWithBaseline(dir: string, results: ScenarioResult[]): string {
  const lines: string[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith("-1000u.json")).sort();
  const newest = files.at(-1);
  if (newest) {
    const base = JSON.parse(readFileSync(join(dir, newest), "utf8")) as { results: ScenarioResult[] };
    lines.push(`vs the 1,000-user run ${newest}:`);
    for (const r of results) {
      const b = base.results.find((x) => x.name === r.name);
      if (b && b.rps > 0) lines.push(`  ${r.name.padEnd(16)} ${r.rps} vs ${b.rps} req/s = ${Math.round((r.rps / b.rps) * 100)}%`);
    }
  }
  const first = results.find((r) => r.name === "admin-list");
  const deep = results.find((r) => r.name === "admin-list-deep");
  if (first && deep && deep.rps > 0) {
    lines.push(`admin-list: first page ${first.rps} req/s, 90% deep ${deep.rps} req/s (first/deep = ${(first.rps / deep.rps).toFixed(2)}x)`);
  }
  return lines.join("\n");
}
