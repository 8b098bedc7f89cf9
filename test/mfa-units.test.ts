import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../src/config";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../src/auth/recovery-codes";
import { createSecretBox, SecretBoxError } from "../src/auth/secret-box";
import { matchTotpStep, newTotpSecret, totpStepAt } from "../src/auth/totp";
import { codeAt } from "./support/mfa";

const KEY = "a-data-encryption-key-of-at-least-32-bytes";

describe("secret box (AES-GCM under DATA_ENCRYPTION_KEY)", () => {
  test("opens what it sealed, with a fresh IV each time; the key id is stable for a key and differs between keys", async () => {
    const box = createSecretBox(KEY);
    const a = await box.seal("JBSWY3DPEHPK3PXP", "totp:u1");
    const b = await box.seal("JBSWY3DPEHPK3PXP", "totp:u1");
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain("JBSWY3DPEHPK3PXP");
    expect(a.keyId).toBe(b.keyId);
    expect(await box.open(a, "totp:u1")).toBe("JBSWY3DPEHPK3PXP");
    expect(await createSecretBox(KEY).open(b, "totp:u1")).toBe("JBSWY3DPEHPK3PXP");
    const other = await createSecretBox(`${KEY}!`).seal("x", "c");
    expect(other.keyId).not.toBe(a.keyId);
  });

  test("refuses an unknown key id, another context, a tampered or truncated ciphertext", async () => {
    const box = createSecretBox(KEY);
    const sealed = await box.seal("secret", "totp:u1");
    await expect(box.open({ ...sealed, keyId: "AAAAAAAA" }, "totp:u1")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(box.open(sealed, "totp:u2")).rejects.toBeInstanceOf(SecretBoxError);
    const flipped = sealed.ciphertext.slice(0, 20) + (sealed.ciphertext[20] === "A" ? "B" : "A") + sealed.ciphertext.slice(21);
    await expect(box.open({ ...sealed, ciphertext: flipped }, "totp:u1")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(box.open({ ...sealed, ciphertext: sealed.ciphertext.slice(0, 10) }, "totp:u1")).rejects.toBeInstanceOf(SecretBoxError);
    // Same key id (same key string), but the sealed bytes of another key: refused by GCM's tag.
    const foreign = await createSecretBox(`${KEY}?`).seal("secret", "totp:u1");
    await expect(box.open({ ciphertext: foreign.ciphertext, keyId: sealed.keyId }, "totp:u1")).rejects.toBeInstanceOf(SecretBoxError);
    expect(() => createSecretBox("short")).toThrow(SecretBoxError);
  });
});

describe("TOTP and recovery codes", () => {
  test("a code matches its own step and one either side, as the authenticator app computes it", () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015_000;
    const s = totpStepAt(now);
    for (const d of [-1, 0, 1]) expect(matchTotpStep(secret, codeAt(secret, now + d * 30_000), now)).toBe(s + d);
    for (const d of [-2, 2]) expect(matchTotpStep(secret, codeAt(secret, now + d * 30_000), now)).toBeNull();
    expect(matchTotpStep(secret, "12345", now)).toBeNull();
    expect(matchTotpStep(secret, "12345a", now)).toBeNull();
    // RFC 6238 Appendix B (SHA-1, the ASCII secret "12345678901234567890"), last 6 digits.
    expect(matchTotpStep("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "287082", 59_000)).toBe(1);
    expect(matchTotpStep("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "081804", 1_111_111_109_000)).toBe(37_037_036);
  });

  test("recovery codes: 10 of xxxxx-xxxxx, read back whatever the case, dash or look-alike letters", async () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(normalizeRecoveryCode("AB1C0-D2EFG")).toBe("ab1c0d2efg");
    expect(normalizeRecoveryCode(" abico dZefg ")).toBe("ab1c0dzefg");
    expect(normalizeRecoveryCode("abLco-d2efg")).toBe("ab1c0d2efg");
    for (const bad of ["abcde", "abcde-fghjku", "abcde-fghj!", "", "uuuuu-uuuuu"]) expect(normalizeRecoveryCode(bad)).toBeNull();
    const h1 = await hashRecoveryCode(KEY, "u1", "ab1c0d2efg");
    expect(h1).toBe(await hashRecoveryCode(KEY, "u1", "ab1c0d2efg"));
    expect(h1).not.toBe(await hashRecoveryCode(KEY, "u2", "ab1c0d2efg"));
    expect(h1).not.toBe(await hashRecoveryCode(`${KEY}x`, "u1", "ab1c0d2efg"));
    expect(h1).not.toContain("ab1c0d2efg");
  });
});

describe("DATA_ENCRYPTION_KEY in the configuration", () => {
  const JWT = "j".repeat(32);
  const message = (record: Record<string, string>) => {
    try {
      parseConfig(record);
      return "";
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };
  test("production refuses to start without it, or with one under 32 bytes; development does not need it", () => {
    expect(message({ JWT_SECRET: JWT })).toContain("DATA_ENCRYPTION_KEY: required outside development");
    expect(message({ JWT_SECRET: JWT, NODE_ENV: "production", DATA_ENCRYPTION_KEY: "too short" })).toContain("DATA_ENCRYPTION_KEY");
    expect(message({ JWT_SECRET: JWT, DATA_ENCRYPTION_KEY: KEY })).toBe("");
    expect(message({ NODE_ENV: "development" })).toBe("");
  });
});
