import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { timingSafeEqual } from "../auth/crypto";
import { introspectToken } from "../auth/introspection";
import { takeFromWindow } from "../auth/limits";
import type { IntrospectionClient } from "../config-settings";
import { ApiError, rateLimited } from "../errors";
import { clientAddress } from "../middleware";
import { json, problems } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

const IntrospectForm = z.object({
  token: z.string().min(1).max(8192),
  // RFC 7662 §2.1: a hint the server may ignore; any value is accepted (the token's shape decides).
  token_type_hint: z.string().max(100).optional(),
});
const IntrospectionResult = z
  .object({
    active: z.boolean(),
    token_type: z.enum(["access_token", "refresh_token"]).optional(),
    sub: z.string().optional(), sid: z.string().optional(), role: z.enum(["user", "admin"]).optional(),
    amr: z.array(z.string()).optional(), aal: z.enum(["aal1", "aal2"]).optional(),
    exp: z.number().int().optional(), iat: z.number().int().optional(),
    iss: z.string().optional(), aud: z.string().optional(), jti: z.string().optional(),
  })
  .openapi("Introspection");

/** The client named by an `Authorization: Basic` header, if its secret matches. */
function authenticate(header: string | undefined, clients: IntrospectionClient[]): IntrospectionClient | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]{1,1000})$/i.exec(header?.trim() ?? "");
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(match[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const raw = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding; many clients skip
  // that, so the bytes as sent are tried as well.
  const formDecode = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, " "));
    } catch {
      return part;
    }
  };
  const candidates = [raw, { id: formDecode(raw.id), secret: formDecode(raw.secret) }];
  // Every client is compared, in constant time (secret and id), so timing tells neither which ids exist nor how much matched.
  let found: IntrospectionClient | undefined;
  for (const client of clients) {
    for (const { id, secret } of candidates) {
      // Both compared always (no short-circuit): the time does not say which part matched.
      const matches = [timingSafeEqual(client.secret, secret), timingSafeEqual(client.id, id)];
      if (matches.every(Boolean)) found = client;
    }
  }
  return found;
}

/**
 * Introspection is for configured services only: 404 when none is configured, 401 with a Basic
 * challenge for a wrong client. Failed attempts count against the client address's /auth budget
 * (authenticated calls do not: a gateway asks for every request it lets through).
 */
const requireIntrospectionClient = createMiddleware<AppEnv>(async function requireIntrospectionClient(c, next) {
  const s = c.get("frame");
  if (s.config.introspectionClients.length === 0) throw new ApiError(404, "not_found", "There is nothing at this path.");
  if (authenticate(c.req.header("authorization"), s.config.introspectionClients)) return next();
  const limit = s.config.limits.authPerMinute;
  const wait = limit > 0 ? await takeFromWindow(s, `auth:${clientAddress(c)}`, limit, 60) : 0;
  if (wait > 0) throw rateLimited(wait, "Too many requests from this client. Try again later.");
  s.logger.warn("auth.introspection_refused", { requestId: s.requestId });
  throw new ApiError(401, "invalid_credentials", "Introspection needs the HTTP Basic credentials of a configured client.", {
    headers: { "WWW-Authenticate": 'Basic realm="introspection", charset="UTF-8"' },
  });
});

const introspect = createRoute({
  method: "post", path: "/auth/introspect", tags: ["Tokens for other services"],
  summary: "Whether a token is active now (RFC 7662), for configured clients (HTTP Basic)",
  security: [{ introspectionClient: [] }],
  middleware: [requireIntrospectionClient],
  request: {
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: IntrospectForm }, "multipart/form-data": { schema: IntrospectForm } },
    },
  },
  responses: { 200: json(IntrospectionResult, "The token's state and claims, or { active: false }"), ...problems(400, 401, 404, 415, 429, 503) },
});

export const introspectRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(introspect, async (c) => {
  return c.json(await introspectToken(c.get("frame"), c.req.valid("form").token), 200);
});
