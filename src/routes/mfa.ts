import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordEvent } from "../audit";
import { consumeMfaToken, readMfaToken } from "../auth/mfa-token";
import { requireAdmin, requireAuth } from "../auth/require-auth";
import { mintRecoveryCodes, useSecondFactor, type SecondFactorMethod } from "../auth/second-factor";
import { amrOf, sessionKey } from "../auth/session-keys";
import { liveSession, revokeAllSessions } from "../auth/sessions";
import { signIn, type FirstFactor } from "../auth/sign-in";
import { otpauthUri } from "../auth/totp";
import { confirmEnrollment, startEnrollment } from "../auth/totp-enrollment";
import { ApiError, invalidToken } from "../errors";
import { Code, json, jsonBody, problems, TokenPair } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";
import { confirmPassword, currentUser } from "./me";

const security = [{ bearer: [] }];
const me = { tags: ["Two-step sign-in"], security, middleware: [requireAuth] };
/** A TOTP code (6 digits) or a recovery code (`xxxxx-xxxxx`, case and dash ignored). */
const AnyCode = z.string().trim().min(1, "is required").max(40).openapi({ type: "string", example: "123456" });
const Password = z.string().min(1, "is required").max(1024).openapi({ type: "string", format: "password" });
const RecoveryCodes = z.array(z.string()).openapi({ example: ["7kq2m-x9d4h"] });

const verify = createRoute({
  method: "post", path: "/auth/mfa/verify", tags: ["Auth"], summary: "The second step of a sign-in: a TOTP or a recovery code",
  request: { body: jsonBody({ mfa_token: z.string().min(1).max(200), method: z.enum(["totp", "recovery_code"]), code: AnyCode }) },
  responses: { 200: json(TokenPair, "Signed in (aal2)"), ...problems(400, 401, 403, 413, 415, 429, 503) },
});
const status = createRoute({
  method: "get", path: "/users/me/mfa", ...me, summary: "Whether TOTP is on, and how many recovery codes are left",
  responses: { 200: json(z.object({ totp: z.boolean(), recoveryCodesRemaining: z.number().int() }), "Second factors"), ...problems(401, 503) },
});
const enroll = createRoute({
  method: "post", path: "/users/me/mfa/totp", ...me, summary: "Start adding an authenticator app (a new secret each call; 10 minutes)",
  request: { body: jsonBody({ password: Password }) },
  responses: { 200: json(z.object({ secret: z.string(), otpauth_uri: z.string() }), "Pending enrollment"), ...problems(400, 401, 409, 413, 415, 429, 503) },
});
const confirm = createRoute({
  method: "post", path: "/users/me/mfa/totp/confirm", ...me, summary: "Turn TOTP on with a code; ends the other sessions",
  request: { body: jsonBody({ code: Code }) },
  responses: { 200: json(TokenPair.extend({ recovery_codes: RecoveryCodes }), "TOTP is on"), ...problems(400, 401, 403, 409, 413, 415, 503) },
});
const regenerate = createRoute({
  method: "post", path: "/users/me/mfa/recovery-codes", ...me, summary: "New recovery codes (the old ones stop working)",
  request: { body: jsonBody({ code: Code }) },
  responses: { 200: json(z.object({ recovery_codes: RecoveryCodes }), "New codes"), ...problems(400, 401, 409, 413, 415, 503) },
});
const disable = createRoute({
  method: "delete", path: "/users/me/mfa/totp", ...me, summary: "Turn TOTP off (with a TOTP or recovery code); ends the other sessions",
  request: { body: jsonBody({ code: AnyCode }) },
  responses: { 204: { description: "TOTP is off" }, ...problems(400, 401, 409, 413, 415, 503) },
});
const adminReset = createRoute({
  method: "delete", path: "/users/{id}/mfa", tags: ["User management (admin)"], security, middleware: [requireAuth, requireAdmin],
  summary: "Remove a user's TOTP and recovery codes (lost phone); ends their sessions",
  request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, format: "uuid" }) }) },
  responses: { 204: { description: "Removed" }, ...problems(401, 403, 404, 409, 503) },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIRST_FACTORS: FirstFactor[] = ["pwd", "otp", "hwk", "fed"];
const invalidCode = () => new ApiError(400, "invalid_code", "The code is wrong or already used, or too many wrong codes were tried.");
const notEnabled = () => new ApiError(409, "mfa_not_enabled", "Two-step sign-in is not on for this account.");
const badMfaToken = () => invalidToken("The mfa_token is unknown, expired or already used.");

/** Uses a second-factor code of `userId`, or records the failure (never the code) and throws 400 invalid_code. */
async function requireSecondFactor(c: Context<AppEnv>, userId: string, method: SecondFactorMethod, code: string): Promise<void> {
  const s = c.get("frame");
  if (await useSecondFactor(s, userId, method, code)) {
    if (method === "recovery_code") recordEvent(c, { type: "recovery_code_used", userId, sessionId: s.auth?.sessionId });
    return;
  }
  s.logger.warn("auth.mfa_failed", { requestId: s.requestId, userId, method });
  recordEvent(c, { type: "mfa_failed", userId, sessionId: s.auth?.sessionId });
  throw invalidCode();
}

/** How the caller's session was first signed in (its amr), to carry over into the session that replaces it. */
async function sessionFirstFactor(c: Context<AppEnv>): Promise<FirstFactor> {
  const s = c.get("frame");
  const session = liveSession(await s.store.get(sessionKey(s.auth.sessionId)), s.auth.userId, s.clock.now());
  const amr = session ? amrOf(session.amr) : [];
  const found = FIRST_FACTORS.find((f) => amr.includes(f));
  if (!found) throw invalidToken("The session has ended.");
  return found;
}

export const mfaRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(verify, async (c) => {
    const s = c.get("frame");
    const { mfa_token, method, code } = c.req.valid("json");
    // Read, not used up: a mistyped code may be tried again with the same token (under the per-user budget).
    const ticket = await readMfaToken(s, mfa_token);
    if (!ticket) throw badMfaToken();
    await requireSecondFactor(c, ticket.uid, method, code);
    // Used up atomically: of parallel second steps on one token, at most one gets a session.
    if (!(await consumeMfaToken(s, mfa_token))) throw badMfaToken();
    const user = await s.users.findById(ticket.uid);
    if (!user) throw badMfaToken();
    const { pair } = await signIn(c, user, { via: ticket.via, secondFactor: true });
    return c.json(pair, 200);
  })
  .openapi(status, async (c) => {
    const s = c.get("frame");
    const totp = await s.factors.hasTotp(s.auth.userId);
    return c.json({ totp, recoveryCodesRemaining: totp ? await s.factors.recoveryCodesRemaining(s.auth.userId) : 0 }, 200);
  })
  .openapi(enroll, async (c) => {
    const s = c.get("frame");
    const user = await currentUser(c);
    if (await s.factors.hasTotp(user.id)) throw new ApiError(409, "mfa_already_enabled", "An authenticator app is already set up.");
    await confirmPassword(c, user, c.req.valid("json").password);
    const secret = await startEnrollment(s, user.id);
    // The issuer is the service's display name (WEBAUTHN_RP_NAME, default "edge-auth"): what the app lists.
    return c.json({ secret, otpauth_uri: otpauthUri(secret, s.config.serviceName, user.email) }, 200);
  })
  .openapi(confirm, async (c) => {
    const s = c.get("frame");
    const user = await currentUser(c);
    const via = await sessionFirstFactor(c);
    const outcome = await confirmEnrollment(s, user.id, c.req.valid("json").code);
    if (outcome.status === "already_enabled") throw new ApiError(409, "mfa_already_enabled", "An authenticator app is already set up.");
    if (outcome.status === "invalid_code") {
      s.logger.warn("auth.mfa_failed", { requestId: s.requestId, userId: user.id, method: "totp" });
      recordEvent(c, { type: "mfa_failed", userId: user.id, sessionId: s.auth.sessionId });
      throw invalidCode();
    }
    recordEvent(c, { type: "mfa_enabled", userId: user.id, sessionId: s.auth.sessionId });
    // Every session ends, the caller's too; the caller goes on in a new one at aal2 through the
    // gate (same first factor, now with the second). A session started elsewhere meanwhile already
    // needed the second step: TOTP was on before this revocation.
    await revokeAllSessions(s, user.id);
    const { pair } = await signIn(c, user, { via, secondFactor: true });
    s.logger.info("auth.mfa_enabled", { requestId: s.requestId, userId: user.id });
    return c.json({ recovery_codes: outcome.recoveryCodes, ...pair }, 200);
  })
  .openapi(regenerate, async (c) => {
    const s = c.get("frame");
    const userId = s.auth.userId;
    if (!(await s.factors.hasTotp(userId))) throw notEnabled();
    await requireSecondFactor(c, userId, "totp", c.req.valid("json").code);
    const { codes, hashes } = await mintRecoveryCodes(s, userId);
    if (!(await s.factors.replaceRecoveryCodes(userId, hashes))) throw notEnabled();
    recordEvent(c, { type: "recovery_codes_regenerated", userId, sessionId: s.auth.sessionId });
    s.logger.info("auth.recovery_codes_regenerated", { requestId: s.requestId, userId });
    return c.json({ recovery_codes: codes }, 200);
  })
  .openapi(disable, async (c) => {
    const s = c.get("frame");
    const userId = s.auth.userId;
    if (!(await s.factors.hasTotp(userId))) throw notEnabled();
    const code = c.req.valid("json").code;
    await requireSecondFactor(c, userId, /^\d{6}$/.test(code) ? "totp" : "recovery_code", code);
    if (!(await s.factors.removeTotp(userId))) throw notEnabled();
    await revokeAllSessions(s, userId, s.auth.sessionId);
    recordEvent(c, { type: "mfa_disabled", userId, sessionId: s.auth.sessionId });
    s.logger.info("auth.mfa_disabled", { requestId: s.requestId, userId });
    return c.body(null, 204);
  })
  .openapi(adminReset, async (c) => {
    const s = c.get("frame");
    const raw = c.req.valid("param").id;
    const id = UUID.test(raw) ? raw.toLowerCase() : null;
    if (!id || !(await s.users.findById(id))) throw new ApiError(404, "not_found", "No such user.");
    if (!(await s.factors.removeTotp(id))) throw notEnabled();
    await revokeAllSessions(s, id);
    recordEvent(c, { type: "mfa_reset", userId: id, actorId: s.auth.userId });
    s.logger.info("admin.mfa_reset", { requestId: s.requestId, userId: s.auth.userId, targetId: id });
    return c.body(null, 204);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const mfaContract = { verify, status, enroll, confirm, regenerate, disable, adminReset };
