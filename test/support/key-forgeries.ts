// RFC 8725's forgeries against a server whose JWT_SIGNING_KEYS is [es256, eddsa] (and whose
// JWT_SECRET is still set): one table, run in-process (test/hardening/key-attacks.test.ts) and
// inside workerd (test/worker/keys.workerd.ts). WebCrypto and jose only, so it runs in both.
import type { SigningJwk } from "../../src/auth/key-set";
import { publicHalf } from "../../src/auth/key-set";
import { forgeJwt, hmacWith, signWith, underKid } from "./jwt-keys";

export type ForgeryContext = {
  /** The server's keys: es256 signs (first), eddsa is the second key of the set. */
  es256: SigningJwk;
  eddsa: SigningJwk;
  /** Keys the server has never seen. */
  attacker: { es256: SigningJwk; eddsa: SigningJwk };
  jwtSecret: string;
  /** Claims that are right in every way for a live session, so only the attacked property can fail. */
  claims: () => Record<string, unknown>;
};

const TYP = "at+jwt";

/** [name, make a token]: each must be refused (401 invalid_token) and revoke nothing. */
export function forgeries(x: ForgeryContext): [string, () => Promise<string>][] {
  const es = (jwk: SigningJwk) => (input: string) => signWith(jwk, input);
  const a = x.es256.kid;
  const b = x.eddsa.kid;
  const jwks = JSON.stringify({ keys: [publicHalf(x.es256), publicHalf(x.eddsa)] });
  const make = (header: Record<string, unknown>, sign: (input: string) => Promise<string> | string, payload = x.claims()) => () => forgeJwt({ header, payload, sign });
  return [
    ["alg none, our kid", make({ alg: "none", typ: TYP, kid: a }, () => "")],
    ["alg none, no kid", make({ alg: "none", typ: TYP }, () => "")],
    ["HS256 keyed with our ES256 public key (JWK text), our kid", make({ alg: "HS256", typ: TYP, kid: a }, (i) => hmacWith(JSON.stringify(publicHalf(x.es256)), i))],
    ["HS256 keyed with our EdDSA public x, our kid", make({ alg: "HS256", typ: TYP, kid: b }, (i) => hmacWith(x.eddsa.x, i))],
    ["HS256 keyed with the published JWKS", make({ alg: "HS256", typ: TYP, kid: a }, (i) => hmacWith(jwks, i))],
    ["HS256 with JWT_SECRET (refused once keys are set), no kid", make({ alg: "HS256", typ: TYP }, (i) => hmacWith(x.jwtSecret, i))],
    ["HS256 with JWT_SECRET under our kid", make({ alg: "HS256", typ: TYP, kid: a }, (i) => hmacWith(x.jwtSecret, i))],
    ["alg swap: EdDSA token under the ES256 kid (signed by our own EdDSA key)", make({ alg: "EdDSA", typ: TYP, kid: a }, es(x.eddsa))],
    ["alg swap: ES256 token under the EdDSA kid (signed by our own ES256 key)", make({ alg: "ES256", typ: TYP, kid: b }, es(x.es256))],
    ["alg swap: EdDSA under the ES256 kid, attacker's key", make({ alg: "EdDSA", typ: TYP, kid: a }, es(x.attacker.eddsa))],
    ["alg swap: ES256 under the EdDSA kid, attacker's key", make({ alg: "ES256", typ: TYP, kid: b }, es(x.attacker.es256))],
    ["unknown kid, attacker's key", make({ alg: "ES256", typ: TYP, kid: "attacker" }, es(x.attacker.es256))],
    ["unknown kid, signed by our own key", make({ alg: "ES256", typ: TYP, kid: "not-in-the-set" }, es(x.es256))],
    ["no kid, signed by our current key", make({ alg: "ES256", typ: TYP }, es(x.es256))],
    ["no kid, signed by our EdDSA key", make({ alg: "EdDSA", typ: TYP }, es(x.eddsa))],
    ["another ES256 key under our ES256 kid", make({ alg: "ES256", typ: TYP, kid: a }, es(underKid(x.attacker.es256, a)))],
    ["another EdDSA key under our EdDSA kid", make({ alg: "EdDSA", typ: TYP, kid: b }, es(underKid(x.attacker.eddsa, b)))],
    ["wrong typ JWT, our key and kid", make({ alg: "ES256", typ: "JWT", kid: a }, es(x.es256))],
    ["no typ, our key and kid", make({ alg: "ES256", kid: a }, es(x.es256))],
    ["embedded jwk header (the attacker's public key), our kid", make({ alg: "ES256", typ: TYP, kid: a, jwk: publicHalf(underKid(x.attacker.es256, a)) }, es(x.attacker.es256))],
    ["jku header pointing elsewhere, our kid", make({ alg: "ES256", typ: TYP, kid: a, jku: "https://evil.example/jwks.json" }, es(x.attacker.es256))],
    ["crit header, our key and kid", make({ alg: "ES256", typ: TYP, kid: a, crit: ["exp"] }, es(x.es256))],
    ["our key, but wrong aud", make({ alg: "ES256", typ: TYP, kid: a }, es(x.es256), { ...x.claims(), aud: "another-service" })],
    ["our key, but wrong iss", make({ alg: "ES256", typ: TYP, kid: a }, es(x.es256), { ...x.claims(), iss: "https://evil.example" })],
  ];
}

/** Tokens that must be ACCEPTED: the current key, and the second key of the set (a key that moved second). */
export function controls(x: ForgeryContext): [string, () => Promise<string>][] {
  return [
    ["the current ES256 key under its kid", () => forgeJwt({ header: { alg: "ES256", typ: TYP, kid: x.es256.kid }, payload: x.claims(), sign: (i) => signWith(x.es256, i) })],
    ["the second (EdDSA) key under its kid", () => forgeJwt({ header: { alg: "EdDSA", typ: TYP, kid: x.eddsa.kid }, payload: x.claims(), sign: (i) => signWith(x.eddsa, i) })],
  ];
}

/** The names of the forgeries, before any key exists (test titles are registered before setup runs). */
export function forgeryNames(): string[] {
  const stub = { kty: "EC", crv: "P-256", x: "", y: "", d: "", kid: "stub", alg: "ES256" } as SigningJwk;
  return forgeries({ es256: stub, eddsa: stub, attacker: { es256: stub, eddsa: stub }, jwtSecret: "", claims: () => ({}) }).map(([name]) => name);
}
