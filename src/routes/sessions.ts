import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { recordEvent } from "../audit";
import { requireAdmin, requireAuth } from "../auth/require-auth";
import { listSessions, ownsSession, type SessionView } from "../auth/session-list";
import { revokeAllSessions, revokeSession } from "../auth/sessions";
import { ApiError } from "../errors";
import { json, problems } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";
import { userIdParam } from "./users";

const security = [{ bearer: [] }];

const Session = z
  .object({
    id: z.string().openapi({ description: "The session id: the access tokens' sid" }),
    current: z.boolean().openapi({ description: "True for the caller's own session" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    lastSeenAt: z.string().openapi({ format: "date-time", description: "The last sign-in or refresh" }),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    amr: z.array(z.enum(["pwd", "otp", "hwk", "fed", "mfa"])),
    aal: z.enum(["aal1", "aal2"]),
  })
  .openapi("Session");
const SessionList = z.object({ sessions: z.array(Session) });
const SidParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });
const UserParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, format: "uuid" }) });

const mine = { tags: ["Current user"], security, middleware: [requireAuth] };
const admin = { tags: ["User management (admin)"], security, middleware: [requireAuth, requireAdmin] };

const listMine = createRoute({
  method: "get", path: "/users/me/sessions", ...mine, summary: "Where you're signed in (newest first)",
  responses: { 200: json(SessionList, "The caller's live sessions"), ...problems(401, 503) },
});
const endMine = createRoute({
  method: "delete", path: "/users/me/sessions/{id}", ...mine, summary: "End one of your sessions (its access tokens too)",
  request: { params: SidParam },
  responses: { 204: { description: "Ended" }, ...problems(401, 404, 503) },
});
const listUsers = createRoute({
  method: "get", path: "/users/{id}/sessions", ...admin, summary: "A user's live sessions",
  request: { params: UserParam },
  responses: { 200: json(SessionList, "The user's live sessions"), ...problems(401, 403, 404, 503) },
});
const endUsers = createRoute({
  method: "delete", path: "/users/{id}/sessions", ...admin, summary: "End every session of a user",
  request: { params: UserParam },
  responses: { 204: { description: "Every session ended" }, ...problems(401, 403, 404, 503) },
});

const toJson = (view: SessionView, current: boolean) => ({
  ...view,
  current,
  createdAt: new Date(view.createdAt).toISOString(),
  lastSeenAt: new Date(view.lastSeenAt).toISOString(),
});
const noSuchSession = () => new ApiError(404, "not_found", "No such session.");

/** The sessions list and ending sessions: the user's own, and an admin's view of any user's. */
export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  // The /users/me routes first: /users/{id}/sessions would otherwise take "me" as an id.
  .openapi(listMine, async (c) => {
    const s = c.get("frame");
    const sessions = await listSessions(s, s.auth.userId);
    return c.json({ sessions: sessions.map((v) => toJson(v, v.id === s.auth.sessionId)) }, 200);
  })
  .openapi(endMine, async (c) => {
    const s = c.get("frame");
    const { id } = c.req.valid("param");
    // Another user's session (or none) is the same 404: a session id reveals nothing about others.
    if (!(await ownsSession(s, s.auth.userId, id))) throw noSuchSession();
    await revokeSession(s, id, s.auth.userId);
    recordEvent(c, { type: "session_revoked", userId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  })
  .openapi(listUsers, async (c) => {
    const s = c.get("frame");
    const user = await s.users.findById(userIdParam(c.req.valid("param").id));
    if (!user) throw new ApiError(404, "not_found", "No such user.");
    const sessions = await listSessions(s, user.id);
    return c.json({ sessions: sessions.map((v) => toJson(v, false)) }, 200);
  })
  .openapi(endUsers, async (c) => {
    const s = c.get("frame");
    const user = await s.users.findById(userIdParam(c.req.valid("param").id));
    if (!user) throw new ApiError(404, "not_found", "No such user.");
    await revokeAllSessions(s, user.id);
    recordEvent(c, { type: "sessions_revoked", userId: user.id, actorId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const sessionsContract = { listMine, endMine, listUsers, endUsers };
