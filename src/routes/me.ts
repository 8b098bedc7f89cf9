import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { verifyWithinLoginLimit } from "../auth/limits";
import { hashPassword, verifyPassword } from "../auth/password";
import { requireAuth } from "../auth/require-auth";
import { revokeAllSessions } from "../auth/sessions";
import { cacheUser } from "../auth/user-cache";
import { eraseActivity, recordEvent } from "../audit";
import type { UserRow } from "../db/schema";
import { ApiError, invalidToken } from "../errors";
import { json, jsonBody, Name, Password, problems, toPublicUser, User } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

const tags = ["Current user"];
const security = [{ bearer: [] }];
const middleware = [requireAuth];
const CurrentPassword = z.string().min(1, "is required").max(1024).openapi({ type: "string", format: "password" });

const getMe = createRoute({
  method: "get", path: "/users/me", tags, security, middleware, summary: "The current user",
  responses: { 200: json(User, "The current user"), ...problems(401, 503) },
});
const patchMe = createRoute({
  method: "patch", path: "/users/me", tags, security, middleware, summary: "Edit the current user's profile",
  request: { body: jsonBody({ name: Name.nullable().optional() }) },
  responses: { 200: json(User, "Updated"), ...problems(400, 401, 413, 415, 503) },
});
const changePassword = createRoute({
  method: "post", path: "/users/me/password", tags, security, middleware, summary: "Change password; ends the other sessions",
  request: { body: jsonBody({ currentPassword: CurrentPassword, newPassword: Password }) },
  responses: { 204: { description: "Changed" }, ...problems(400, 401, 413, 415, 429, 503) },
});
const deleteMe = createRoute({
  method: "delete", path: "/users/me", tags, security, middleware, summary: "Delete the current user and every session",
  request: { body: jsonBody({ password: CurrentPassword }) },
  responses: { 204: { description: "Deleted" }, ...problems(400, 401, 409, 413, 415, 429, 503) },
});

/** The signed-in user as the database has it now (401 when the account is gone or disabled). */
export async function currentUser(c: Context<AppEnv>): Promise<UserRow> {
  const s = c.get("frame");
  const user = await s.users.findById(s.auth.userId);
  // A deleted user's sessions are revoked; this covers the moment in between.
  if (!user || user.disabled) throw invalidToken("The session has ended.");
  return user;
}

/**
 * Re-checks the password of a signed-in user, under the same failed-login budget as /auth/login.
 * Returns the hash it verified (an account without a password never passes: dummy-hash timing).
 */
export async function confirmPassword(c: Context<AppEnv>, user: UserRow, password: string): Promise<string> {
  const s = c.get("frame");
  const ok = await verifyWithinLoginLimit(s, user.email, async () => (await verifyPassword(s, password, user.passwordHash)) && !!user.passwordHash);
  if (!ok || !user.passwordHash) {
    s.logger.warn("auth.password_confirm_failed", { requestId: s.requestId, userId: user.id });
    throw new ApiError(401, "invalid_credentials", "The password is incorrect.");
  }
  return user.passwordHash;
}

export const meRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(getMe, async (c) => {
    // Fast path: the copy read with the session check; a miss reads Postgres and refills it.
    const cached = c.get("frame").auth.cachedUser;
    if (cached && !cached.disabled) return c.json(cached, 200);
    const user = await currentUser(c);
    return c.json(await cacheUser(c.get("frame").store, user), 200);
  })
  .openapi(patchMe, async (c) => {
    const user = await currentUser(c);
    const { name } = c.req.valid("json");
    if (name === undefined) return c.json(toPublicUser(user), 200);
    const updated = await c.get("frame").users.update(user.id, { name });
    if (!updated) throw invalidToken("The session has ended.");
    return c.json(toPublicUser(updated), 200);
  })
  .openapi(changePassword, async (c) => {
    const s = c.get("frame");
    const user = await currentUser(c);
    const { currentPassword, newPassword } = c.req.valid("json");
    const confirmed = await confirmPassword(c, user, currentPassword);
    // Only over the hash just confirmed: a reset that landed meanwhile (and ended this session) wins.
    const changed = await s.users.update(user.id, { passwordHash: await hashPassword(s, newPassword) }, { ifPasswordHash: confirmed });
    if (!changed) throw new ApiError(401, "invalid_credentials", "The password is incorrect.");
    await revokeAllSessions(s, user.id, s.auth.sessionId);
    s.logger.info("auth.password_changed", { requestId: s.requestId, userId: user.id });
    recordEvent(c, { type: "password_changed", userId: user.id, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  })
  .openapi(deleteMe, async (c) => {
    const s = c.get("frame");
    const user = await currentUser(c);
    await confirmPassword(c, user, c.req.valid("json").password);
    const result = await s.users.deleteGuarded(user.id);
    if ("error" in result) {
      if (result.error === "last_admin") throw new ApiError(409, "last_admin", "The last active admin cannot be deleted.");
      throw invalidToken("The session has ended.");
    }
    await revokeAllSessions(s, user.id);
    // The account's own events go with it (API.md); nothing is recorded about a self-deletion.
    await eraseActivity(c, user.id);
    s.logger.info("user.deleted_self", { requestId: s.requestId, userId: user.id });
    return c.body(null, 204);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const meContract = { getMe, patchMe, changePassword, deleteMe };
