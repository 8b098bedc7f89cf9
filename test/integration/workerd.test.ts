// The Worker inside workerd: runs the vitest suite of test/worker (vitest-pool-workers, Node 22)
// as a child process, so `bun run test` covers the Workers runtime too.
import { describe, expect, test } from "bun:test";
import { available, requires } from "../support/requirements";
import { buildWorker, ROOT } from "../support/worker-build";

const ready =
  requires("node22", available.node22(), "wrangler and vitest-pool-workers need Node >= 22.12: run bun install (it brings Node 22 as the optional dependency node-<os>-<cpu>), or install Node >= 22.12") &&
  requires("postgres", available.postgres(), "apt-get install postgresql") &&
  requires("redis", available.redis(), "apt-get install redis-server");

if (ready) {
  describe("the Worker in workerd", () => {
    test("wrangler builds the Worker (precondition)", async () => {
      const build = await buildWorker();
      if (build.exitCode !== 0) console.error(build.output);
      expect(build.exitCode).toBe(0);
    }, 120_000);

    test("passes the register → verify → login → me → refresh → reuse → logout flow and the error cases", async () => {
      const proc = Bun.spawn(["sh", "src/entry/with-node22.sh", "vitest", "run", "--config", "test/worker/vitest.config.ts", "--reporter", "verbose", "--color=false"], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, CI: process.env.CI ?? "", NO_COLOR: "1" },
      });
      const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      const output = stdout + stderr;
      if (exitCode !== 0) console.error(output);
      expect(exitCode).toBe(0);
      // Every file ran and nothing was skipped: a green run with zero tests would prove nothing.
      const summary = output.match(/Tests\s+(\d+) passed \((\d+)\)/);
      expect(summary).not.toBeNull();
      expect(Number(summary![1])).toBeGreaterThanOrEqual(12);
      expect(summary![1]).toBe(summary![2]);
      console.log(`workerd: ${summary![1]} tests passed`);
    }, 240_000);
  });
}
