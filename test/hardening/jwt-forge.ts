import { createHmac, createSign, generateKeyPairSync } from "node:crypto";

/** Hand-built JWTs for attack tests: any header, any payload, any signing method. */
const b64 = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export type Signer = { alg: string; sign(input: string): string };

/** HMAC-SHA256 with any key (our secret, an attacker's, or a public key PEM). */
export const hs256 = (key: string | Buffer): Signer => ({
  alg: "HS256",
  sign: (input) => createHmac("sha256", key).update(input).digest("base64url"),
});

/** RS256 with a freshly generated key pair; the public key PEM is returned for confusion attacks. */
export function rs256(): Signer & { publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    alg: "RS256",
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: (input) => createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url"),
  };
}

/** `alg: none`: no signature at all. */
export const none: Signer = { alg: "none", sign: () => "" };

export function forge(signer: Signer, payload: Record<string, unknown>, extraHeader: Record<string, unknown> = {}): string {
  const input = `${b64(JSON.stringify({ alg: signer.alg, typ: "at+jwt", ...extraHeader }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${signer.sign(input)}`;
}

/** The payload of a JWT, unverified. */
export const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

/** The token with one character in the middle replaced by a different one. */
export function flipOneChar(token: string, at = Math.floor(token.length / 2)): string {
  const c = token[at]!;
  const swapped = c === "A" ? "B" : "A";
  return token.slice(0, at) + swapped + token.slice(at + 1);
}
