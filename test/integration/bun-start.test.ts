// `bun run start` / `bun run dev` on a fresh clone: the real Bun entry, started in a new empty
// working directory with nothing configured but what the README asks for, creates the data
// directories it uses (parents included) and is ready.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { readListeningUrl, track } from "../support/processes";

const ENTRY = new URL("../../src/entry/bun.ts", import.meta.url).pathname;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Starts the entry with only `env` (plus PATH/HOME) in a new empty directory; returns its URL and directory. */
async function startIn(env: Record<string, string>): Promise<{ url: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "edge-auth-start-"));
  const child: Subprocess = Bun.spawn(["bun", ENTRY], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? tmpdir(), HOST: "127.0.0.1", PORT: "0", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  track(child);
  const stderr = new Response(child.stderr as ReadableStream).text();
  cleanup = async () => {
    child.kill("SIGKILL");
    await child.exited;
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    return { url: await readListeningUrl(child), cwd };
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\nstderr:\n${(await stderr).slice(-2000)}`);
  }
}

describe("the Bun entry in an empty working directory", () => {
  test("production settings (JWT_SECRET, DATA_ENCRYPTION_KEY, no DATABASE_URL): PGlite's ./.data/db is created and /ready is 200", async () => {
    const { url, cwd } = await startIn({ JWT_SECRET: "start-test-secret-that-is-at-least-32-bytes!", DATA_ENCRYPTION_KEY: "start-test-data-key-that-is-at-least-32-bytes" });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", database: "ok", store: "ok" });
    expect(statSync(join(cwd, ".data/db")).isDirectory()).toBe(true);
    expect(existsSync(join(cwd, ".data/jwt-secret"))).toBe(false);
  }, 60_000);

  test("development without JWT_SECRET: the generated secret is kept under ./.data (owner-only) and /ready is 200", async () => {
    const { url, cwd } = await startIn({ NODE_ENV: "development" });
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(statSync(join(cwd, ".data/jwt-secret")).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, ".data/data-key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, ".data/db")).isDirectory()).toBe(true);
  }, 60_000);

  test("a DATABASE_URL=file: directory whose parents do not exist is created too", async () => {
    const { url, cwd } = await startIn({ JWT_SECRET: "start-test-secret-that-is-at-least-32-bytes!", DATA_ENCRYPTION_KEY: "start-test-data-key-that-is-at-least-32-bytes", DATABASE_URL: "file:./deep/er/db", DATABASE_DRIVER: "pglite" });
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(statSync(join(cwd, "deep/er/db")).isDirectory()).toBe(true);
  }, 60_000);
});
