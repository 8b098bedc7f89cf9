import { openSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A child process serving HTTP on 127.0.0.1, stopped by its own pid. */
export type Child = { url: string; pid: number; stop(): Promise<void> };

/** A port free right now (bound to 0 then released): the child binds it a moment later. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function waitFor(url: string, proc: Bun.Subprocess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode} before answering`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`${what} did not answer ${url} within 30 s`);
}

function child(cmd: string[], env: Record<string, string>, logFile: string | undefined, port: number, readyPath: string, what: string): Promise<Child> {
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env,
    // The request log goes to a file (or nowhere): never through a pipe the bench would have to drain.
    stdout: logFile ? openSync(logFile, "w") : "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    }
  };
  return waitFor(url + readyPath, proc, what).then(
    () => ({ url, pid: proc.pid, stop }),
    async (error) => {
      await stop();
      throw error;
    },
  );
}

/**
 * Starts src/entry/bun.ts with exactly `env` (plus PATH/HOME and a fresh PORT). `profileDir`:
 * Bun's sampling CPU profiler writes a markdown profile there when the server stops.
 */
export function startServer(env: Record<string, string>, logFile?: string, profileDir?: string): Promise<Child> {
  const port = freePort();
  const full = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, HOST: "127.0.0.1", PORT: String(port) };
  const profile = profileDir ? ["--cpu-prof-md", `--cpu-prof-dir=${profileDir}`] : [];
  return child(["bun", ...profile, "src/entry/bun.ts"], full, logFile, port, "/ready", "the edge-auth server");
}

/** The machine's HTTP ceiling: a bare Bun.serve answering "hello", nothing else. */
export function startHello(): Promise<Child> {
  const port = freePort();
  const code = `Bun.serve({ hostname: "127.0.0.1", port: ${port}, fetch: () => new Response("hello") })`;
  return child(["bun", "-e", code], { PATH: process.env.PATH ?? "" }, undefined, port, "/", "the hello server");
}
