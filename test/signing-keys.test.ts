import { describe, expect, test } from "bun:test";
import { DEFAULT_SIGNING_ALG, generateSigningKey } from "../src/auth/key-generate";
import { loadKeyring, signerFor, verifyWithKeyring } from "../src/auth/keys";
import { parseSigningKeySet } from "../src/auth/key-set";
import { ConfigError, parseConfig } from "../src/config";
import { freshKeys, keySet, partsOf, underKid } from "./support/jwt-keys";
import { forgeries, type ForgeryContext } from "./support/key-forgeries";

const KEY = "k".repeat(32);
const SECRET = "s".repeat(32);
const configError = (env: Record<string, string>): string => {
  try {
    parseConfig({ DATA_ENCRYPTION_KEY: KEY, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted a bad configuration");
};

describe("JWT_SIGNING_KEYS in parseConfig", () => {
  test("a good set: the keys in order, no JWT_SECRET needed in production", async () => {
    const { ES256, EdDSA } = await freshKeys();
    const c = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SIGNING_KEYS: keySet(EdDSA, ES256) });
    expect(c.jwt.keys!.map((k) => k.kid)).toEqual([EdDSA.kid, ES256.kid]);
    expect(c.jwt.keys![0]!.alg).toBe("EdDSA");
    // Without the set, production still needs the secret.
    expect(configError({})).toContain("JWT_SECRET");
  });

  test("one message explains every problem of a bad set, next to the other bad keys, and never prints key material", async () => {
    const { ES256, EdDSA } = await freshKeys();
    const { d: _d, ...publicOnly } = ES256;
    const rsa = { kty: "RSA", n: "abc", e: "AQAB", d: "secretstuff", kid: "r1" };
    const message = configError({
      JWT_SIGNING_KEYS: JSON.stringify({
        keys: [publicOnly, EdDSA, underKid(ES256, EdDSA.kid), rsa, { ...EdDSA, kid: undefined }, { ...ES256, kid: "wrong-alg", alg: "ES384" }],
      }),
      BCRYPT_COST: "99",
    });
    expect(message).toContain("JWT_SIGNING_KEYS");
    expect(message).toContain(`kid "${ES256.kid}"): the private part "d" is missing`);
    expect(message).toContain(`duplicate kid "${EdDSA.kid}"`);
    expect(message).toContain("unsupported key (RSA)");
    expect(message).toContain('key 5 needs a "kid"');
    expect(message).toContain('alg "ES384" does not fit a P-256 key');
    expect(message).toContain("BCRYPT_COST");
    for (const secret of [ES256.d, EdDSA.d, "secretstuff"]) expect(message).not.toContain(secret);
  });

  test("not JSON, not a set, an empty set", () => {
    expect(configError({ JWT_SIGNING_KEYS: "{nope" })).toContain("JWT_SIGNING_KEYS: not JSON");
    expect(configError({ JWT_SIGNING_KEYS: '[{"kty":"EC"}]' })).toContain("expected a JWK Set");
    expect(configError({ JWT_SIGNING_KEYS: '{"keys":[]}' })).toContain("at least one key");
  });

  test("INTROSPECTION_CLIENTS: id:secret pairs, secrets of 32+ characters, distinct ids; secrets never in the message", () => {
    const c = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, INTROSPECTION_CLIENTS: `gw:${"a".repeat(32)}, api:${"b:".repeat(20)}` });
    expect(c.introspectionClients).toEqual([{ id: "gw", secret: "a".repeat(32) }, { id: "api", secret: "b:".repeat(20) }]);
    const message = configError({ JWT_SECRET: SECRET, INTROSPECTION_CLIENTS: `gw:tooshort-secret,nocolon,gw2:${"c".repeat(32)},gw2:${"d".repeat(32)}` });
    expect(message).toContain('client "gw": the secret needs at least 32 characters');
    expect(message).toContain("entry 2 is not id:secret");
    expect(message).toContain('client "gw2" is listed twice');
    expect(message).not.toContain("tooshort-secret");
  });

  test("the parser keeps only the members that describe a key (no ext, key_ops or anything else reaches the keyring)", async () => {
    const { ES256 } = await freshKeys();
    const parsed = parseSigningKeySet(JSON.stringify({ keys: [{ ...ES256, ext: true, key_ops: ["sign"], x5u: "https://evil.example" }] }));
    expect("keys" in parsed && parsed.keys[0]).toEqual(ES256);
  });
});

describe("the keyring", () => {
  test("a private part that does not belong to its public part stops the start with a ConfigError", async () => {
    for (const alg of ["ES256", "EdDSA"] as const) {
      const [key, other] = [await generateSigningKey(alg), await generateSigningKey(alg)];
      const c = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SIGNING_KEYS: keySet({ ...key, d: other.d }) });
      const error = await Promise.resolve(loadKeyring(c.jwt.keys!)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`key "${key.kid}": the private part "d" does not belong`);
      expect((error as Error).message).not.toContain(other.d);
    }
  });

  test("Bun's synchronous signer and WebCrypto's make signatures the other verifies, for both algorithms", async () => {
    for (const alg of ["ES256", "EdDSA"] as const) {
      const key = await generateSigningKey(alg);
      const ring = await loadKeyring([key]);
      for (const useWebCrypto of [false, true]) {
        const sign = await signerFor(key, useWebCrypto);
        const claims = { sub: "u", iss: "i", aud: "a", exp: Math.floor(Date.now() / 1000) + 60 };
        const unsigned = `${ring.header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
        const token = `${unsigned}.${await sign(unsigned)}`;
        expect(partsOf(token).header).toEqual({ alg, typ: "at+jwt", kid: key.kid });
        expect((await verifyWithKeyring(ring, token, { issuer: "i", audience: "a" }, Date.now())).sub).toBe("u");
      }
    }
  });

  test("verifyWithKeyring itself (below the header check) refuses every forgery of the table", async () => {
    const [ours, attacker] = await Promise.all([freshKeys(), freshKeys()]);
    const ring = await loadKeyring([ours.ES256, ours.EdDSA]);
    const now = Math.floor(Date.now() / 1000);
    const x: ForgeryContext = {
      es256: ours.ES256, eddsa: ours.EdDSA, attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA }, jwtSecret: SECRET,
      claims: () => ({ sub: "u", sid: "s", iss: "edge-auth", aud: "edge-auth", iat: now, exp: now + 60 }),
    };
    for (const [name, make] of forgeries(x)) {
      const outcome = await verifyWithKeyring(ring, await make(), { issuer: "edge-auth", audience: "edge-auth" }, Date.now()).then(() => "accepted", () => "refused");
      expect({ name, outcome }).toEqual({ name, outcome: "refused" });
    }
  });

  test("a key set is imported once: every later use gets the same keyring, synchronously", async () => {
    const { ES256 } = await freshKeys();
    const keys = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SIGNING_KEYS: keySet(ES256) }).jwt.keys!;
    const ring = await loadKeyring(keys);
    expect(loadKeyring(keys)).toBe(ring); // not a promise any more
    // Another parse of the same text is another config: its own keyring (config is per app).
    const again = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SIGNING_KEYS: keySet(ES256) }).jwt.keys!;
    expect(await loadKeyring(again)).not.toBe(ring);
  });

  test("the published set holds public members only", async () => {
    const { ES256, EdDSA } = await freshKeys();
    const ring = await loadKeyring([ES256, EdDSA]);
    expect(ring.jwks.keys.map((k) => Object.keys(k).sort())).toEqual([["alg", "crv", "kid", "kty", "use", "x", "y"], ["alg", "crv", "kid", "kty", "use", "x"]]);
  });
});

describe("bun run keys:generate", () => {
  test("prints a private JWK (EdDSA unless told) that JWT_SIGNING_KEYS accepts, with a fresh kid each run; --alg ES256", async () => {
    const run = async (...args: string[]) => {
      const proc = Bun.spawn(["bun", "src/entry/keys-generate.ts", ...args], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { out, err, code };
    };
    const [first, second, es256, bad] = await Promise.all([run(), run(), run("--alg", "ES256"), run("--alg", "RS256")]);
    const keys = [first, second, es256].map((r) => JSON.parse(r.out));
    expect(DEFAULT_SIGNING_ALG).toBe("EdDSA");
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(keys[0].kid).not.toBe(keys[1].kid);
    expect(keys[2]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SIGNING_KEYS: JSON.stringify({ keys }) }).jwt.keys).toHaveLength(3);
    expect(first.err).toContain("add it LAST");
    expect(bad.code).not.toBe(0);
  });
});
