import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { consumeCode, issueCode } from "../auth/codes";
import { verifyWithinLoginLimit } from "../auth/limits";
import { hashPassword, needsRehash, verifyPassword } from "../auth/password";
import { requireAuth } from "../auth/require-auth";
import { loadPublicUser } from "../auth/user-cache";
import { findRefreshToken, revokeAllSessions, revokeSession, rotateRefreshToken, type TokenPair as Pair } from "../auth/sessions";
import { redeemHandOffCode } from "../auth/providers/redeem";
import { signIn } from "../auth/sign-in";
import { recordEvent } from "../audit";
import { EmailTakenError } from "../db/errors";
import { ApiError, invalidCredentials, invalidToken } from "../errors";
import { codeMessage, sendInBackground } from "../mail/messages";
import { Code, Email, Empty, json, jsonBody, Name, Password, problems, TokenPair, toPublicUser, User } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

/** At login any string is tried, but never one bcrypt would silently cut (over 72 bytes). */
const LoginPassword = z
  .string()
  .min(1, "is required")
  .refine((s) => new TextEncoder().encode(s).length <= 72, "must be at most 72 bytes (bcrypt's limit)")
  .openapi({ type: "string", format: "password" });
/**
 * A token field is a token: any string is looked up (by its hash), and one that is not a live
 * refresh token is 401 invalid_token, whatever its length (an access token sent here is no
 * schema error). The body limit (MAX_BODY_BYTES) is what bounds it.
 */
const RefreshToken = z.string().openapi({ description: "The refresh token of a pair; anything else is 401 invalid_token" });

const tags = ["Auth"];

const register = createRoute({
  method: "post", path: "/auth/register", tags, summary: "Create an account and send a verification code",
  request: { body: jsonBody({ email: Email, password: Password, name: Name.optional() }) },
  responses: { 201: json(z.object({ user: User }), "Created (unverified)"), ...problems(400, 409, 413, 415, 429, 503) },
});
const verify = createRoute({
  method: "post", path: "/auth/verify", tags, summary: "Verify the email with its code and sign in",
  request: { body: jsonBody({ email: Email, code: Code }) },
  responses: { 200: json(TokenPair.extend({ user: User }), "Verified and signed in"), ...problems(400, 403, 429, 503) },
});
const resend = createRoute({
  method: "post", path: "/auth/verify/resend", tags, summary: "Send a new verification code (at most one a minute)",
  request: { body: jsonBody({ email: Email }) },
  responses: { 202: json(Empty, "Accepted, whatever the email"), ...problems(400, 429, 503) },
});
const login = createRoute({
  method: "post", path: "/auth/login", tags, summary: "Sign in with email and password",
  request: { body: jsonBody({ email: Email, password: LoginPassword }) },
  responses: { 200: json(TokenPair, "Signed in"), ...problems(400, 401, 403, 429, 503) },
});
const TokenForm = z.object({
  grant_type: z.enum(["password", "refresh_token", "authorization_code"]),
  username: Email.optional(),
  password: LoginPassword.optional(),
  refresh_token: RefreshToken.optional(),
  // authorization_code: a provider sign-in's hand-off code (auth/providers/redeem.ts checks them).
  code: z.string().min(1).max(200).optional(),
  code_verifier: z.string().min(1).max(200).optional(),
  redirect_uri: z.string().min(1).max(2000).optional(),
  // OAuth2 clients (Swagger UI, Scalar, FastAPI's) may send these; they are accepted and ignored.
  scope: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
const token = createRoute({
  method: "post", path: "/auth/token", tags, summary: "OAuth2 token endpoint (password, refresh_token and authorization_code grants)",
  request: {
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: TokenForm }, "multipart/form-data": { schema: TokenForm } },
    },
  },
  responses: { 200: json(TokenPair, "Token pair"), ...problems(400, 401, 403, 415, 429, 503) },
});
const refresh = createRoute({
  method: "post", path: "/auth/refresh", tags, summary: "Rotate a refresh token for a new pair in the same session",
  request: { body: jsonBody({ refresh_token: RefreshToken }) },
  responses: { 200: json(TokenPair, "New pair"), ...problems(400, 401, 429, 503) },
});
const logout = createRoute({
  method: "post", path: "/auth/logout", tags, summary: "End the session of this refresh token",
  request: { body: jsonBody({ refresh_token: RefreshToken }) },
  responses: { 204: { description: "Session ended (or the token was unknown)" }, ...problems(400, 429, 503) },
});
const logoutAll = createRoute({
  method: "post", path: "/auth/logout-all", tags, summary: "End every session of the current user",
  security: [{ bearer: [] }], middleware: [requireAuth],
  responses: { 204: { description: "Every session ended" }, ...problems(401, 429, 503) },
});
const forgot = createRoute({
  method: "post", path: "/auth/password/forgot", tags, summary: "Send a password reset code",
  request: { body: jsonBody({ email: Email }) },
  responses: { 202: json(Empty, "Accepted, whatever the email"), ...problems(400, 429, 503) },
});
const reset = createRoute({
  method: "post", path: "/auth/password/reset", tags, summary: "Set a new password with a reset code; ends every session",
  request: { body: jsonBody({ email: Email, code: Code, password: Password }) },
  responses: { 204: { description: "Password changed" }, ...problems(400, 429, 503) },
});

const invalidCode = () => new ApiError(400, "invalid_code", "The code is wrong or expired, or too many wrong codes were tried.");

/** Consumes the code or logs the rejection (never the code itself) and throws 400 invalid_code. */
async function requireCode(c: Context<AppEnv>, purpose: "verify-email" | "reset-password", email: string, code: string) {
  const s = c.get("frame");
  if (await consumeCode(s, purpose, email, code)) return;
  s.logger.warn("auth.code_rejected", { requestId: s.requestId, purpose });
  throw invalidCode();
}

/** The shared password check of /auth/login and /auth/token: same rules, same answers. */
async function passwordLogin(c: Context<AppEnv>, email: string, password: string): Promise<Pair> {
  const s = c.get("frame");
  const user = await s.users.findByEmail(email);
  // Always one bcrypt verify, against a dummy hash for unknown emails and password-less accounts: equal timing either way.
  const ok = await verifyWithinLoginLimit(s, email, async () => (await verifyPassword(s, password, user?.passwordHash)) && !!user?.passwordHash);
  if (!user || !user.passwordHash || !ok) {
    s.logger.warn("auth.login_failed", { requestId: s.requestId, userId: user?.id });
    if (user) recordEvent(c, { type: "login_failed", userId: user.id });
    throw invalidCredentials();
  }
  let hash = user.passwordHash;
  if (needsRehash(s, hash)) {
    const upgraded = await hashPassword(s, password);
    // Only over the hash just verified: a password reset that landed meanwhile must not be undone.
    if (await s.users.update(user.id, { passwordHash: upgraded }, { ifPasswordHash: hash })) hash = upgraded;
  }
  const { pair } = await signIn(c, user, {
    via: "pwd",
    // A different hash may just be a concurrent login's cost upgrade: then the password still verifies.
    stillValid: async (current) => current.passwordHash === hash || (await verifyPassword(s, password, current.passwordHash)),
  });
  return pair;
}

async function refreshPair(c: Context<AppEnv>, refreshToken: string): Promise<Pair> {
  const s = c.get("frame");
  const result = await rotateRefreshToken(s, refreshToken, async (uid, cached) => {
    // The cached copy read with the session check, else Postgres (refilling the copy).
    const user = await loadPublicUser(s, uid, cached);
    return user && !user.disabled ? user.role : null;
  });
  if ("refused" in result) {
    // The session was ended by the rotation script; the event names the session it was stolen from.
    if (result.refused === "reused") recordEvent(c, { type: "refresh_reuse_detected", userId: result.uid, sessionId: result.sid });
    throw invalidToken("The refresh token is invalid, expired, revoked or already used.");
  }
  return result;
}

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(register, async (c) => {
    const s = c.get("frame");
    const { email, password, name } = c.req.valid("json");
    let user;
    try {
      user = await s.users.create({ email, passwordHash: await hashPassword(s, password), name: name ?? null });
    } catch (error) {
      if (error instanceof EmailTakenError) throw new ApiError(409, "email_taken", "An account with this email already exists.");
      throw error;
    }
    let code;
    try {
      code = await issueCode(s, "verify-email", email);
    } catch (error) {
      // The store is down: undo the row, so a 503 means "nothing happened" and a retry is not 409 email_taken.
      await s.users.deleteGuarded(user.id).catch((undo: unknown) =>
        s.logger.error("auth.register_undo_failed", { requestId: s.requestId, userId: user.id, error: (undo as Error)?.name }),
      );
      throw error;
    }
    if (code) sendInBackground(c, codeMessage(email, "verify-email", code));
    s.logger.info("auth.registered", { requestId: s.requestId, userId: user.id });
    return c.json({ user: toPublicUser(user) }, 201);
  })
  .openapi(verify, async (c) => {
    const s = c.get("frame");
    const { email, code } = c.req.valid("json");
    await requireCode(c, "verify-email", email, code);
    const found = await s.users.findByEmail(email);
    if (!found) throw invalidCode();
    const verified = found.emailVerified ? found : ((await s.users.update(found.id, { emailVerified: true })) ?? found);
    if (!found.emailVerified) recordEvent(c, { type: "email_verified", userId: found.id });
    // The emailed code is the first factor: an account with TOTP still gets mfa_required here.
    const { pair, user } = await signIn(c, verified, { via: "otp" });
    s.logger.info("auth.email_verified", { requestId: s.requestId, userId: user.id });
    return c.json({ user: toPublicUser(user), ...pair }, 200);
  })
  .openapi(resend, async (c) => {
    const s = c.get("frame");
    const { email } = c.req.valid("json");
    const user = await s.users.findByEmail(email);
    if (user && !user.emailVerified && !user.disabled) {
      const code = await issueCode(s, "verify-email", email);
      if (code) sendInBackground(c, codeMessage(email, "verify-email", code));
    }
    return c.json({}, 202);
  })
  .openapi(login, async (c) => {
    const { email, password } = c.req.valid("json");
    return c.json(await passwordLogin(c, email, password), 200);
  })
  .openapi(token, async (c) => {
    const form = c.req.valid("form");
    if (form.grant_type === "refresh_token") {
      // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
      if (!form.refresh_token) throw missing("refresh_token");
      return c.json(await refreshPair(c, form.refresh_token), 200);
    }
    if (form.grant_type === "authorization_code") {
      if (!form.code) throw missing("code");
      if (!form.code_verifier) throw missing("code_verifier");
      if (!form.redirect_uri) throw missing("redirect_uri");
      return c.json(await redeemHandOffCode(c, { code: form.code, codeVerifier: form.code_verifier, redirectUri: form.redirect_uri }), 200);
    }
    if (!form.username) throw missing("username");
    if (!form.password) throw missing("password");
    return c.json(await passwordLogin(c, form.username, form.password), 200);
  })
  .openapi(refresh, async (c) => {
    return c.json(await refreshPair(c, c.req.valid("json").refresh_token), 200);
  })
  .openapi(logout, async (c) => {
    const s = c.get("frame");
    const record = await findRefreshToken(s, c.req.valid("json").refresh_token);
    if (record) {
      await revokeSession(s, record.sid, record.uid);
      recordEvent(c, { type: "logout", userId: record.uid, sessionId: record.sid });
    }
    return c.body(null, 204);
  })
  .openapi(logoutAll, async (c) => {
    const { auth } = c.get("frame");
    await revokeAllSessions(c.get("frame"), auth.userId);
    // One act, one event: "logout" from the session that asked (every session ended with it).
    recordEvent(c, { type: "logout", userId: auth.userId, sessionId: auth.sessionId });
    return c.body(null, 204);
  })
  .openapi(forgot, async (c) => {
    const s = c.get("frame");
    const { email } = c.req.valid("json");
    const user = await s.users.findByEmail(email);
    if (user) {
      const code = await issueCode(s, "reset-password", email);
      if (code) sendInBackground(c, codeMessage(email, "reset-password", code));
    }
    return c.json({}, 202);
  })
  .openapi(reset, async (c) => {
    const s = c.get("frame");
    const { email, code, password } = c.req.valid("json");
    await requireCode(c, "reset-password", email, code);
    const user = await s.users.findByEmail(email);
    if (!user) throw invalidCode();
    // Receiving the code proves the mailbox is theirs, so the email counts as verified too.
    await s.users.update(user.id, { passwordHash: await hashPassword(s, password), emailVerified: true });
    await revokeAllSessions(s, user.id);
    s.logger.info("auth.password_reset", { requestId: s.requestId, userId: user.id });
    recordEvent(c, { type: "password_reset", userId: user.id });
    return c.body(null, 204);
  });

function missing(field: string) {
  return new ApiError(400, "validation_failed", `${field} is required for this grant_type.`, {
    errors: [{ path: field, message: "is required" }],
  });
}

/** This file's route definitions: the typed client reads its request and response types from them. */
export const authContract = { register, verify, resend, login, token, refresh, logout, logoutAll, forgot, reset };
