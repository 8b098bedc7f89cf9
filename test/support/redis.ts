import { freePort, track, waitForLine, withParentDeathSignal } from "./processes";

export type LocalRedis = {
  url: string;
  port: number;
  /** Stops the server (its data is gone: nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
};

/**
 * A throwaway redis-server on 127.0.0.1 and a random port, nothing persisted. Stopped by its own
 * pid by stop(), and when this process exits.
 */
export async function startRedis(): Promise<LocalRedis> {
  const port = freePort();
  let proc: ReturnType<typeof spawn> | undefined;

  function spawn() {
    return Bun.spawn(
      withParentDeathSignal("SIGKILL", ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"]),
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
  }
  async function start() {
    proc = spawn();
    track(proc);
    await waitForLine(proc, /Ready to accept connections/, `redis-server on port ${port}`);
  }
  async function halt(signal: NodeJS.Signals) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    await proc.exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => halt("SIGTERM"),
    kill: () => halt("SIGKILL"),
    async restart() {
      await halt("SIGTERM");
      await start();
    },
  };
}
