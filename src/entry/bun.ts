import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "bun";
import { createApp } from "../app";
import { startAuditPruning } from "../audit-retention";
import { settleBackgroundWork } from "../background";
import { generateSigningKey } from "../auth/key-generate";
import { loadKeyring } from "../auth/keys";
import { ConfigError, parseConfig } from "../config";
import { seedAdmin } from "../seed";
import { createJsonLogger } from "../logger";
import { buildBunServices } from "./bun-services";
import { staticRoutes } from "./bun-static";
import { createBufferedWriter } from "./log-writer";

/** In development only: a random secret kept under ./.data so tokens (and sealed TOTP secrets) survive restarts. */
function developmentSecret(name: string): string {
  const file = `./.data/${name}`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync("./.data", { recursive: true });
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** In development only: an ES256 key set kept under ./.data, so the JWKS is never empty locally. */
async function developmentSigningKeys(): Promise<string> {
  const file = "./.data/signing-keys.json";
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync("./.data", { recursive: true });
  const set = JSON.stringify({ keys: [await generateSigningKey("ES256")] });
  writeFileSync(file, set, { mode: 0o600 });
  return set;
}

const env: Record<string, string | undefined> = { ...Bun.env };
if (env.NODE_ENV === "development" && !env.JWT_SIGNING_KEYS) env.JWT_SIGNING_KEYS = await developmentSigningKeys();
if (env.NODE_ENV === "development" && !env.JWT_SECRET) env.JWT_SECRET = developmentSecret("jwt-secret");
if (env.NODE_ENV === "development" && !env.DATA_ENCRYPTION_KEY) env.DATA_ENCRYPTION_KEY = developmentSecret("data-key");

let config;
try {
  config = parseConfig(env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

// Import the signing keys now: a key whose private part does not match its public one stops the start.
if (config.jwt.keys) {
  try {
    await loadKeyring(config.jwt.keys);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (config.bcryptCost < 10) console.warn(`BCRYPT_COST=${config.bcryptCost} is below 10: fine for tests, too weak for real passwords.`);

// Request logs are batched (see log-writer.ts); flushed on exit and on SIGINT/SIGTERM below.
const logWriter = createBufferedWriter();
const services = await buildBunServices(config, createJsonLogger(logWriter.write));
services.clientAddress = (c) => (c.env as { server?: Server<unknown> } | undefined)?.server?.requestIP(c.req.raw)?.address;
await seedAdmin(services);
const app = createApp(services);

const server = Bun.serve({
  hostname: config.host,
  port: config.port,
  // Answered before the app, as Workers Static Assets are before the Worker.
  routes: await staticRoutes(),
  fetch: (request, server) => app.fetch(request, { server }),
});
// Audit retention (AUDIT_RETENTION_DAYS): once shortly after start, then hourly. unref'd so the
// timer alone never keeps the process alive; a failed run is logged and the next one retries.
const stopPruning = startAuditPruning(services);
logWriter.flush();
console.log(`edge-auth listening on http://${server.hostname}:${server.port} (${config.env})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    stopPruning();
    await server.stop();
    // Audit events and mail of the last requests are written after their responses: let them land.
    // Bounded: a mail webhook that hangs must not hold the shutdown.
    await Promise.race([settleBackgroundWork(), Bun.sleep(5_000)]);
    await services.close();
    logWriter.flush();
    process.exit(0);
  });
}
