import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AUDIT_TYPES } from "../audit";
import { requireAdmin, requireAuth } from "../auth/require-auth";
import type { AuditEventRow } from "../db/schema";
import { ApiError } from "../errors";
import { json, problems } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";
import { decodeCursor, encodeCursor } from "./users";

const security = [{ bearer: [] }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Limit = z.coerce.number().int().min(1).max(100).default(50).openapi({ type: "integer", minimum: 1, maximum: 100, default: 50 });
const Cursor = z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" });
const Type = z.enum(AUDIT_TYPES);

const Event = z
  .object({
    id: z.string(),
    type: Type,
    at: z.string().openapi({ format: "date-time" }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    sessionId: z.string().nullable().openapi({ description: "The sid of the session it happened in, or null" }),
  })
  .openapi("Event");
const AdminEvent = Event.extend({
  userId: z.string().nullable(),
  actorId: z.string().nullable().openapi({ description: "The admin who acted, or null" }),
}).openapi("AdminEvent");

const activity = createRoute({
  method: "get", path: "/users/me/activity", tags: ["Current user"], security, middleware: [requireAuth],
  summary: "What happened to your account (newest first)",
  request: { query: z.strictObject({ limit: Limit, cursor: Cursor }) },
  responses: { 200: json(z.object({ events: z.array(Event), nextCursor: z.string().nullable() }), "A page of events"), ...problems(400, 401, 503) },
});
const audit = createRoute({
  method: "get", path: "/audit", tags: ["User management (admin)"], security, middleware: [requireAuth, requireAdmin],
  summary: "Every account's events (newest first), filtered by user and type",
  request: {
    query: z.strictObject({
      limit: Limit,
      cursor: Cursor,
      userId: z.string().regex(UUID, "must be a user id").optional().openapi({ format: "uuid" }),
      type: Type.optional(),
    }),
  },
  responses: { 200: json(z.object({ events: z.array(AdminEvent), nextCursor: z.string().nullable() }), "A page of events"), ...problems(400, 401, 403, 503) },
});

function cursorId(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const id = decodeCursor(cursor);
  if (!id) throw new ApiError(400, "validation_failed", "The cursor is not valid.", { errors: [{ path: "cursor", message: "is not a cursor from this API" }] });
  return id;
}

/** One row more than asked tells whether there is a next page without a count query. */
function page<T extends { id: string }>(rows: T[], limit: number) {
  const events = rows.slice(0, limit);
  return { events, nextCursor: rows.length > limit ? encodeCursor(events[events.length - 1]!.id) : null };
}

function toEvent(row: AuditEventRow) {
  return { id: row.id, type: row.type as z.infer<typeof Type>, at: row.at.toISOString(), ip: row.ip, userAgent: row.userAgent, sessionId: row.sessionId };
}

/** The account's own activity, and the admin's audit log over every account. */
export const auditRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(activity, async (c) => {
    const s = c.get("frame");
    const { limit, cursor } = c.req.valid("query");
    const rows = await s.audit.list({ limit: limit + 1, before: cursorId(cursor), userId: s.auth.userId });
    const { events, nextCursor } = page(rows, limit);
    // An admin's act on the account happened on the admin's device: its address, browser and
    // session are the admin's, not the account holder's, and are not shown to the user.
    const mine = events.map((row) => (row.actorId ? { ...toEvent(row), ip: null, userAgent: null, sessionId: null } : toEvent(row)));
    return c.json({ events: mine, nextCursor }, 200);
  })
  .openapi(audit, async (c) => {
    const { limit, cursor, userId, type } = c.req.valid("query");
    const rows = await c.get("frame").audit.list({ limit: limit + 1, before: cursorId(cursor), userId: userId?.toLowerCase(), type });
    const { events, nextCursor } = page(rows, limit);
    return c.json({ events: events.map((row) => ({ ...toEvent(row), userId: row.userId, actorId: row.actorId })), nextCursor }, 200);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const auditContract = { activity, audit };
