import { createMiddleware } from "hono/factory";
import { ApiError, invalidToken } from "../errors";
import type { AppEnv } from "../services";
import { readSession } from "./sessions";
import { verifyAccessToken } from "./tokens";

/**
 * Bearer access tokens: verifies the JWT (pinned alg, iss, aud, our clock), then checks in the
 * store that its session is still alive, so logout and revocation take effect at once.
 */
export const requireAuth = createMiddleware<AppEnv>(async function requireAuth(c, next) {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match) throw invalidToken("A bearer access token is required.");
  const s = c.get("frame");
  let claims;
  try {
    claims = await verifyAccessToken(s.config, match[1]!, s.clock.now());
  } catch {
    throw invalidToken();
  }
  // One store round trip: the session, and the user's cached public view for GET /users/me.
  const session = await readSession(s, claims.sid, claims.sub);
  if (!session.alive) throw invalidToken("The session has ended.");
  s.auth = { userId: claims.sub, sessionId: claims.sid, role: claims.role, cachedUser: session.user ?? undefined };
  await next();
});

/**
 * Admin routes read the caller's role from the database, not from the token, so a demotion or
 * a disable takes effect on the next request rather than when the access token expires.
 */
export const requireAdmin = createMiddleware<AppEnv>(async function requireAdmin(c, next) {
  const s = c.get("frame");
  const user = await s.users.findById(s.auth.userId);
  if (!user) throw invalidToken("The session has ended.");
  if (user.role !== "admin" || user.disabled) throw new ApiError(403, "forbidden", "Administrators only.");
  await next();
});
