import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { recordEvent } from "../audit";
import type { IdentityRow } from "../db/schema";
import { ApiError } from "../errors";
import { json, problems } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

const tags = ["Current user"];
const security = [{ bearer: [] }];
const middleware = [requireAuth];

const Identity = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    email: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    lastUsedAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Identity");

const toIdentity = (row: IdentityRow): z.infer<typeof Identity> => ({
  id: row.id,
  provider: row.provider,
  email: row.email,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
});

const list = createRoute({
  method: "get", path: "/users/me/identities", tags, security, middleware, summary: "The external provider accounts linked to the current user",
  responses: { 200: json(z.object({ identities: z.array(Identity) }), "Linked identities"), ...problems(401, 503) },
});
const remove = createRoute({
  method: "delete", path: "/users/me/identities/{id}", tags, security, middleware, summary: "Unlink a provider account",
  // Any text: a malformed id is simply not one of the caller's identities (404), like an unknown one.
  request: { params: z.object({ id: z.string().max(100) }) },
  responses: { 204: { description: "Unlinked" }, ...problems(401, 404, 409, 503) },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const identityRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const s = c.get("frame");
    const rows = await s.identities.listForUser(s.auth.userId);
    return c.json({ identities: rows.map(toIdentity) }, 200);
  })
  .openapi(remove, async (c) => {
    const s = c.get("frame");
    const { id } = c.req.valid("param");
    const result = UUID.test(id) ? await s.identities.removeUnlessLast(s.auth.userId, id.toLowerCase()) : "not_found";
    if (result === "not_found") throw new ApiError(404, "not_found", "There is no such linked account.");
    if (result === "last_credential") {
      throw new ApiError(409, "last_credential", "This is the account's only way to sign in. Set a password or add a passkey first.");
    }
    s.logger.info("auth.identity_removed", { requestId: s.requestId, userId: s.auth.userId });
    recordEvent(c, { type: "identity_removed", userId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const identitiesContract = { list, remove };
