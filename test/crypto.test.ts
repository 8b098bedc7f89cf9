import { expect, test } from "bun:test";
import { base64url, sha256 } from "../src/auth/crypto";

test("sha256 on Bun's synchronous hasher gives WebCrypto's bytes (what Workers compute), non-ASCII included", async () => {
  for (const text of ["", "refresh:abc", "refresh:héllo wörld ✓", "x".repeat(10_000)]) {
    const webCrypto = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
    expect(await sha256(text)).toBe(webCrypto);
  }
});
