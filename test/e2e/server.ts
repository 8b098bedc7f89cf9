import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { readListeningUrl } from "../support/processes";

export type Mail = { to: string; purpose: "verify-email" | "reset-password"; code: string };

/** A mail webhook on 127.0.0.1 that records every message the server sends. */
export function startMailCatcher() {
  const mails: Mail[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const body = (await request.json()) as Mail;
      mails.push({ to: body.to, purpose: body.purpose, code: body.code });
      return new Response(null, { status: 204 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/mail`,
    mails,
    /** The latest code sent to `to` for `purpose`, waiting for it to arrive (mail leaves in the background). */
    async code(to: string, purpose: Mail["purpose"], after = 0): Promise<string> {
      for (let i = 0; i < 200; i++) {
        const found = mails.filter((m) => m.to === to && m.purpose === purpose);
        if (found.length > after) return found.at(-1)!.code;
        await Bun.sleep(25);
      }
      throw new Error(`no ${purpose} mail for ${to}`);
    },
    count: (to: string, purpose: Mail["purpose"]) => mails.filter((m) => m.to === to && m.purpose === purpose).length,
    stop: () => server.stop(true),
  };
}

/** A TCP port that was free a moment ago (for a server that must know its own origin before it starts). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null) });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export type RunningServer = { url: string; child: Subprocess; stop(): Promise<void> };

/**
 * Starts the real Bun entry (src/entry/bun.ts) as a child process on 127.0.0.1 with a random
 * port and a fresh PGlite directory; `stop` kills it by its pid and removes the directory.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "edge-auth-e2e-"));
  const child = Bun.spawn(["bun", "src/entry/bun.ts"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: "test",
      JWT_SECRET: "e2e-secret-that-is-at-least-32-bytes-long!!",
      DATA_ENCRYPTION_KEY: "e2e-data-key-that-is-at-least-32-bytes-long",
      BCRYPT_COST: "4",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: `file:${dataDir}`,
      // A file: URL is not a postgres:// URL; the driver is named explicitly.
      DATABASE_DRIVER: "pglite",
      ...env,
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  const stop = async () => {
    child.kill("SIGKILL");
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await readListeningUrl(child);
    return { url, child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
