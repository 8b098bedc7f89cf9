import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { json } from "../schemas";
import type { AppEnv } from "../services";

const tags = ["System"];
const Status = z.enum(["ok", "down"]);

const health = createRoute({
  method: "get", path: "/health", tags, summary: "Process liveness (touches nothing)",
  responses: { 200: json(z.object({ status: z.literal("ok") }), "Alive") },
});
const ReadyBody = z.object({ status: Status, database: Status, store: Status }).openapi("Readiness");
const ready = createRoute({
  method: "get", path: "/ready", tags, summary: "Whether the database and the store answer",
  responses: { 200: json(ReadyBody, "Ready"), 503: json(ReadyBody, "A backend is down") },
});

const READY_TIMEOUT_MS = 2000;
/** Resolves "ok" when the probe answers in time, "down" otherwise (never throws). */
async function probe(check: () => Promise<void>): Promise<"ok" | "down"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"down">((resolve) => {
    timer = setTimeout(() => resolve("down"), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => "ok" as const, () => "down" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const systemRoutes = new OpenAPIHono<AppEnv>()
  .openapi(health, (c) => c.json({ status: "ok" as const }, 200))
  .openapi(ready, async (c) => {
    const s = c.get("frame");
    const [database, store] = await Promise.all([probe(() => s.users.ping()), probe(() => s.store.ping())]);
    const status = database === "ok" && store === "ok" ? "ok" : "down";
    if (status !== "ok") c.header("Retry-After", "5");
    return c.json({ status, database, store }, status === "ok" ? 200 : 503);
  });

/** Registers /openapi.json (generated from the route schemas) on the finished app; /docs, its reference page, is in routes/web.ts. */
export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "oauth2",
    description: "Access token from POST /auth/token (or /auth/login), sent as `Authorization: Bearer <token>`.",
    flows: { password: { tokenUrl: "/auth/token", refreshUrl: "/auth/token", scopes: {} } },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "introspectionClient", {
    type: "http",
    scheme: "basic",
    description: "A client of INTROSPECTION_CLIENTS (id:secret).",
  });
  // Generated once, on first request: building it walks every schema (~100 ms), and an
  // unauthenticated endpoint that costs that much per call is a cheap denial-of-service target.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "edge-auth",
        version: "0.1.0",
        description: "Authentication and user management. Errors are RFC 9457 problem documents.",
      },
    });
    return c.json(document);
  });
}
