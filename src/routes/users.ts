import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAdmin, requireAuth } from "../auth/require-auth";
import { hashPassword } from "../auth/password";
import { revokeAllSessions } from "../auth/sessions";
import { eraseActivity, recordEvent } from "../audit";
import { EmailTakenError } from "../db/errors";
import { ApiError } from "../errors";
import { Email, json, noNul, jsonBody, Name, Password, problems, Role, toPublicUser, User } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

const tags = ["User management (admin)"];
const security = [{ bearer: [] }];
const middleware = [requireAuth, requireAdmin];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keyset cursors (also for the activity lists): the last id of a page, opaque to clients. */
export const encodeCursor = (id: string) => btoa(id).replace(/=+$/, "");
export function decodeCursor(cursor: string): string | null {
  try {
    const id = atob(cursor);
    return UUID.test(id) ? id.toLowerCase() : null;
  } catch {
    return null;
  }
}

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ type: "integer", minimum: 1, maximum: 100, default: 50 }),
  cursor: z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" }),
  q: z.string().trim().max(254).refine(noNul, "must not contain NUL characters").optional().openapi({ description: "Email or name prefix" }),
});
const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, format: "uuid" }) });

const listUsers = createRoute({
  method: "get", path: "/users", tags, security, middleware, summary: "List users (keyset pagination)",
  request: { query: ListQuery },
  responses: {
    200: json(z.object({ users: z.array(User), nextCursor: z.string().nullable() }), "A page of users"),
    ...problems(400, 401, 403, 503),
  },
});
const createUser = createRoute({
  method: "post", path: "/users", tags, security, middleware, summary: "Create a user",
  request: {
    body: jsonBody({ email: Email, password: Password, name: Name.optional(), role: Role.optional(), emailVerified: z.boolean().optional() }),
  },
  responses: { 201: json(User, "Created"), ...problems(400, 401, 403, 409, 413, 415, 503) },
});
const getUser = createRoute({
  method: "get", path: "/users/{id}", tags, security, middleware, summary: "One user",
  request: { params: IdParam },
  responses: { 200: json(User, "The user"), ...problems(401, 403, 404, 503) },
});
const patchUser = createRoute({
  method: "patch", path: "/users/{id}", tags, security, middleware, summary: "Edit a user; disabling ends their sessions",
  request: {
    params: IdParam,
    body: jsonBody({ name: Name.nullable().optional(), role: Role.optional(), disabled: z.boolean().optional(), emailVerified: z.boolean().optional() }),
  },
  responses: { 200: json(User, "Updated"), ...problems(400, 401, 403, 404, 409, 413, 415, 503) },
});
const deleteUser = createRoute({
  method: "delete", path: "/users/{id}", tags, security, middleware, summary: "Delete a user and their sessions",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409, 503) },
});

const notFound = () => new ApiError(404, "not_found", "No such user.");
const lastAdmin = () => new ApiError(409, "last_admin", "The last active admin cannot be removed, demoted or disabled.");
/** A user id from the path, lower-cased; anything but a UUID is 404 (it names no user). */
export const userIdParam = (id: string) => {
  if (!UUID.test(id)) throw notFound();
  return id.toLowerCase();
};

export const userRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(listUsers, async (c) => {
    const { limit, cursor, q } = c.req.valid("query");
    let after: string | undefined;
    if (cursor) {
      const id = decodeCursor(cursor);
      if (!id) throw new ApiError(400, "validation_failed", "The cursor is not valid.", { errors: [{ path: "cursor", message: "is not a cursor from this API" }] });
      after = id;
    }
    // One row more than asked tells whether there is a next page without a count query.
    const rows = await c.get("frame").users.list({ limit: limit + 1, after, q: q || undefined });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null;
    return c.json({ users: page.map(toPublicUser), nextCursor: next }, 200);
  })
  .openapi(createUser, async (c) => {
    const s = c.get("frame");
    const body = c.req.valid("json");
    try {
      const user = await s.users.create({ ...body, name: body.name ?? null, passwordHash: await hashPassword(s, body.password) });
      s.logger.info("admin.user_created", { requestId: s.requestId, userId: s.auth.userId, targetId: user.id });
      recordEvent(c, { type: "user_created", userId: user.id, actorId: s.auth.userId, sessionId: s.auth.sessionId });
      return c.json(toPublicUser(user), 201);
    } catch (error) {
      if (error instanceof EmailTakenError) throw new ApiError(409, "email_taken", "An account with this email already exists.");
      throw error;
    }
  })
  .openapi(getUser, async (c) => {
    const user = await c.get("frame").users.findById(userIdParam(c.req.valid("param").id));
    if (!user) throw notFound();
    return c.json(toPublicUser(user), 200);
  })
  .openapi(patchUser, async (c) => {
    const s = c.get("frame");
    const id = userIdParam(c.req.valid("param").id);
    const patch = c.req.valid("json");
    const result = await s.users.updateGuarded(id, patch);
    if ("error" in result) throw result.error === "last_admin" ? lastAdmin() : notFound();
    if (patch.disabled === true) await revokeAllSessions(s, id);
    // Which fields changed, never their values (a name is personal data).
    s.logger.info("admin.user_updated", { requestId: s.requestId, userId: s.auth.userId, targetId: id, fields: Object.keys(patch).sort().join(",") });
    recordEvent(c, { type: "user_updated", userId: id, actorId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.json(toPublicUser(result.user), 200);
  })
  .openapi(deleteUser, async (c) => {
    const s = c.get("frame");
    const id = userIdParam(c.req.valid("param").id);
    const result = await s.users.deleteGuarded(id);
    if ("error" in result) throw result.error === "last_admin" ? lastAdmin() : notFound();
    await revokeAllSessions(s, id);
    // The account's own events go with it; the admin's act stays, naming the account it removed.
    await eraseActivity(c, id);
    s.logger.info("admin.user_deleted", { requestId: s.requestId, userId: s.auth.userId, targetId: id });
    recordEvent(c, { type: "user_deleted", userId: id, actorId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const usersContract = { listUsers, createUser, getUser, patchUser, deleteUser };
