/**
 * `bun run dev:worker`: the Worker in local workerd (`wrangler dev`), against a throwaway Postgres
 * and Redis reached through the Neon HTTP and Upstash REST protocol endpoints, exactly the
 * drivers it uses in production. Listens on HOST/PORT (127.0.0.1:8787). The same configuration
 * variables the Bun server reads (mail transport, limits, admin seeding, JWT_SECRET, …) are
 * handed to the Worker as bindings; codes are printed in this terminal (MAIL_TRANSPORT=console).
 */
import { envFileLine } from "./env-file";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKey } from "../auth/key-generate";
import { ConfigSchema } from "../config";
import { writeStaticAssets } from "../web/scalar";
import { workerBackendBindings } from "../../test/support/worker-bindings";

const root = new URL("../..", import.meta.url).pathname;
// wrangler needs Node >= 22.12: the script finds the one bun install brought, and says what to do when there is none.
const withNode22 = join(root, "src/entry/with-node22.sh");
if (Bun.spawnSync(["sh", withNode22, "node", "-e", "0"], { stdout: "ignore", stderr: "inherit" }).exitCode !== 0) process.exit(1);
// wrangler.toml's [assets] directory: the API reference's script, served before the Worker.
await writeStaticAssets();

// Settings that name the backends or where Bun listens are not the Worker's to take from here.
const NOT_PASSED = new Set(["DATABASE_URL", "DATABASE_DRIVER", "REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "PORT", "HOST"]);

const backends = Bun.spawn(["bun", "test/support/local-backends-cli.ts"], { cwd: root, stdout: "pipe", stderr: "inherit" });
const stopBackends = async () => {
  backends.kill("SIGTERM");
  await backends.exited;
};
const backendsEnv = await firstJsonLine(backends.stdout);
if (!backendsEnv) {
  console.error("local backends did not start (see above)");
  await stopBackends();
  process.exit(1);
}

const bindings: Record<string, string> = { NODE_ENV: "development", MAIL_TRANSPORT: "console" };
// The schema's keys, and the providers' dynamic OAUTH_<ID>_* keys (src/oauth-config.ts).
const keys = [...Object.keys(ConfigSchema.shape), ...Object.keys(Bun.env).filter((key) => key.startsWith("OAUTH_"))];
for (const key of new Set(keys)) {
  const value = Bun.env[key];
  if (value !== undefined && !NOT_PASSED.has(key)) bindings[key] = value;
}
// A fresh secret per run unless one is given: tokens do not outlive this dev server.
bindings.JWT_SECRET ??= Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
// And a fresh ES256 key set, so the JWKS is never empty in development.
bindings.JWT_SIGNING_KEYS ??= JSON.stringify({ keys: [await generateSigningKey("ES256")] });
bindings.DATA_ENCRYPTION_KEY ??= Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
Object.assign(bindings, workerBackendBindings(backendsEnv));
// PORT is not a binding, so the Worker's development default origin would be :8787 whatever PORT says.
bindings.WEBAUTHN_ORIGINS ??= `http://localhost:${Bun.env.PORT || "8787"}`;

// Bindings go through a private env file, not argv, so secrets do not show in `ps`.
const dir = mkdtempSync(join(tmpdir(), "edge-auth-dev-worker-"));
const envFile = join(dir, "worker.env");
writeFileSync(envFile, Object.entries(bindings).map(([k, v]) => envFileLine(k, v)).join("\n") + "\n", { mode: 0o600 });
chmodSync(envFile, 0o600);

const host = Bun.env.HOST || "127.0.0.1";
const port = Bun.env.PORT || "8787";
const wrangler = Bun.spawn(
  ["sh", withNode22, "wrangler", "dev", "--env-file", envFile, "--ip", host, "--port", port, "--show-interactive-dev-session=false"],
  { cwd: root, stdio: ["inherit", "inherit", "inherit"] },
);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGTERM");
  await wrangler.exited;
  await stopBackends();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutdown(0));
void wrangler.exited.then((code) => shutdown(code ?? 1));

/** Reads lines until one parses as a JSON object; null when the stream ends first. Keeps draining after. */
async function firstJsonLine(stream: ReadableStream<Uint8Array>): Promise<Record<string, string> | null> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return null;
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.startsWith("{")) {
        void (async () => {
          while (!(await reader.read()).done);
        })();
        return JSON.parse(line) as Record<string, string>;
      }
    }
  }
}
