import type { ExecutionContext, ExportedHandler, Response as WorkersResponse, ScheduledController } from "@cloudflare/workers-types";
import { createApp, type App } from "../app";
import { pruneAuditEvents } from "../audit-retention";
import { loadKeyring } from "../auth/keys";
import { ConfigError, parseConfig } from "../config";
import { createJsonLogger } from "../logger";
import { seedAdmin } from "../seed";
import type { Services } from "../services";
import { buildWorkerServices, type WorkerEnv } from "./worker-services";

type Built = { app: App; services: Services };

// One app per isolate and bindings object: Workers hands every request of an isolate the same
// `env`, so services (and the admin seeding) happen once, not per request.
const built = new WeakMap<object, Promise<Built>>();

async function build(env: WorkerEnv): Promise<Built> {
  const logger = createJsonLogger();
  const config = parseConfig(env);
  if (config.bcryptCost < 10) logger.warn("config.weak_bcrypt_cost", { cost: config.bcryptCost });
  // Imported now: a key whose private part does not match its public one is a configuration error.
  if (config.jwt.keys) await loadKeyring(config.jwt.keys);
  const services = buildWorkerServices(config, logger);
  await seedAdmin(services);
  return { app: createApp(services), services };
}

function appFor(env: WorkerEnv): Promise<Built> {
  let pending = built.get(env);
  if (!pending) {
    pending = build(env);
    built.set(env, pending);
    // A failed start (bad config, database down during seeding) is retried by the next request.
    pending.catch(() => built.delete(env));
  }
  return pending;
}

/** The problem document for a worker that could not start (no app exists yet to render it). */
function startupProblem(status: 500 | 503, detail: string): Response {
  const body = { type: "about:blank", title: status === 500 ? "Internal Server Error" : "Service Unavailable", status, code: status === 500 ? "internal" : "unavailable", detail };
  const headers: Record<string, string> = { "content-type": "application/problem+json", "cache-control": "no-store" };
  if (status === 503) headers["retry-after"] = "5";
  return new Response(JSON.stringify(body), { status, headers });
}

async function handle(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
  let app: App;
  try {
    ({ app } = await appFor(env));
  } catch (error) {
    // A ConfigError's message names bad keys only, never their values; any other error is logged by
    // name and code only (a query error's message can carry parameters). Nothing reaches the client.
    const configError = error instanceof ConfigError;
    const e = error as { name?: string; code?: unknown; cause?: { name?: string } } | undefined;
    const fields = configError
      ? { event: "config.invalid", error: (error as Error).message }
      : { event: "startup.failed", error: e?.name ?? typeof error, code: String(e?.code ?? ""), cause: e?.cause?.name ?? "" };
    console.error(JSON.stringify({ time: new Date().toISOString(), level: "error", ...fields }));
    return configError ? startupProblem(500, "The server is misconfigured.") : startupProblem(503, "The server cannot start right now. Try again shortly.");
  }
  // ctx reaches Hono as c.executionCtx: mail is sent with waitUntil after the response.
  return app.fetch(request, env, ctx);
}

/** The Cron Trigger (wrangler.toml [triggers]): audit retention. */
async function scheduled(_controller: ScheduledController, env: WorkerEnv): Promise<void> {
  const { services } = await appFor(env);
  // Awaited: the invocation lasts until it is done. pruneAuditEvents logs a failure and rethrows,
  // so the cron run shows as failed in Cloudflare's logs.
  await pruneAuditEvents(services);
}

/** The Workers entry: the same app as on Bun, built from the bindings once per isolate. */
export default {
  scheduled,
  // The DOM and workers-types declare Request/Response separately; at run time they are the same objects.
  fetch: (request, env, ctx) => handle(request as unknown as Request, env, ctx) as unknown as Promise<WorkersResponse>,
} satisfies ExportedHandler<WorkerEnv>;
