import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, removeDir, track, trackDir, waitForLine, withParentDeathSignal } from "./processes";
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
// The server dies with the test process even when no exit hook runs (bun test fires none):
// the kernel sends SIGQUIT (immediate shutdown) when its parent goes away.
const server = (argv: string[]) =>
  asRoot
    ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig", "SIGQUIT", "--", ...argv]
    : withParentDeathSignal("SIGQUIT", argv);

/**
 * A throwaway Postgres 15 cluster: initdb into a temp dir, 127.0.0.1 and a random port only,
 * fsync off (test data is disposable). Stopped by its own pid, and when this process exits.
 */
export async function startPostgres(): Promise<LocalPostgres> {
  sweepAbandonedClusters();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
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
      server([
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

const DIR_PREFIX = "edge-auth-pg-";
const ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * A test process killed without exit hooks (bun test runs none) leaves its cluster's dir behind;
 * the server itself died with it (parent-death signal). Removes such dirs: older than ten
 * minutes and with no live postmaster, so a running or starting cluster is never touched.
 */
function sweepAbandonedClusters() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < ABANDONED_AFTER_MS) continue;
      const pidFile = join(dir, "data", "postmaster.pid");
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0;
      if (pid > 0 && isAlive(pid)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Someone else's dir, or gone meanwhile: not ours to worry about.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const out = Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim();
  const gid = Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim();
  if (!out || !gid) throw new Error("the postgres system user is missing (install postgresql)");
  return { uid: Number(out), gid: Number(gid) };
}
