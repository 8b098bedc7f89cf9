/**
 * `bun test/support/local-backends-cli.ts`: starts throwaway Postgres + Redis and the Neon/Upstash
 * emulations (see backends.ts), prints their environment variables as one line of JSON on stdout,
 * and stays up until SIGTERM or SIGINT, then stops everything. Used by `dev:worker` and the bench.
 */
import { startLocalBackends } from "./backends";

const backends = await startLocalBackends();
process.stdout.write(`${JSON.stringify(backends.env)}\n`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await backends.stop();
    process.exit(0);
  });
}
// Stay alive until a signal arrives (the servers are child processes, not handles of this one).
setInterval(() => {}, 1 << 30);
