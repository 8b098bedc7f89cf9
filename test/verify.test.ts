// edge-auth/verify against our own server, served over HTTP (Bun.serve on a random port), the way a
// second Worker or an API behind a gateway uses it: discovery, the JWKS and introspection over fetch.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { verifyAccessTokens, type VerifyAccessTokensOptions, type VerifyAccessTokensVariables } from "edge-auth/verify";
import type { SigningJwk } from "../src/auth/key-set";
import { signAccessToken } from "../src/auth/tokens";
import { parseConfig } from "../src/config";
import { buildTestApp, TEST_SECRET, type TestApp } from "./support/app";
import { freshKeys, keySet, partsOf } from "./support/jwt-keys";
import { controls, forgeries, type ForgeryContext } from "./support/key-forgeries";

const CLIENT = { clientId: "orders", clientSecret: "orders-service-secret-of-32-chars!" };
let current: TestApp;
let first: TestApp | undefined;
// One listening server; a "deploy" swaps the app behind it (same database and store: sessions
// outlive a deploy, as they do in production), with a new JWT_SIGNING_KEYS.
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => current.app.fetch(request) });
const base = `http://127.0.0.1:${server.port}`;
afterAll(() => server.stop(true));

async function deploy(...keys: SigningJwk[]): Promise<TestApp> {
  const env = { PUBLIC_URL: base, JWT_SIGNING_KEYS: keySet(...keys), INTROSPECTION_CLIENTS: `${CLIENT.clientId}:${CLIENT.clientSecret}`, RATE_LIMIT_AUTH_PER_MINUTE: "0" };
  current = first ? await buildTestApp({ env, db: first.db, store: first.store }) : await buildTestApp({ env });
  first ??= current;
  return current;
}

/** Counts what the verifier fetches, by path. */
function countingFetch() {
  const counts: Record<string, number> = {};
  const f = ((input: string | URL | Request, init?: RequestInit) => {
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    counts[path] = (counts[path] ?? 0) + 1;
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: f, counts };
}

/** A resource server mounting the middleware: GET /api/me answers the verified claims. */
function resourceServer(options: Partial<VerifyAccessTokensOptions> = {}) {
  const counting = countingFetch();
  const app = new Hono<{ Variables: VerifyAccessTokensVariables }>();
  app.use("/api/*", verifyAccessTokens({ issuer: base, audience: "edge-auth", fetch: counting.fetch, ...options }));
  app.get("/api/me", (c) => c.json(c.var.accessToken));
  const get = async (token?: string) => {
    const res = await app.request("/api/me", { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  return { get, counts: counting.counts };
}

async function api(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.status === 204 ? {} : ((await res.json()) as Record<string, any>);
}

async function signUp(): Promise<{ access: string; refresh: string; id: string }> {
  const email = `svc-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await api("POST", "/auth/register", { email, password: "correct horse battery" });
  const pair = await api("POST", "/auth/verify", { email, code: current.mailer.lastCode(email, "verify-email") });
  return { access: pair.access_token, refresh: pair.refresh_token, id: pair.user.id };
}

describe("verifyAccessTokens against a running server", () => {
  let keys: Awaited<ReturnType<typeof freshKeys>>;
  beforeAll(async () => {
    keys = await freshKeys();
    await deploy(keys.ES256, keys.EdDSA);
  }, 30_000);

  test("a real token: 200 with its claims on the context; discovery and the JWKS fetched once", async () => {
    const rs = resourceServer();
    const s = await signUp();
    for (let i = 0; i < 3; i++) {
      const res = await rs.get(s.access);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(partsOf(s.access).payload);
    }
    expect(rs.counts).toEqual({ "/.well-known/openid-configuration": 1, "/.well-known/jwks.json": 1 });
  });

  test("no token, a malformed one, or an HS256 token signed with the old secret: 401 problem with the Bearer challenge", async () => {
    const rs = resourceServer();
    const s = await signUp();
    const [h, p] = s.access.split(".");
    // The same claims as a real token, HS256 with a secret, as the server signed before it had keys.
    const hsConfig = parseConfig({ NODE_ENV: "test", JWT_SECRET: TEST_SECRET, DATA_ENCRYPTION_KEY: TEST_SECRET, JWT_ISSUER: base });
    const hs256 = await signAccessToken(hsConfig, partsOf(s.access).payload as Parameters<typeof signAccessToken>[1], Date.now());
    for (const token of [undefined, "garbage", `${h}.${p}.`, hs256]) {
      const res = await rs.get(token);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(res.body.code).toBe("invalid_token");
    }
  });

  test("RFC 8725's forgeries are refused by the verifier too; both published keys verify", async () => {
    const rs = resourceServer();
    const attacker = await freshKeys();
    const s = await signUp();
    const x: ForgeryContext = {
      es256: keys.ES256, eddsa: keys.EdDSA, attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA }, jwtSecret: TEST_SECRET,
      claims: () => ({ ...partsOf(s.access).payload, jti: crypto.randomUUID() }),
    };
    for (const [name, make] of forgeries(x)) expect({ name, status: (await rs.get(await make())).status }).toEqual({ name, status: 401 });
    for (const [name, make] of controls(x)) expect({ name, status: (await rs.get(await make())).status }).toEqual({ name, status: 200 });
  });

  test("unknown kids refetch the JWKS at most once per cooldown (no fetch storm from forged kids)", async () => {
    const rs = resourceServer({ cooldownSeconds: 60 });
    const s = await signUp();
    expect((await rs.get(s.access)).status).toBe(200);
    const attacker = await freshKeys();
    const x = { es256: keys.ES256, eddsa: keys.EdDSA, attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA }, jwtSecret: "", claims: () => partsOf(s.access).payload };
    const unknownKid = forgeries(x).find(([name]) => name === "unknown kid, attacker's key")![1];
    for (let i = 0; i < 10; i++) expect((await rs.get(await unknownKid())).status).toBe(401);
    expect(rs.counts["/.well-known/jwks.json"]).toBe(1); // the first fetch is still inside its cooldown
  });

  test("with introspection: a logged-out session is refused at once, though its token has not expired", async () => {
    const rs = resourceServer({ introspection: CLIENT });
    const s = await signUp();
    expect((await rs.get(s.access)).status).toBe(200);
    await api("POST", "/auth/logout", { refresh_token: s.refresh });
    const res = await rs.get(s.access);
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("The session has ended.");
    expect(rs.counts["/auth/introspect"]).toBe(2);
    // Without introspection the same token still passes: only the signature and claims are checked.
    expect((await resourceServer().get(s.access)).status).toBe(200);
  });

  test("a wrong introspection secret, a discovery issuer that does not match, an unreachable server: 503, never a pass", async () => {
    const s = await signUp();
    expect((await resourceServer({ introspection: { ...CLIENT, clientSecret: "wrong" } }).get(s.access)).status).toBe(503);
    const mixedUp = resourceServer({ discoveryUrl: `${base}/.well-known/openid-configuration`, issuer: "https://someone-else.example" });
    expect((await mixedUp.get(s.access)).status).toBe(503);
    const down = await resourceServer({ issuer: "http://127.0.0.1:9", discoveryUrl: "http://127.0.0.1:9/.well-known/openid-configuration" }).get(s.access);
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
  });
});

describe("key rotation while the server runs, seen by a verifier that cached the old set", () => {
  test("[A] → [A,B] → [B,A] → [B]: nothing fails but tokens of the dropped key", async () => {
    const A = (await freshKeys()).ES256;
    const B = (await freshKeys()).ES256;
    const kidOf = (token: string) => partsOf(token).header.kid;
    await deploy(A);
    const rs = resourceServer({ cooldownSeconds: 1, cacheMaxAgeSeconds: 2 });
    const failures: string[] = [];
    const check = async (step: string, tokens: string[]) => {
      for (const token of tokens) {
        const service = await rs.get(token);
        const direct = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${token}` } });
        if (service.status !== 200) failures.push(`${step}: verifier ${service.status} for a ${kidOf(token) === A.kid ? "A" : "B"} token`);
        if (direct.status !== 200) failures.push(`${step}: server ${direct.status} for a ${kidOf(token) === A.kid ? "A" : "B"} token`);
      }
    };

    // 1. [A]: the verifier caches [A].
    const user = await signUp();
    const a1 = user.access;
    expect(kidOf(a1)).toBe(A.kid);
    await check("[A]", [a1]);

    // 2. [A,B]: B is published, A still signs. The verifier's cache ([A]) is enough.
    await deploy(A, B);
    const a2 = (await api("POST", "/auth/refresh", { refresh_token: user.refresh })) as { access_token: string; refresh_token: string };
    expect(kidOf(a2.access_token)).toBe(A.kid);
    await check("[A,B]", [a1, a2.access_token]);
    const jwksFetchesBefore = rs.counts["/.well-known/jwks.json"];

    // "Wait for caches": past the verifier's cooldown. 3. [B,A]: B signs; A's tokens stay valid.
    await Bun.sleep(1100);
    await deploy(B, A);
    const b1 = (await api("POST", "/auth/refresh", { refresh_token: a2.refresh_token })) as { access_token: string; refresh_token: string };
    expect(kidOf(b1.access_token)).toBe(B.kid);
    await check("[B,A]", [b1.access_token, a1, a2.access_token]);
    // The unknown kid B made the verifier fetch the set again, once.
    expect(rs.counts["/.well-known/jwks.json"]).toBe(jwksFetchesBefore! + 1);

    // 4. [B]: A is dropped (in production: after ACCESS_TOKEN_TTL, when its tokens have expired anyway).
    await deploy(B);
    const b2 = (await api("POST", "/auth/refresh", { refresh_token: b1.refresh_token })) as { access_token: string };
    await check("[B]", [b1.access_token, b2.access_token]);
    expect(failures).toEqual([]);

    // Tokens of the dropped key: refused by the server at once, and by the verifier once its cache ages out.
    expect((await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${a1}` } })).status).toBe(401);
    await Bun.sleep(2100);
    expect((await rs.get(a1)).status).toBe(401);
    expect((await rs.get(b2.access_token)).status).toBe(200);
  }, 30_000);
});

test("an issuer that is not a URL, without discoveryUrl, is refused when the middleware is built", () => {
  expect(() => verifyAccessTokens({ issuer: "edge-auth", audience: "edge-auth" })).toThrow(/not a URL/);
  expect(() => verifyAccessTokens({ issuer: "edge-auth", audience: "edge-auth", discoveryUrl: "http://127.0.0.1:9/.well-known/openid-configuration" })).not.toThrow();
});
