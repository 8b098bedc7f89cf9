import { DEFAULT_SIGNING_ALG } from "../../src/auth/key-generate";

/** Bench settings from the command line (--users N) and BENCH_* env. */
export type Options = {
  threads: number;
  connections: number;
  duration: string;
  /** Unmeasured warm-up before each read-only scenario ("" = none). */
  warmup: string;
  users: number;
  bcryptCost: number;
  scenarios: string[] | undefined;
  serverLog: string | undefined;
  /** BENCH_PROFILE=1: the server runs under Bun's CPU profiler (slower), profile under results/. */
  profile: boolean;
  /** BENCH_ROUNDS: the scenario list run this many times on the same server (memory must not grow). */
  rounds: number;
  /**
   * BENCH_SIGNING=keys: after the HS256 server, a second server with JWT_SIGNING_KEYS (one key of
   * BENCH_SIGNING_ALG, default keys:generate's) runs `me` and `refresh` again, so the two compare in one run.
   */
  signing: { keys: boolean; alg: "ES256" | "EdDSA" };
};

export const ALL_SCENARIOS = ["health", "me", "login", "refresh", "register", "admin-list", "admin-list-deep"] as const;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): Options {
  const at = argv.indexOf("--users");
  const users = positive("--users / BENCH_USERS", at >= 0 ? argv[at + 1] : env.BENCH_USERS, 1000);
  const duration = env.BENCH_DURATION ?? "10s";
  if (!/^\d+[smh]?$/.test(duration)) throw new Error(`BENCH_DURATION must look like 10s, got ${duration}`);
  const scenarios = env.BENCH_SCENARIOS?.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of scenarios ?? []) {
    if (!(ALL_SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}; known: ${ALL_SCENARIOS.join(", ")}`);
  }
  return {
    threads: positive("BENCH_THREADS", env.BENCH_THREADS, 2),
    connections: positive("BENCH_CONNECTIONS", env.BENCH_CONNECTIONS, 64),
    duration,
    warmup: /^0+[smh]?$/.test(env.BENCH_WARMUP ?? "") ? "" : (env.BENCH_WARMUP ?? "2s"),
    users,
    bcryptCost: positive("BENCH_BCRYPT_COST", env.BENCH_BCRYPT_COST, 10),
    scenarios,
    serverLog: env.BENCH_SERVER_LOG || undefined,
    profile: env.BENCH_PROFILE === "1",
    rounds: positive("BENCH_ROUNDS", env.BENCH_ROUNDS, 2),
    signing: parseSigning(env.BENCH_SIGNING, env.BENCH_SIGNING_ALG),
  };
}

function parseSigning(signing: string | undefined, alg: string | undefined): Options["signing"] {
  if (signing && signing !== "keys" && signing !== "hs256") throw new Error(`BENCH_SIGNING must be keys or hs256, got ${signing}`);
  if (alg && alg !== "ES256" && alg !== "EdDSA") throw new Error(`BENCH_SIGNING_ALG must be ES256 or EdDSA, got ${alg}`);
  return { keys: signing === "keys", alg: (alg as "ES256" | "EdDSA" | undefined) ?? DEFAULT_SIGNING_ALG };
}
