import type { Context } from "hono";
import { recordEvent } from "../audit";
import type { UserRow } from "../db/schema";
import { ApiError, invalidCredentials } from "../errors";
import { clientAddress } from "../middleware";
import type { AppEnv } from "../services";
import { issueMfaToken } from "./mfa-token";
import type { Aal, Amr } from "./session-keys";
import { revokeSession, startSession, type TokenPair } from "./sessions";

/**
 * How the person just proved who they are. `pwd`: a password; `otp`: an emailed code (/auth/verify);
 * `hwk`: a passkey with user verification (multi-factor by itself); `fed`: an external provider.
 */
export type FirstFactor = "pwd" | "otp" | "hwk" | "fed";

export type SignInRequest = {
  via: FirstFactor;
  /** Set only by the second step (/auth/mfa/verify): the TOTP or recovery code was right. */
  secondFactor?: boolean;
  /**
   * Re-checked on the user as re-read AFTER the session was registered (see below): false ends
   * that session and answers 401 invalid_credentials. Password logins pass "the password still verifies".
   */
  stillValid?: (current: UserRow) => Promise<boolean>;
};

export type SignedIn = { sessionId: string; pair: TokenPair; user: UserRow };

export const forbidden = () => new ApiError(403, "forbidden", "This account is disabled.");

/** amr and aal of a sign-in (API.md "Objects"): a passkey or a second factor is aal2. */
export function assuranceOf(via: FirstFactor, secondFactor: boolean): { amr: Amr[]; aal: Aal } {
  if (!secondFactor) return { amr: [via], aal: via === "hwk" ? "aal2" : "aal1" };
  return { amr: [...new Set<Amr>([via, "otp", "mfa"])], aal: "aal2" };
}

/**
 * THE gate: every way in ends here, and this is the only caller of startSession. In the contract's
 * order: a disabled account is refused; on the password path an unverified email is refused (when
 * verification is required); an account with TOTP that has given one factor gets mfa_required
 * (with an mfa_token, and no session); otherwise a session starts with its amr, aal and auth_time.
 * Callers run this only after the first factor was proven: account state is revealed to no one else.
 */
export async function signIn(c: Context<AppEnv>, user: UserRow, request: SignInRequest): Promise<SignedIn> {
  const s = c.get("frame");
  const { via, secondFactor = false } = request;
  if (user.disabled) throw forbidden();
  if (via === "pwd" && s.config.requireEmailVerification && !user.emailVerified) {
    throw new ApiError(403, "email_not_verified", "Verify your email before signing in.");
  }
  // A passkey is already two factors; everything else needs the second step once TOTP is on.
  if (!secondFactor && via !== "hwk" && (await s.factors.hasTotp(user.id))) {
    const mfaToken = await issueMfaToken(s, user.id, via);
    s.logger.info("auth.mfa_required", { requestId: s.requestId, userId: user.id });
    throw new ApiError(403, "mfa_required", "Enter the code from your authenticator app.", {
      fields: { mfa_token: mfaToken, methods: ["totp", "recovery_code"] },
    });
  }
  const { amr, aal } = assuranceOf(via, secondFactor);
  const authTime = Math.floor(s.clock.now() / 1000);
  const device = { userAgent: c.req.header("user-agent") ?? null, ip: clientAddress(c) };
  const { sessionId, pair } = await startSession(s, user, { amr, aal, authTime }, device);
  // A password change or reset, a disable or a delete that committed while this sign-in was being
  // checked has already run revokeAllSessions, which could not see the session started just now.
  // Re-reading the user after the session exists closes that gap: either this read sees the
  // change, or that revocation runs after the session was registered and ends it.
  const current = await s.users.findById(user.id);
  const valid = current !== null && !current.disabled && (!request.stillValid || (await request.stillValid(current)));
  if (!valid) {
    await revokeSession(s, sessionId, user.id);
    throw current?.disabled ? forbidden() : invalidCredentials();
  }
  s.logger.info("auth.login", { requestId: s.requestId, userId: user.id, sessionId });
  recordEvent(c, { type: "login", userId: user.id, sessionId });
  return { sessionId, pair, user: current };
}
