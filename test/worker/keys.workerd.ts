// Tokens for other services, inside workerd: the JWKS, discovery, RFC 8725's forgeries and
// introspection, against the Worker signing with JWT_SIGNING_KEYS [ES256, EdDSA] (global-setup.ts).
import { exports } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { verifyAccessTokens, type VerifyAccessTokensVariables } from "../../src/verify";
import type { SigningJwk } from "../../src/auth/key-set";
import { freshKeys, partsOf } from "../support/jwt-keys";
import { controls, forgeries, forgeryNames, type ForgeryContext } from "../support/key-forgeries";
import { call, mailedCode, uniqueEmail, untilReady } from "./helpers";

const [es256, eddsa] = (JSON.parse(inject("signingKeys")) as { keys: SigningJwk[] }).keys as [SigningJwk, SigningJwk];
const [clientId, clientSecret] = [inject("introspectionClient").split(":")[0]!, inject("introspectionClient").slice(inject("introspectionClient").indexOf(":") + 1)];
const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
const introspect = (token: string, authorization = basic(clientId, clientSecret)) =>
  call("POST", "/auth/introspect", { headers: { "content-type": "application/x-www-form-urlencoded", authorization }, raw: new URLSearchParams({ token }).toString() });

async function signUp() {
  const email = uniqueEmail("keys");
  expect((await call("POST", "/auth/register", { json: { email, password: "correct horse battery" } })).status).toBe(201);
  const verified = await call("POST", "/auth/verify", { json: { email, code: await mailedCode(email) } });
  expect(verified.status).toBe(200);
  return { access: verified.body.access_token as string, refresh: verified.body.refresh_token as string, id: verified.body.user.id as string };
}

describe("tokens for other services, in workerd", () => {
  let victim: Awaited<ReturnType<typeof signUp>>;
  let x: ForgeryContext;
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
    victim = await signUp();
    const attacker = await freshKeys();
    x = {
      es256, eddsa, attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA }, jwtSecret: "workerd-test-secret-that-is-at-least-32-bytes",
      claims: () => ({ ...partsOf(victim.access).payload, jti: crypto.randomUUID() }),
    };
  }, 60_000);

  it("signs with the first key (WebCrypto): alg ES256, typ at+jwt, its kid; iss is PUBLIC_URL", () => {
    const { header, payload } = partsOf(victim.access);
    expect(header).toEqual({ alg: "ES256", typ: "at+jwt", kid: es256.kid });
    expect(payload.iss).toBe("http://edge-auth.test");
  });

  it("publishes both public halves, cacheable, and no private member", async () => {
    const res = await call("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const keys = res.body.keys as Record<string, unknown>[];
    expect(keys.map((k) => k.kid)).toEqual([es256.kid, eddsa.kid]);
    for (const key of keys) expect(key).not.toHaveProperty("d");
    expect(JSON.stringify(res.body)).not.toContain(es256.d);
  });

  it("discovery: issuer equals the tokens' iss, endpoints under PUBLIC_URL", async () => {
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        issuer: partsOf(victim.access).payload.iss,
        jwks_uri: "http://edge-auth.test/.well-known/jwks.json",
        introspection_endpoint: "http://edge-auth.test/auth/introspect",
        code_challenge_methods_supported: ["S256"],
      });
    }
  });

  forgeryNames().forEach((name, i) => {
    it(`refuses a forgery: ${name}`, async () => {
      const token = await forgeries(x)[i]![1]();
      const res = await call("GET", "/users/me", { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("invalid_token");
      expect((await call("GET", "/users/me", { token: victim.access })).status).toBe(200);
    });
  });

  it("accepts both configured keys under their own kid", async () => {
    for (const [name, make] of controls(x)) expect({ name, status: (await call("GET", "/users/me", { token: await make() })).status }).toEqual({ name, status: 200 });
  });

  it("introspects each kind of token, and a revoked session at once", async () => {
    const s = await signUp();
    expect((await introspect(s.access)).body).toMatchObject({ active: true, token_type: "access_token", sub: s.id, sid: partsOf(s.access).payload.sid });
    expect((await introspect(s.refresh)).body).toMatchObject({ active: true, token_type: "refresh_token", sub: s.id });
    expect((await introspect("garbage")).body).toEqual({ active: false });
    const bad = await introspect(s.access, basic(clientId, "wrong"));
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("invalid_credentials");
    expect(bad.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect((await call("POST", "/auth/logout", { json: { refresh_token: s.refresh } })).status).toBe(204);
    expect((await introspect(s.access)).body).toEqual({ active: false });
    expect((await introspect(s.refresh)).body).toEqual({ active: false });
  });
});

describe("edge-auth/verify inside workerd, reaching the auth Worker as through a service binding", () => {
  const authWorker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;
  const serviceFetch = ((input: string | URL | Request, init?: RequestInit) =>
    authWorker.fetch(input instanceof Request ? input.url : String(input), init)) as typeof fetch;
  const resource = (introspection: boolean) => {
    const app = new Hono<{ Variables: VerifyAccessTokensVariables }>();
    app.use("*", verifyAccessTokens({
      issuer: "http://edge-auth.test", audience: "edge-auth", fetch: serviceFetch,
      ...(introspection ? { introspection: { clientId, clientSecret } } : {}),
    }));
    app.get("/whoami", (c) => c.json({ sub: c.var.accessToken.sub }));
    return (token: string) => app.request("/whoami", { headers: { authorization: `Bearer ${token}` } });
  };

  it("accepts a real token, refuses a forged one, and with introspection a logged-out session", async () => {
    const s = await signUp();
    const plain = resource(false);
    const strict = resource(true);
    const ok = await plain(s.access);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ sub: s.id });
    const attacker = await freshKeys();
    const forged = await forgeries({ es256, eddsa, attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA }, jwtSecret: "", claims: () => partsOf(s.access).payload })
      .find(([name]) => name === "another ES256 key under our ES256 kid")![1]();
    const refused = await plain(forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect((await strict(s.access)).status).toBe(200);
    expect((await call("POST", "/auth/logout", { json: { refresh_token: s.refresh } })).status).toBe(204);
    expect((await strict(s.access)).status).toBe(401);
    expect((await plain(s.access)).status).toBe(200); // without introspection: valid until it expires
  });
});
