/**
 * `bun run keys:generate [--alg EdDSA|ES256]` (EdDSA unless told): prints a new private signing key as a JWK (stdout),
 * with what to do with it (stderr). See README "Tokens for other services" and "Key rotation".
 */
import { DEFAULT_SIGNING_ALG, generateSigningKey } from "../auth/key-generate";

const args = Bun.argv.slice(2);
const at = args.indexOf("--alg");
const alg = at >= 0 ? args[at + 1] : DEFAULT_SIGNING_ALG;
if (alg !== "ES256" && alg !== "EdDSA") {
  console.error("usage: bun run keys:generate [--alg EdDSA|ES256]   (default EdDSA)");
  process.exit(2);
}
const key = await generateSigningKey(alg);
console.log(JSON.stringify(key));
console.error(
  `\nA new ${alg} private key (kid ${key.kid}). Keep it secret. To rotate, add it LAST to JWT_SIGNING_KEYS\n` +
    `({"keys":[<current keys>, <this key>]}), wait for caches (5 minutes), then move it first; drop the old key\n` +
    "after ACCESS_TOKEN_TTL has passed.",
);
