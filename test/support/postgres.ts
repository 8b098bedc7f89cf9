import { chownSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, removeDir, track, trackDir, waitForLine } from "./processes";
import { POSTGRES_BIN } from "./requirements";

export type LocalPostgres = {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, local only). */
  url: string;
  port: number;
  /** Fast shutdown; keeps the data dir so restart() brings the same data back. */
  pause(): Promise<void>;
  /** Starts the same data dir on the same port again. */
  restart(): Promise<void>;
  /** Immediate shutdown (SIGQUIT: no checkpoint, like a crash); restart() recovers. */
  kill(): Promise<void>;
  /** Shuts down and removes the data dir. */
  stop(): Promise<void>;
};

const asRoot = process.getuid?.() === 0;
// initdb and postgres refuse to run as root: drop to the postgres user. setpriv execs (no extra
// process), so the pid we hold is the postmaster's own.
const asPostgres = (argv: string[]) =>
  asRoot ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...argv] : argv;

/**
 * A throwaway Postgres 15 cluster: initdb into a temp dir, 127.0.0.1 and a random port only,
 * fsync off (test data is disposable). Stopped by its own pid, and when this process exits.
 */
export async function startPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-pg-"));
  trackDir(dir);
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const init = Bun.spawnSync(
    asPostgres([`${POSTGRES_BIN}/initdb`, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]),
    { stdout: "pipe", stderr: "pipe" },
  );
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString().slice(-2000)}`);

  const port = freePort();
  let proc: ReturnType<typeof spawn> | undefined;
  function spawn() {
    return Bun.spawn(
      asPostgres([
        `${POSTGRES_BIN}/postgres`, "-D", data, "-p", String(port), "-k", dir,
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        "-c", "full_page_writes=off", "-c", "max_connections=100", "-c", "shared_buffers=32MB",
      ]),
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
  }
  async function start() {
    proc = spawn();
    track(proc, "SIGQUIT");
    await waitForLine(proc, /database system is ready to accept connections/, `postgres on port ${port}`);
  }
  async function halt(signal: NodeJS.Signals) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal); // SIGINT: fast shutdown; SIGQUIT: immediate shutdown
    await proc.exited;
  }

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pause: () => halt("SIGINT"),
    kill: () => halt("SIGQUIT"),
    async restart() {
      await halt("SIGINT");
      await start();
    },
    async stop() {
      await halt("SIGINT");
      removeDir(dir);
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const out = Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim();
  const gid = Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim();
  if (!out || !gid) throw new Error("the postgres system user is missing (install postgresql)");
  return { uid: Number(out), gid: Number(gid) };
}
