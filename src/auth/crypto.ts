const encoder = new TextEncoder();

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  // Native where the runtime has it (Bun; newer V8): the loop below was ~4% of a refresh's CPU.
  const native = (bytes as { toBase64?: (o: { alphabet: "base64url"; omitPadding: boolean }) => string }).toBase64;
  if (native) return native.call(bytes, { alphabet: "base64url", omitPadding: true });
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url (padded or not) to bytes: atob wants the padding on some runtimes (workerd). */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

// Bun's synchronous hasher, when running on Bun: WebCrypto's async digest hops to a worker thread
// and back, which cost ~10-25 us per refresh-token hash here against ~1 us. Same bytes either way;
// Workers (no `Bun` global) keep WebCrypto.
type SyncHasher = { update(data: string): SyncHasher; digest(encoding: "base64url"): string };
const BunHasher = (globalThis as { Bun?: { CryptoHasher: new (algorithm: "sha256", hmacKey?: string) => SyncHasher } }).Bun?.CryptoHasher;

/**
 * HMAC-SHA-256 of `data` under `key`, base64url, synchronously on Bun (~1 us; WebCrypto's async
 * sign cost ~20 us and a thread hop per access token issued). Undefined elsewhere: use WebCrypto.
 */
export function hmacSha256Sync(key: string, data: string): string | undefined {
  return BunHasher ? new BunHasher("sha256", key).update(data).digest("base64url") : undefined;
}

/** SHA-256 of a string, base64url. */
export async function sha256(text: string): Promise<string> {
  if (BunHasher) return new BunHasher("sha256").update(text).digest("base64url");
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** Compares two strings in time that depends only on their length, so a guess learns nothing from timing. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i % Math.max(1, y.length)] ?? 0);
  return diff === 0;
}
