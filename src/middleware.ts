import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { takeFromWindow } from "./auth/limits";
import { ApiError, rateLimited } from "./errors";
import type { AppEnv, Frame, Services } from "./services";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The API's own paths: every answer there carries Cache-Control: no-store (tokens, personal data). */
export const isApiPath = (path: string) =>
  path === "/auth" || path.startsWith("/auth/") || path === "/users" || path.startsWith("/users/") || path === "/audit";

const EXPOSE_HEADERS = "X-Request-Id,Retry-After,WWW-Authenticate";

/**
 * The first middleware: request id (a well-formed X-Request-Id is echoed, else one is made), the
 * services for the handlers, the headers every answer carries, and the request log line.
 *
 * The headers are set BEFORE the handler runs: Hono then builds the response with them in one go
 * (c.json/c.body/c.html and the error handler all start from these prepared headers), where
 * setting them on the finished response copied its header list per header. Without an Origin
 * header (server-to-server, mobile apps) the CORS answer is always the same two headers, so they
 * are prepared here too; browser requests (an Origin, or a preflight) go through `cors` instead
 * (hono's cors middleware, see app.ts), called from here to spare every request a middleware layer.
 */
export const requestFrame = (services: Services, cors: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> => {
  return async function requestFrame(c, next) {
    const incoming = c.req.header("x-request-id");
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    // ONE context variable: the per-request frame (the services are its prototype, nothing is
    // copied), set and read with Hono's documented c.set/c.get. c.get is a Map lookup, where
    // every c.var read builds a fresh object from the variable Map.
    const frame = Object.create(services) as Frame;
    frame.requestId = id;
    c.set("frame", frame);
    c.header("X-Request-Id", id);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    if (isApiPath(c.req.path)) c.header("Cache-Control", "no-store");
    const browser = c.req.method === "OPTIONS" || c.req.header("origin") !== undefined;
    if (!browser) {
      c.header("Access-Control-Expose-Headers", EXPOSE_HEADERS);
      c.header("Vary", "Origin");
    }
    const started = performance.now();
    if (browser) {
      // A preflight is answered by cors itself: its Response becomes the answer.
      const answered = await cors(c, next);
      if (answered) c.res = answered;
    } else await next();
    services.logger.info("http.request", {
      requestId: id,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      userId: frame.auth?.userId,
    });
  };
};

/** The CORS headers exposed to browsers (used by app.ts for requests with an Origin). */
export const exposedHeaders = EXPOSE_HEADERS.split(",");

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)$/i;
const FORM_PATHS = new Set(["/auth/token", "/auth/introspect"]);

/**
 * A request that carries a body must say it is JSON (or, on /auth/token and /auth/introspect, a form): anything else
 * is 415 before it reaches a validator that would read it as an empty object. app.ts runs it for
 * POST/PUT/PATCH/DELETE only.
 */
export const requireBodyType = (): MiddlewareHandler<AppEnv> =>
  async function requireBodyType(c, next) {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    const length = c.req.header("content-length");
    const hasBody = type !== "" || (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    if (!hasBody) return next();
    const form = FORM_PATHS.has(c.req.path);
    if (form ? FORM_TYPE.test(type) : JSON_TYPE.test(type)) return next();
    throw new ApiError(
      415,
      "unsupported_media_type",
      form ? "Send application/x-www-form-urlencoded." : "Send the body as JSON with Content-Type: application/json.",
    );
  };

/** The client's address: the configured header behind a trusted proxy, else the runtime's socket address. */
export function clientAddress(c: Context<AppEnv>): string {
  const s = c.get("frame");
  const header = s.config.clientIpHeader;
  if (header) return c.req.header(header)?.split(",")[0]?.trim() || "unknown";
  return s.clientAddress?.(c) ?? "unknown";
}

/** RATE_LIMIT_AUTH_PER_MINUTE requests per client address per minute on /auth/* (app.ts mounts it only when > 0). */
export const authRateLimit = createMiddleware<AppEnv>(async function authRateLimit(c, next) {
  // Configured services introspect once per request they serve; only their failed attempts count (routes/introspect.ts).
  if (c.req.path === "/auth/introspect") return next();
  const s = c.get("frame");
  const wait = await takeFromWindow(s, `auth:${clientAddress(c)}`, s.config.limits.authPerMinute, 60);
  if (wait > 0) {
    s.logger.warn("auth.rate_limited", { requestId: s.requestId, reason: "per_client" });
    throw rateLimited(wait, "Too many requests from this client. Try again later.");
  }
  await next();
});
