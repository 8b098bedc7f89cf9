import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors as corsHeaders } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { invalidatingUserRepo } from "./auth/user-cache";
import { DatabaseUnavailableError } from "./db/errors";
import { ApiError, problem } from "./errors";
import { authRateLimit, exposedHeaders, isApiPath, requestFrame, requireBodyType } from "./middleware";
import { createRouter } from "./router";
import { authRoutes } from "./routes/auth";
import { auditRoutes } from "./routes/audit";
import { identityRoutes } from "./routes/identities";
import { introspectRoutes } from "./routes/introspect";
import { meRoutes } from "./routes/me";
import { mfaRoutes } from "./routes/mfa";
import { providerRoutes } from "./routes/providers";
import { sessionRoutes } from "./routes/sessions";
import { passkeyRoutes } from "./routes/passkeys";
import { mountDocs, systemRoutes } from "./routes/system";
import { userRoutes } from "./routes/users";
import { webRoutes } from "./routes/web";
import { wellKnownRoutes } from "./routes/well-known";
import type { AppEnv, Services } from "./services";
import { StoreUnavailableError } from "./store/store";

const BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

/** Builds the whole HTTP app from its services. Never reads the environment, never opens a connection. */
export function createApp(input: Services) {
  // Every user write the app makes drops the store's cached copy of that user (auth/user-cache.ts).
  const services: Services = { ...input, users: invalidatingUserRepo(input.users, input.store) };
  const app = new OpenAPIHono<AppEnv>({ router: createRouter() });

  const cors = corsHeaders({
    origin: (origin) => (services.config.corsOrigins.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: exposedHeaders,
    maxAge: 600,
  });
  app.use(requestFrame(services, cors));
  // Before the body checks, so malformed and oversized requests count against the client too.
  // Off (0): not mounted at all (the bench, or a deployment that limits at its proxy).
  if (services.config.limits.authPerMinute > 0) app.use("/auth/*", authRateLimit);
  // The body checks run only for methods that carry a body: a GET never pays for them.
  const limitBody = bodyLimit({
    maxSize: services.config.maxBodyBytes,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `The body is over ${services.config.maxBodyBytes} bytes.`);
    },
  });
  // The type check only where routes take a body: elsewhere an unknown path stays a 404 whatever
  // is sent to it. One layer for both (the size first: an oversized body is 413 whatever its type).
  const checkType = requireBodyType();
  app.on(BODY_METHODS, "*", (c, next) => limitBody(c, isApiPath(c.req.path) ? async () => void (await checkType(c, next)) : next));

  // Order matters: /users/me must be matched before /users/{id}.
  app.route("/", systemRoutes);
  app.route("/", authRoutes);
  app.route("/", providerRoutes);
  app.route("/", identityRoutes);
  app.route("/", passkeyRoutes);
  app.route("/", introspectRoutes);
  app.route("/", wellKnownRoutes);
  app.route("/", meRoutes);
  app.route("/", mfaRoutes);
  app.route("/", sessionRoutes);
  app.route("/", auditRoutes);
  app.route("/", userRoutes);
  mountDocs(app);
  app.route("/", webRoutes);

  const allowedMethods = methodsByPath(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      return problem(c, new ApiError(405, "method_not_allowed", `Use ${allowed.join(", ")} on this path.`));
    }
    return problem(c, new ApiError(404, "not_found", "There is nothing at this path."));
  });
  app.onError((error, c) => problem(c, toApiError(error, c)));
  return app;
}

export type App = ReturnType<typeof createApp>;

/** Maps anything thrown to the problem the client sees; unknown errors are logged, never shown. */
function toApiError(error: unknown, c: Context<AppEnv>): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DatabaseUnavailableError || error instanceof StoreUnavailableError) {
    const which = error instanceof DatabaseUnavailableError ? "database" : "store";
    c.get("frame")?.logger?.error("backend.unavailable", { requestId: c.get("frame")?.requestId, backend: which });
    return new ApiError(503, "unavailable", `The ${which === "database" ? "database" : "token store"} cannot be reached. Try again shortly.`, {
      headers: { "Retry-After": "5" },
    });
  }
  if (error instanceof HTTPException && error.status === 400) {
    // Hono's validators throw this for a body that does not parse (JSON, or /auth/token's form).
    const json = /json/i.test(c.req.header("content-type") ?? "");
    return new ApiError(400, "validation_failed", json ? "The body is not valid JSON." : "The form body could not be parsed.", {
      errors: [{ path: "", message: json ? "malformed JSON" : "malformed form" }],
    });
  }
  if (error instanceof HTTPException && error.status === 415) {
    // zod-openapi's media-type gate: a body without a Content-Type (possible in-process and on Workers).
    return new ApiError(415, "unsupported_media_type", "Send the body with a supported Content-Type.");
  }
  if (error instanceof HTTPException && error.status === 413) {
    return new ApiError(413, "payload_too_large", "The body is too large.");
  }
  const e = error as Error;
  // The message can carry SQL and its parameters (drizzle puts them there) and the stack names
  // internals, so the log gets only the name, the driver's code and the route: enough to find it.
  c.get("frame")?.logger?.error("http.unhandled", {
    requestId: c.get("frame")?.requestId,
    error: e?.name ?? typeof error,
    code: String((e as { code?: unknown })?.code ?? ""),
    route: c.req.routePath,
  });
  return new ApiError(500, "internal", `Something went wrong on our side. Request id: ${c.get("frame")?.requestId ?? "unknown"}.`);
}

/** For 405: which methods the app answers on a path that exists. */
function methodsByPath(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let table: { pattern: RegExp; method: string }[] | undefined;
  return (path) => {
    table ??= app.routes
      .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]\w*/g, "[^/]+")}$`),
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods];
  };
}
