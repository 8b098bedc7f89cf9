import type { Context } from "hono";
import { recordEvent } from "../../audit";
import { EmailTakenError } from "../../db/errors";
import type { UserRow } from "../../db/schema";
import type { AppEnv } from "../../services";
import { revokeAllSessions } from "../sessions";
import type { ProviderProfile } from "./upstream";

/**
 * Who a provider sign-in is, or why it is refused. `account_exists`: the email belongs to a user and
 * the provider does not vouch for it; `disabled`: the account is disabled; `no_email`: an unknown
 * provider account without a verified address (GitHub) or any address, so nothing to create a user with.
 */
export type LinkOutcome = { user: UserRow } | { refused: "account_exists" | "disabled" | "no_email" };

/**
 * API.md's linking rules, in order: (1) a known (provider, subject) signs in its user; (2) else an
 * email the provider vouches for that a user has: a verified user gets the identity linked, an
 * unverified one first loses its password and sessions and is marked verified (an account planted
 * in advance under someone else's address is taken back), then linked; (3) else a user with that
 * email: account_exists, nothing changes; (4) else a new user, email verified as the provider says,
 * the provider's name, no password.
 */
export async function resolveProviderUser(c: Context<AppEnv>, provider: string, profile: ProviderProfile, retried = false): Promise<LinkOutcome> {
  const s = c.get("frame");
  // The identity's email is only what the provider shows (the profile lists it); the user's stays as it is.
  const known = await s.identities.touch(provider, profile.subject, profile.email);
  if (known) {
    const user = await s.users.findById(known.userId);
    if (!user) throw new Error("identity without its user");
    return user.disabled ? { refused: "disabled" } : { user };
  }
  const existing = profile.email ? await s.users.findByEmail(profile.email) : null;
  if (existing && profile.emailVerified) {
    if (existing.disabled) return { refused: "disabled" };
    let user = existing;
    if (!existing.emailVerified) {
      // Never proven: whoever set that password may not own the mailbox. Password and sessions go first.
      user = (await s.users.update(existing.id, { passwordHash: null, emailVerified: true })) ?? existing;
      await revokeAllSessions(s, existing.id);
      s.logger.warn("auth.unverified_account_reclaimed", { requestId: s.requestId, userId: existing.id, provider });
      recordEvent(c, { type: "email_verified", userId: existing.id });
    }
    return link(c, provider, profile, user);
  }
  if (existing) return { refused: "account_exists" };
  if (!profile.email) return { refused: "no_email" };
  let created: UserRow;
  try {
    created = await s.users.create({ email: profile.email, passwordHash: null, name: profile.name, emailVerified: profile.emailVerified });
  } catch (error) {
    // Someone registered that email a moment ago (or a parallel callback created it): decide again, once.
    if (error instanceof EmailTakenError && !retried) return resolveProviderUser(c, provider, profile, true);
    throw error;
  }
  s.logger.info("auth.registered", { requestId: s.requestId, userId: created.id, provider });
  return link(c, provider, profile, created);
}

async function link(c: Context<AppEnv>, provider: string, profile: ProviderProfile, user: UserRow): Promise<LinkOutcome> {
  const s = c.get("frame");
  const { row, created } = await s.identities.link({ userId: user.id, provider, subject: profile.subject, email: profile.email });
  if (created) {
    s.logger.info("auth.identity_linked", { requestId: s.requestId, userId: user.id, provider });
    recordEvent(c, { type: "identity_linked", userId: user.id });
    return { user };
  }
  // A parallel callback for the same provider account linked it first: that link stands.
  const owner = row.userId === user.id ? user : await s.users.findById(row.userId);
  if (!owner) throw new Error("identity without its user");
  return owner.disabled ? { refused: "disabled" } : { user: owner };
}
