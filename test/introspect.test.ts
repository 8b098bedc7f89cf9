import { beforeAll, describe, expect, test } from "bun:test";
import { issueMfaToken } from "../src/auth/mfa-token";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp } from "./support/http";
import { freshKeys, keySet, partsOf } from "./support/jwt-keys";

const SECRET = "introspection-secret-of-32-chars!!";
const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
const GOOD = { authorization: basic("gateway", SECRET) };

let t: TestApp;
beforeAll(async () => {
  const { ES256 } = await freshKeys();
  t = await buildTestApp({
    env: { JWT_SIGNING_KEYS: keySet(ES256), INTROSPECTION_CLIENTS: `gateway:${SECRET},other:${"o".repeat(40)}`, RATE_LIMIT_AUTH_PER_MINUTE: "0" },
  });
}, 30_000);

const introspect = (token: string, headers: Record<string, string> = GOOD, extra: Record<string, string> = {}, app = t) =>
  call(app, "POST", "/auth/introspect", { form: { token, ...extra }, headers });

describe("POST /auth/introspect: who may ask", () => {
  test("without INTROSPECTION_CLIENTS it does not exist (404), and discovery does not name it", async () => {
    const plain = await buildTestApp();
    const s = await signUp(plain);
    const res = await introspect(s.access, GOOD, {}, plain);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });

  test("a missing, wrong or malformed client is 401 invalid_credentials with a Basic challenge, and learns nothing about the token", async () => {
    const s = await signUp(t);
    const headers: Record<string, string>[] = [
      {},
      { authorization: basic("gateway", `${SECRET}x`) },
      { authorization: basic("gateway", SECRET.slice(0, -1)) },
      { authorization: basic("nobody", SECRET) },
      { authorization: basic("other", SECRET) }, // another client's id with this client's secret
      { authorization: `Bearer ${s.access}` },
      { authorization: "Basic !!!not-base64" },
      { authorization: `Basic ${btoa("no-colon-here")}` },
    ];
    for (const h of headers) {
      const res = await introspect(s.access, h);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toStartWith("application/problem+json");
      expect(res.body.code).toBe("invalid_credentials");
      expect(res.headers.get("www-authenticate")).toStartWith("Basic ");
      expect(res.text).not.toContain(s.access);
    }
  });

  test("credentials form-urlencoded before Basic encoding (RFC 6749 §2.3.1) are read too", async () => {
    const odd = "p@ss:word with spaces & 100% more + 32 chars";
    const app = await buildTestApp({ env: { INTROSPECTION_CLIENTS: `my client:${odd}` } });
    const s = await signUp(app);
    const encoded = basic(encodeURIComponent("my client"), encodeURIComponent(odd));
    expect((await introspect(s.access, { authorization: encoded }, {}, app)).body.active).toBe(true);
    expect((await introspect(s.access, { authorization: basic("my client", odd) }, {}, app)).body.active).toBe(true);
  });

  test("the body must be a form (415 for JSON), with a token (400)", async () => {
    const json = await call(t, "POST", "/auth/introspect", { json: { token: "x" }, headers: GOOD });
    expect(json.status).toBe(415);
    const empty = await call(t, "POST", "/auth/introspect", { form: {}, headers: GOOD });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("validation_failed");
  });

  test("answers are never cached", async () => {
    const s = await signUp(t);
    expect((await introspect(s.access)).headers.get("cache-control")).toBe("no-store");
  });

  test("a configured client is not held to the per-address /auth limit; failed attempts are", async () => {
    const app = await buildTestApp({ env: { INTROSPECTION_CLIENTS: `gateway:${SECRET}`, RATE_LIMIT_AUTH_PER_MINUTE: "3" } });
    const s = await signUp(app); // register + verify: two of the three
    for (let i = 0; i < 6; i++) expect((await introspect(s.access, GOOD, {}, app)).status).toBe(200);
    const bad = { authorization: basic("gateway", "wrong") };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await introspect(s.access, bad, {}, app)).status);
    expect(statuses).toEqual([401, 429, 429]);
  });
});

describe("POST /auth/introspect: each kind of token", () => {
  test("a live access token: active, with the claims of API.md and nothing else", async () => {
    const s = await signUp(t);
    const res = await introspect(s.access);
    expect(res.status).toBe(200);
    const claims = partsOf(s.access).payload;
    const { auth_time: _authTime, ...listed } = claims;
    expect(res.body).toEqual({ active: true, token_type: "access_token", ...listed });
    expect(Object.keys(res.body).sort()).toEqual(["aal", "active", "amr", "aud", "exp", "iat", "iss", "jti", "role", "sid", "sub", "token_type"]);
  });

  test("a live, unused refresh token: active with sub, sid, exp; once used, inactive (even inside the reuse grace)", async () => {
    const s = await signUp(t);
    const sid = partsOf(s.access).payload.sid;
    const res = await introspect(s.refresh, GOOD, { token_type_hint: "refresh_token" });
    expect(res.body).toEqual({
      active: true, token_type: "refresh_token", sub: s.user.id, sid,
      exp: Math.floor(t.clock.now() / 1000) + t.services.config.refreshTokenTtl,
    });
    const next = await call(t, "POST", "/auth/refresh", { json: { refresh_token: s.refresh } });
    expect(next.status).toBe(200);
    expect((await introspect(s.refresh)).body).toEqual({ active: false });
    expect((await introspect(next.body.refresh_token)).body).toMatchObject({ active: true, sid });
  });

  test("the hint does not decide: an access token hinted as a refresh token is still read as what it is", async () => {
    const s = await signUp(t);
    expect((await introspect(s.access, GOOD, { token_type_hint: "refresh_token" })).body.token_type).toBe("access_token");
    expect((await introspect(s.refresh, GOOD, { token_type_hint: "access_token" })).body.token_type).toBe("refresh_token");
  });

  test("a revoked session shows at once: the access token (still unexpired) and the refresh token go inactive", async () => {
    const s = await signUp(t);
    expect((await introspect(s.access)).body.active).toBe(true);
    expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: s.refresh } })).status).toBe(204);
    expect((await introspect(s.access)).body).toEqual({ active: false });
    expect((await introspect(s.refresh)).body).toEqual({ active: false });
  });

  test("an admin disabling the user, and logout-all, end what introspection reports", async () => {
    const admin = await signInAdmin(t);
    const s = await signUp(t);
    expect((await call(t, "PATCH", `/users/${s.user.id}`, { token: admin.access, json: { disabled: true } })).status).toBe(200);
    expect((await introspect(s.access)).body).toEqual({ active: false });
    const other = await signUp(t);
    expect((await call(t, "POST", "/auth/logout-all", { token: other.access })).status).toBe(204);
    expect((await introspect(other.access)).body).toEqual({ active: false });
    expect((await introspect(other.refresh)).body).toEqual({ active: false });
  });

  test("expired tokens, forged ones, an mfa_token and garbage are inactive", async () => {
    const s = await signUp(t);
    const mfaToken = await issueMfaToken(t.services, s.user.id, "pwd");
    const [h, p] = s.access.split(".");
    for (const token of [mfaToken, `${h}.${p}.`, "garbage", "a".repeat(43), `${s.refresh}x`, "x.y.z"]) {
      expect((await introspect(token)).body).toEqual({ active: false });
    }
    const skip = t.services.config.accessTokenTtl + 1;
    t.clock.advanceSeconds(skip);
    try {
      expect((await introspect(s.access)).body).toEqual({ active: false });
      expect((await introspect(s.refresh)).body.active).toBe(true); // the refresh token lives 30 days
      t.clock.advanceSeconds(t.services.config.refreshTokenTtl);
      expect((await introspect(s.refresh)).body).toEqual({ active: false });
    } finally {
      t.clock.advanceSeconds(-skip - t.services.config.refreshTokenTtl);
    }
  });

  test("HS256 servers (no key set) introspect their own tokens too", async () => {
    const app = await buildTestApp({ env: { INTROSPECTION_CLIENTS: `gateway:${SECRET}` } });
    const s = await signUp(app);
    expect(partsOf(s.access).header.alg).toBe("HS256");
    expect((await introspect(s.access, GOOD, {}, app)).body).toMatchObject({ active: true, token_type: "access_token", sub: s.user.id });
  });
});
