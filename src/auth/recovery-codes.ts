import { sha256 } from "./crypto";

/**
 * Crockford's base32 alphabet, lower-case: 32 symbols (5 bits each) without i, l, o and u; when
 * read back, o counts as 0 and i or l as 1, so a code copied by hand still works.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const READ_AS: Record<string, string> = { o: "0", i: "1", l: "1" };
export const RECOVERY_CODE_COUNT = 10;

/** Ten new codes, `xxxxx-xxxxx`: 10 symbols of 5 random bits each (50 bits), shown to the user once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    // 256 is a multiple of 32: byte & 31 picks every symbol with the same chance.
    const symbols = [...crypto.getRandomValues(new Uint8Array(10))].map((b) => ALPHABET[b & 31]).join("");
    return `${symbols.slice(0, 5)}-${symbols.slice(5)}`;
  });
}

/** The canonical form of what a user typed (case, dashes and spaces ignored), or null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const plain = input.toLowerCase().replace(/[\s-]/g, "").replace(/[oil]/g, (ch) => READ_AS[ch]!);
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(plain) ? plain : null;
}

/**
 * The stored form of a code. A fast hash is enough here, unlike for passwords: 50 random bits
 * cannot be guessed online (5 wrong codes per 15 minutes), and offline the hash is keyed with
 * DATA_ENCRYPTION_KEY, which is not in the database, so a leaked table alone cannot be searched.
 * Deterministic, so one conditional UPDATE finds and uses a code by its hash.
 */
export function hashRecoveryCode(pepper: string, userId: string, canonical: string): Promise<string> {
  return sha256(`${pepper}:recovery:${userId}:${canonical}`);
}
