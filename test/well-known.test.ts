import { describe, expect, test } from "bun:test";
import { buildTestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { freshKeys, keySet, partsOf } from "./support/jwt-keys";

describe("GET /.well-known/jwks.json", () => {
  test("every configured key's public half, in order, cacheable, as application/jwk-set+json; never a private member", async () => {
    const { ES256, EdDSA } = await freshKeys();
    const t = await buildTestApp({ env: { JWT_SIGNING_KEYS: keySet(ES256, EdDSA) } });
    const res = await call(t, "GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body.keys).toEqual([
      { kty: "EC", crv: "P-256", x: ES256.x, y: ES256.y, kid: ES256.kid, alg: "ES256", use: "sig" },
      { kty: "OKP", crv: "Ed25519", x: EdDSA.x, kid: EdDSA.kid, alg: "EdDSA", use: "sig" },
    ]);
    // RFC 7517/7518 private members: none, and the private scalars appear nowhere in the text.
    for (const key of res.body.keys) for (const member of ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]) expect(key).not.toHaveProperty(member);
    expect(res.text).not.toContain(ES256.d);
    expect(res.text).not.toContain(EdDSA.d);
  });

  test("the kid of a real access token is in the set; without keys the set is empty (HS256)", async () => {
    const { ES256 } = await freshKeys();
    const keyed = await buildTestApp({ env: { JWT_SIGNING_KEYS: keySet(ES256) } });
    const s = await signUp(keyed);
    const kids = (await call(keyed, "GET", "/.well-known/jwks.json")).body.keys.map((k: { kid: string }) => k.kid);
    expect(kids).toContain(partsOf(s.access).header.kid);
    const plain = await buildTestApp();
    expect((await call(plain, "GET", "/.well-known/jwks.json")).body).toEqual({ keys: [] });
  });
});

describe("discovery", () => {
  for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
    test(`${path}: issuer is the tokens' iss; endpoints under PUBLIC_URL`, async () => {
      const t = await buildTestApp({ env: { PUBLIC_URL: "https://auth.example.com/", INTROSPECTION_CLIENTS: `gw:${"x".repeat(32)}` } });
      const s = await signUp(t);
      const res = await call(t, "GET", path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      expect(res.headers.get("cache-control")).toBe("public, max-age=300");
      expect(res.body.issuer).toBe(partsOf(s.access).payload.iss as string);
      expect(res.body).toMatchObject({
        issuer: "https://auth.example.com",
        jwks_uri: "https://auth.example.com/.well-known/jwks.json",
        token_endpoint: "https://auth.example.com/auth/token",
        introspection_endpoint: "https://auth.example.com/auth/introspect",
        code_challenge_methods_supported: ["S256"],
      });
      expect(res.body.grant_types_supported).toEqual(expect.arrayContaining(["password", "refresh_token", "authorization_code"]));
    });
  }

  test("both documents are the same; without PUBLIC_URL the endpoints use the request's origin; no introspection endpoint without clients", async () => {
    const t = await buildTestApp({ env: { JWT_ISSUER: "edge-auth" } });
    const a = await t.app.request("http://10.0.0.7:8787/.well-known/openid-configuration");
    const b = await t.app.request("http://10.0.0.7:8787/.well-known/oauth-authorization-server");
    const doc = await a.json();
    expect(await b.json()).toEqual(doc);
    expect(doc.issuer).toBe("edge-auth");
    expect(doc.jwks_uri).toBe("http://10.0.0.7:8787/.well-known/jwks.json");
    expect(doc).not.toHaveProperty("introspection_endpoint");
  });
});
