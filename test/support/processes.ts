import type { Subprocess } from "bun";
import { rmSync } from "node:fs";

/**
 * Bookkeeping for the throwaway servers tests start: every live server process is stopped by its
 * own pid when this process exits (also after a failure), and its temp dir removed.
 */
const live = new Map<number, { signal: NodeJS.Signals; dir?: string }>();
const dirs = new Set<string>();
let hooked = false;

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const [pid, { signal }] of live) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  // A signal ends the process without "exit" unless someone handles it: when nobody else does,
  // exit normally so the hook above still stops the servers.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(130);
    });
  }
}

/** Remembers a server process so it is stopped (with `signal`) when this process exits. */
export function track(proc: Subprocess, signal: NodeJS.Signals = "SIGKILL") {
  hookExit();
  live.set(proc.pid, { signal });
  proc.exited.then(() => live.delete(proc.pid));
}

/** Remembers a temp dir to remove when this process exits. */
export function trackDir(dir: string) {
  hookExit();
  dirs.add(dir);
}

export function removeDir(dir: string) {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Prefixes a server's argv so the kernel signals it when this process dies, however it dies
 * (bun test runs no exit hooks). Uses util-linux's setpriv when present.
 */
export function withParentDeathSignal(signal: NodeJS.Signals, argv: string[]): string[] {
  return Bun.which("setpriv") ? ["setpriv", "--pdeathsig", signal, "--", ...argv] : argv;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * Waits until the process's output matches `ready`; rejects if it exits or takes too long.
 * Output is drained for the process's whole life (a closed pipe would kill a server that logs).
 */
export async function waitForLine(proc: Subprocess<"ignore", "pipe", "pipe">, ready: RegExp, what: string, timeoutMs = 30_000) {
  let seen = "";
  let matched: () => void = () => {};
  const isReady = new Promise<true>((resolve) => {
    matched = () => resolve(true);
  });
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen = (seen + decoder.decode(value, { stream: true })).slice(-8000);
      if (ready.test(seen)) matched();
    }
  };
  void drain(proc.stdout).catch(() => {});
  void drain(proc.stderr).catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    isReady,
    proc.exited.then(() => false),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!outcome) {
    proc.kill("SIGKILL");
    throw new Error(`${what} did not start:\n${seen.slice(-2000)}`);
  }
}

/** Reads the child's stdout until it prints its address, then keeps draining it so the pipe never fills. */
export async function readListeningUrl(child: Subprocess): Promise<string> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening:\n${seen.slice(-2000)}`);
    seen += decoder.decode(value, { stream: true });
    const match = seen.match(/listening on (http:\/\/[\d.]+:\d+)/);
    if (match) {
      void (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return match[1]!;
    }
  }
}
