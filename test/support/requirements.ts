import { test } from "bun:test";
import { existsSync } from "node:fs";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
/** Runs a command with the Node >= 22.12 that wrangler and vitest-pool-workers need (see the script). */
export const WITH_NODE22 = new URL("../../src/entry/with-node22.sh", import.meta.url).pathname;

/** What the machine has, for tests that need more than Bun. */
export const available = {
  postgres: () => existsSync(`${POSTGRES_BIN}/postgres`) && existsSync(`${POSTGRES_BIN}/initdb`),
  redis: () => Bun.which("redis-server") !== null,
  chromium: () => existsSync("/usr/bin/chromium"),
  // The same check the scripts make: bun install's node-<os>-<cpu>, else a recent system node.
  node22: () => Bun.spawnSync(["sh", WITH_NODE22, "node", "-e", "0"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0,
  wrk: () => Bun.which("wrk") !== null,
};

/**
 * Returns whether a requirement is met. When it is not, the caller's tests are skipped with a
 * message saying what to install; under CI=true a missing requirement is a failing test instead,
 * so CI proves everything.
 */
export function requires(name: string, isAvailable: boolean, installHint: string): boolean {
  if (isAvailable) return true;
  const message = `${name} is not installed: ${installHint}`;
  if (process.env.CI === "true") {
    test(`requirement: ${name}`, () => {
      throw new Error(`${message} (CI=true: a skip is a failure)`);
    });
  } else {
    console.warn(`[skipped] ${message}`);
  }
  return false;
}
