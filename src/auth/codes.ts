import type { Services } from "../services";
import { sha256, timingSafeEqual } from "./crypto";
import type { MailPurpose } from "../mail/mailer";

export const CODE_TTL_SECONDS = 600;
export const CODE_ATTEMPTS = 5;
export const CODE_ATTEMPT_WINDOW_SECONDS = 900;
export const CODE_SEND_COOLDOWN_SECONDS = 60;

type Deps = Pick<Services, "store" | "config" | "clock">;
type CodeRecord = { digest: string; exp: number };

const codeKey = (purpose: MailPurpose, email: string) => `otp:${purpose}:${email}`;
// One attempt budget per email, shared by verification and reset codes, untouched by resends.
const attemptsKey = (email: string) => `otpa:${email}`;
const cooldownKey = (purpose: MailPurpose, email: string) => `otps:${purpose}:${email}`;

/** Keyed with the JWT secret: a leaked store does not let anyone brute-force codes offline. */
const digest = (deps: Deps, purpose: MailPurpose, email: string, code: string) =>
  sha256(`${deps.config.jwt.secret}:${purpose}:${email}:${code}`);

/** Six uniformly random digits (rejection sampling, so no digit is more likely than another). */
export function randomCode(): string {
  const buf = new Uint32Array(1);
  const limit = 4_294_000_000; // largest multiple of 1e6 below 2^32
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < limit) return String(buf[0]! % 1_000_000).padStart(6, "0");
  }
}

/**
 * Issues a new code (replacing any earlier one) unless one was sent in the last minute.
 * Returns the code to send, or null when the cooldown holds.
 */
export async function issueCode(deps: Deps, purpose: MailPurpose, email: string): Promise<string | null> {
  const { store, clock } = deps;
  const claimed = await store.setIfAbsent(cooldownKey(purpose, email), "1", CODE_SEND_COOLDOWN_SECONDS);
  if (claimed !== null) return null;
  const code = randomCode();
  const record: CodeRecord = { digest: await digest(deps, purpose, email, code), exp: clock.now() + CODE_TTL_SECONDS * 1000 };
  await store.set(codeKey(purpose, email), JSON.stringify(record), CODE_TTL_SECONDS);
  return code;
}

/**
 * Checks and consumes a code. Every try takes one unit of the email's budget first (atomic
 * increment), so concurrent guesses cannot exceed it; a correct code clears the budget.
 */
export async function consumeCode(deps: Deps, purpose: MailPurpose, email: string, code: string): Promise<boolean> {
  const { store, clock } = deps;
  const tries = await store.increment(attemptsKey(email), CODE_ATTEMPT_WINDOW_SECONDS);
  if (tries > CODE_ATTEMPTS) return false;
  const raw = await store.get(codeKey(purpose, email));
  if (!raw) return false;
  const record = JSON.parse(raw) as CodeRecord;
  if (record.exp <= clock.now()) return false;
  // Timing-safe: the comparison must not reveal how many leading characters matched.
  if (!timingSafeEqual(record.digest, await digest(deps, purpose, email, code))) return false;
  // Single use: only the caller that deletes the record wins a race between two correct tries.
  if ((await store.getAndDelete(codeKey(purpose, email))) !== raw) return false;
  await store.delete(attemptsKey(email));
  return true;
}
