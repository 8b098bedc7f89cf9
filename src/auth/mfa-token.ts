import type { Services } from "../services";
import { base64url, randomBytes, sha256 } from "./crypto";
import type { FirstFactor } from "./sign-in";

type Deps = Pick<Services, "store" | "clock">;

/** 5 minutes to finish the second step (API.md "Two-step sign-in"). */
export const MFA_TOKEN_TTL_SECONDS = 300;

/** What an mfa_token stands for: the user who gave the first factor, and which one. */
export type MfaTicket = { uid: string; via: FirstFactor };

const mfaKey = (hash: string) => `mfa:${hash}`;
const FIRST_FACTORS = new Set<unknown>(["pwd", "otp", "fed"]);

/** A new opaque mfa_token (256 random bits); the store keeps only its hash, for 5 minutes. */
export async function issueMfaToken(deps: Deps, uid: string, via: FirstFactor): Promise<string> {
  const token = base64url(randomBytes(32));
  await deps.store.set(mfaKey(await sha256(`mfa:${token}`)), JSON.stringify({ uid, via } satisfies MfaTicket), MFA_TOKEN_TTL_SECONDS);
  return token;
}

function parse(raw: string | null): MfaTicket | null {
  if (!raw) return null;
  const ticket = JSON.parse(raw) as Partial<MfaTicket>;
  return typeof ticket.uid === "string" && FIRST_FACTORS.has(ticket.via) ? (ticket as MfaTicket) : null;
}

/** The ticket of a live mfa_token without using it up (a mistyped code may be tried again), or null. */
export async function readMfaToken(deps: Deps, token: string): Promise<MfaTicket | null> {
  if (token.length > 100) return null;
  return parse(await deps.store.get(mfaKey(await sha256(`mfa:${token}`))));
}

/**
 * Uses the mfa_token up, atomically (getAndDelete): of parallel second steps on one token, exactly
 * one gets the ticket and finishes the sign-in. Null when unknown, expired or already used.
 */
export async function consumeMfaToken(deps: Deps, token: string): Promise<MfaTicket | null> {
  if (token.length > 100) return null;
  return parse(await deps.store.getAndDelete(mfaKey(await sha256(`mfa:${token}`))));
}
