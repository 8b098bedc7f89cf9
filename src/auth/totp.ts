import { Secret, TOTP } from "otpauth";

// RFC 6238 as every authenticator app reads it (API.md "Two-step sign-in").
const ALGORITHM = "SHA1";
const DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** One step either side of now: a phone clock a little off, or a code typed as it turned over. */
const WINDOW = 1;

/** A new random TOTP secret, base32 (160 bits: RFC 4226's recommended length for SHA-1). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI authenticator apps scan (as a QR code) to add the account. */
export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, algorithm: ALGORITHM, digits: DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) }).toString();
}

/** The 30 s step a time (ms) falls in. */
export const totpStepAt = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/**
 * The step a code belongs to, within one step either side of `nowMs` (the app's clock), or null.
 * This only says the code is right: using a step once is the caller's job (the factor repo's
 * conditional update on last_step). otpauth compares in constant time.
 */
export function matchTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secretBase32),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: nowMs,
    window: WINDOW,
  });
  return delta === null ? null : totpStepAt(nowMs) + delta;
}
