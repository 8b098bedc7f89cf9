import { base64url, fromBase64url } from "./crypto";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A secret sealed at rest: the ciphertext, and the id of the key that sealed it (for rotation). */
export type Sealed = { ciphertext: string; keyId: string };

/** Thrown when a ciphertext cannot be opened: an unknown key id, or a tampered or misplaced ciphertext. */
export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

/** Seals and opens small secrets (TOTP secrets) with AES-256-GCM under DATA_ENCRYPTION_KEY. */
export type SecretBox = {
  /** `context` is bound in as additional data (e.g. the user id): a ciphertext copied elsewhere does not open. */
  seal(plaintext: string, context: string): Promise<Sealed>;
  open(sealed: Sealed, context: string): Promise<string>;
};

/**
 * A box over one configured key string. The AES key is derived with HKDF-SHA-256 (Web Crypto, so
 * it runs on Workers and Bun alike): the configured string may be any text of 32+ bytes, and the
 * derived key is never the string itself. The key id is the first 6 bytes of a SHA-256 over the
 * string under another label: it names the key without revealing anything usable about it.
 */
export function createSecretBox(configuredKey: string): SecretBox {
  if (encoder.encode(configuredKey).length < 32) throw new SecretBoxError("DATA_ENCRYPTION_KEY must be at least 32 bytes");
  const material = encoder.encode(configuredKey);
  const key = crypto.subtle
    .importKey("raw", material, "HKDF", false, ["deriveKey"])
    .then((base) =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("edge-auth secret-box"), info: encoder.encode("aes-256-gcm v1") },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
  let keyId = "";
  const ready = crypto.subtle.digest("SHA-256", encoder.encode(`edge-auth key id:${configuredKey}`)).then((d) => {
    keyId = base64url(new Uint8Array(d).slice(0, 6));
  });

  return {
    async seal(plaintext, context) {
      await ready;
      // A fresh random 96-bit IV per message: GCM's security rests on never reusing one under a key.
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, await key, encoder.encode(plaintext)),
      );
      const out = new Uint8Array(iv.length + sealed.length);
      out.set(iv);
      out.set(sealed, iv.length);
      return { ciphertext: base64url(out), keyId };
    },
    async open(sealed, context) {
      await ready;
      // Only the configured key: a ciphertext of another (rotated-out or foreign) key is refused, never guessed at.
      if (sealed.keyId !== keyId) throw new SecretBoxError("unknown key id");
      let bytes: Uint8Array;
      try {
        bytes = fromBase64url(sealed.ciphertext);
      } catch {
        throw new SecretBoxError("malformed ciphertext");
      }
      if (bytes.length < 12 + 16) throw new SecretBoxError("malformed ciphertext");
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: encoder.encode(context) },
          await key,
          bytes.slice(12),
        );
        return decoder.decode(plain);
      } catch {
        throw new SecretBoxError("the ciphertext does not open under this key and context");
      }
    },
  };
}

const boxes = new Map<string, SecretBox>();

/**
 * The box for a configuration's DATA_ENCRYPTION_KEY, derived once per key string and then reused
 * (the derivation is a few Web Crypto calls; the app's config never changes while it runs).
 */
export function secretBoxFor(config: { dataEncryptionKey: string }): SecretBox {
  let box = boxes.get(config.dataEncryptionKey);
  if (!box) {
    box = createSecretBox(config.dataEncryptionKey);
    boxes.set(config.dataEncryptionKey, box);
  }
  return box;
}
