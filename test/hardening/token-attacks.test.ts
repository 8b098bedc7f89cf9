import { beforeAll, describe, expect, test } from "bun:test";
import { buildTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { call, signInAdmin, signUp } from "../support/http";
import { claimsOf, flipOneChar, forge, hs256, none, rs256 } from "./jwt-forge";

type Session = Awaited<ReturnType<typeof signUp>>;
let t: TestApp;
let victim: Session;
let bystander: Session;

beforeAll(async () => {
  // Per-client auth limits are tested elsewhere; here they would only turn attacks into 429s.
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
  victim = await signUp(t, "victim@example.com");
  bystander = await signUp(t, "bystander@example.com");
}, 30_000);

/** 401 invalid_token as API.md says: problem+json and the WWW-Authenticate challenge. */
function expectInvalidToken(res: Awaited<ReturnType<typeof call>>) {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toStartWith("application/problem+json");
  expect(res.body.code).toBe("invalid_token");
  expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
}

async function expectStillSignedIn(s: Session) {
  expect((await call(t, "GET", "/users/me", { token: s.access })).status).toBe(200);
}

/** Valid claims for the victim's live session, so only the attacked property can make it fail. */
function victimClaims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(t.clock.now() / 1000);
  return { ...claimsOf(victim.access), iat: now, exp: now + 600, jti: crypto.randomUUID(), ...overrides };
}

describe("forged access tokens get 401 invalid_token and revoke nothing", () => {
  const rsa = rs256();
  const cases: [string, () => string][] = [
    ["alg none", () => forge(none, victimClaims())],
    ["alg none, uppercase", () => forge({ alg: "NONE", sign: () => "" }, victimClaims())],
    ["RS256 with an attacker's key pair", () => forge(rsa, victimClaims())],
    ["HS256 keyed with the RSA public key PEM", () => forge(hs256(rsa.publicPem), victimClaims())],
    ["RS256 with a jku pointing at the attacker's keys", () => forge(rsa, victimClaims(), { jku: "https://evil.example/jwks.json", kid: "evil" })],
    ["kid header, signed with our secret", () => forge(hs256(TEST_SECRET), victimClaims(), { kid: "../../../dev/null" })],
    ["jku header, signed with our secret", () => forge(hs256(TEST_SECRET), victimClaims(), { jku: "https://evil.example/jwks.json" })],
    ["HS256 with a guessed secret", () => forge(hs256("secret"), victimClaims())],
    ["our secret, but typ JWT (not an access token, RFC 9068)", () => forge(hs256(TEST_SECRET), victimClaims(), { typ: "JWT" })],
    ["our secret, but no typ", () => forge(hs256(TEST_SECRET), victimClaims(), { typ: undefined })],
    ["our secret, but amr missing", () => forge(hs256(TEST_SECRET), victimClaims({ amr: undefined }))],
    ["our secret, but aal raised to an unknown level", () => forge(hs256(TEST_SECRET), victimClaims({ aal: "aal3" }))],
    ["tampered payload (role: admin), original signature", () => {
      const [h, , sig] = victim.access.split(".");
      return `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(victim.access), role: "admin" })).toString("base64url")}.${sig}`;
    }],
    ["signature stripped", () => victim.access.split(".").slice(0, 2).join(".") + "."],
    ["one character of the signature changed", () => flipOneChar(victim.access, victim.access.length - 5)],
    ["wrong iss", () => forge(hs256(TEST_SECRET), victimClaims({ iss: "https://evil.example" }))],
    ["wrong aud", () => forge(hs256(TEST_SECRET), victimClaims({ aud: "another-service" }))],
    ["no aud", () => forge(hs256(TEST_SECRET), victimClaims({ aud: undefined }))],
    ["expired", () => forge(hs256(TEST_SECRET), victimClaims({ iat: Math.floor(t.clock.now() / 1000) - 1000, exp: Math.floor(t.clock.now() / 1000) - 100 }))],
    ["no exp", () => forge(hs256(TEST_SECRET), victimClaims({ exp: undefined }))],
    ["not yet valid (nbf in the future)", () => forge(hs256(TEST_SECRET), victimClaims({ nbf: Math.floor(t.clock.now() / 1000) + 3600 }))],
    ["issued in the future", () => forge(hs256(TEST_SECRET), victimClaims({ iat: Math.floor(t.clock.now() / 1000) + 3600 }))],
    ["another user's sid with the victim's sub", () => forge(hs256(TEST_SECRET), victimClaims({ sid: claimsOf(bystander.access).sid }))],
    ["a sub that does not exist, on a live sid", () => forge(hs256(TEST_SECRET), victimClaims({ sub: crypto.randomUUID() }))],
    ["role outside the enum", () => forge(hs256(TEST_SECRET), victimClaims({ role: "root" }))],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const token = make();
      expectInvalidToken(await call(t, "GET", "/users/me", { token }));
      expectInvalidToken(await call(t, "POST", "/auth/logout-all", { token }));
      expectInvalidToken(await call(t, "GET", "/users", { token }));
      await expectStillSignedIn(victim);
      await expectStillSignedIn(bystander);
    });
  }

  test("the control: a token forged with our secret and exactly our claims is accepted", async () => {
    expect((await call(t, "GET", "/users/me", { token: forge(hs256(TEST_SECRET), victimClaims()) })).status).toBe(200);
  });

  test("a real access token past its exp (clock moved) is refused", async () => {
    const s = await signUp(t);
    const skip = t.services.config.accessTokenTtl + 1;
    t.clock.advanceSeconds(skip);
    try {
      expectInvalidToken(await call(t, "GET", "/users/me", { token: s.access }));
      const fresh = await call(t, "POST", "/auth/refresh", { json: { refresh_token: s.refresh } });
      expect(fresh.status).toBe(200);
    } finally {
      t.clock.advanceSeconds(-skip); // the other tests' tokens stay fresh
    }
  });

  test("malformed Authorization headers", async () => {
    for (const authorization of ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", `Bearer ${victim.access} extra`, `Token ${victim.access}`, "Bearer a.b.c", "Bearer ...", "Bearer \u00e9"]) {
      expectInvalidToken(await call(t, "GET", "/users/me", { headers: { authorization } }));
    }
    await expectStillSignedIn(victim);
  });
});

describe("tokens of users who are gone", () => {
  test("a deleted user's access and refresh tokens", async () => {
    const admin = await signInAdmin(t);
    const doomed = await signUp(t);
    expect((await call(t, "DELETE", `/users/${doomed.user.id}`, { token: admin.access })).status).toBe(204);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: doomed.access }));
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: doomed.refresh } }));
    // Even a token signed with our own key fails: the session is gone with the user.
    const now = Math.floor(t.clock.now() / 1000);
    const forged = forge(hs256(TEST_SECRET), { ...claimsOf(doomed.access), iat: now, exp: now + 600 });
    expectInvalidToken(await call(t, "GET", "/users/me", { token: forged }));
    await expectStillSignedIn(victim);
  });

  test("a disabled user's access and refresh tokens", async () => {
    const admin = await signInAdmin(t);
    const disabled = await signUp(t);
    expect((await call(t, "PATCH", `/users/${disabled.user.id}`, { token: admin.access, json: { disabled: true } })).status).toBe(200);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: disabled.access }));
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: disabled.refresh } }));
    expectInvalidToken(await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: disabled.refresh } }));
    await expectStillSignedIn(victim);
  });
});

describe("refresh tokens", () => {
  test("one character changed: refused, and the real token is not revoked by the attempt", async () => {
    const s = await signUp(t);
    for (const at of [0, 10, Math.floor(s.refresh.length / 2), s.refresh.length - 1]) {
      const bad = flipOneChar(s.refresh, at);
      expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: bad } }));
      expectInvalidToken(await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: bad } }));
      expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: bad } })).status).toBe(204);
    }
    await expectStillSignedIn(s);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: s.refresh } })).status).toBe(200);
  });

  test("another user's (altered) refresh token, sent with my access token, leaves both sessions alone", async () => {
    const me = await signUp(t);
    const other = await signUp(t);
    const altered = flipOneChar(other.refresh);
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { token: me.access, json: { refresh_token: altered } }));
    expect((await call(t, "POST", "/auth/logout", { token: me.access, json: { refresh_token: altered } })).status).toBe(204);
    await expectStillSignedIn(me);
    await expectStillSignedIn(other);
    // Refreshing my own token while holding another user's access token rotates only my session.
    const mine = await call(t, "POST", "/auth/refresh", { token: other.access, json: { refresh_token: me.refresh } });
    expect(mine.status).toBe(200);
    expect(claimsOf(mine.body.access_token).sub).toBe(me.user.id);
    await expectStillSignedIn(other);
    // My logout, sent with another user's bearer, ends my session only.
    expect((await call(t, "POST", "/auth/logout", { token: other.access, json: { refresh_token: mine.body.refresh_token } })).status).toBe(204);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: mine.body.access_token }));
    await expectStillSignedIn(other);
  });

  test("an access token presented as a refresh token and vice versa", async () => {
    const s = await signUp(t);
    expectInvalidToken(await call(t, "POST", "/auth/refresh", { json: { refresh_token: s.access } }));
    expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: s.access } })).status).toBe(204);
    expectInvalidToken(await call(t, "GET", "/users/me", { token: s.refresh }));
    await expectStillSignedIn(s);
  });
});
