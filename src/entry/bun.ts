import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "bun";
import { createApp } from "../app";
import { ConfigError, parseConfig } from "../config";
import { seedAdmin } from "../seed";
import { createJsonLogger } from "../logger";
import { buildBunServices } from "./bun-services";
import { staticRoutes } from "./bun-static";
import { createBufferedWriter } from "./log-writer";

/** In development only: a random JWT secret kept under ./.data so tokens survive restarts. */
function developmentSecret(): string {
  const file = "./.data/jwt-secret";
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync("./.data", { recursive: true });
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

const env: Record<string, string | undefined> = { ...Bun.env };
if (env.NODE_ENV === "development" && !env.JWT_SECRET) env.JWT_SECRET = developmentSecret();

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
logWriter.flush();
console.log(`edge-auth listening on http://${server.hostname}:${server.port} (${config.env})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await server.stop();
    await services.close();
    logWriter.flush();
    process.exit(0);
  });
}
