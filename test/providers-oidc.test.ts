// Sign-in with an OpenID Connect provider (a real one, run locally by oauth2-mock-server): the ID
// token checks, and the four linking rules of API.md.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { identities, users } from "../src/db/schema";
import { decodeJwt } from "jose";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider";
import { APP_REDIRECT, exchange, providerEnv, signInAt, signInWithProvider } from "./support/provider-flow";

let oidc: OidcProvider;
beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterAll(async () => {
  await oidc.stop();
});

const app = () => buildTestApp({ env: providerEnv(oidc) });
const uniq = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}`;

describe("a sign-in with an OpenID Connect provider", () => {
  test("a new account: created verified, named by the provider, no password; the token pair says amr fed", async () => {
    const t = await app();
    const email = `${uniq("new")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true, name: "Grace Hopper" });
    const done = await signInAt(t, "mock", { state: "app-state-1" });
    expect(done.reply.status).toBe(302);
    expect(done.back!.origin + done.back!.pathname).toBe(APP_REDIRECT);
    expect(done.back!.searchParams.get("state")).toBe("app-state-1");
    const code = done.back!.searchParams.get("code")!;
    expect(code.length).toBeGreaterThan(20);
    // No token ever travels in a URL: only the one-time code and the app's state.
    expect([...done.back!.searchParams.keys()].sort()).toEqual(["code", "state"]);

    const token = await exchange(t, code, done.verifier);
    expect(token.status).toBe(200);
    expect(token.body.token_type).toBe("bearer");
    const claims = decodeJwt(token.body.access_token);
    expect(claims.amr).toEqual(["fed"]);
    expect(claims.aal).toBe("aal1");

    const me = await call(t, "GET", "/users/me", { token: token.body.access_token });
    expect(me.body).toMatchObject({ email, name: "Grace Hopper", emailVerified: true });
    const row = await t.services.users.findByEmail(email);
    expect(row!.passwordHash).toBeNull();
    // A password login for it is the ordinary 401.
    const login = await call(t, "POST", "/auth/login", { json: { email, password: "anything at all" } });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe("invalid_credentials");

    const ids = await call(t, "GET", "/users/me/identities", { token: token.body.access_token });
    expect(ids.status).toBe(200);
    expect(ids.body.identities).toHaveLength(1);
    expect(ids.body.identities[0]).toMatchObject({ provider: "mock", email });
    expect(typeof ids.body.identities[0].lastUsedAt).toBe("string");
  });
});

/** The row counts a refused sign-in must leave alone. */
async function counts(t: TestApp) {
  const [u] = await t.db.select({ n: count() }).from(users);
  const [i] = await t.db.select({ n: count() }).from(identities);
  return { users: u!.n, identities: i!.n };
}

describe("the four linking rules, in order", () => {
  test("(1) a known provider account signs in its own user, whatever email it now shows", async () => {
    const t = await app();
    const sub = uniq("sub");
    oidc.signInAs({ sub, email: `${uniq("first")}@example.com`, email_verified: true });
    const first = await signInWithProvider(t, "mock");
    expect(first.status).toBe(200);
    const uid = decodeJwt(first.body.access_token).sub;
    const before = await t.services.identities.listForUser(uid!);

    t.clock.advance(5_000);
    // Same subject, another address (changed at the provider): still the same user, nothing new.
    oidc.signInAs({ sub, email: `${uniq("changed")}@example.com`, email_verified: true });
    const second = await signInWithProvider(t, "mock");
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.access_token).sub).toBe(uid);
    expect(await counts(t)).toEqual({ users: 1, identities: 1 });
    const after = await t.services.identities.listForUser(uid!);
    expect(after[0]!.lastUsedAt!.getTime()).toBeGreaterThan(before[0]!.lastUsedAt!.getTime());
    // The identity shows the provider's current address; the account's own email is unchanged.
    expect(after[0]!.email).not.toBe(before[0]!.email);
    expect((await t.services.users.findById(uid!))!.email).toBe(before[0]!.email!);
  });

  test("(2) a verified user with the vouched-for email gets the identity linked; the password still works", async () => {
    const t = await app();
    const owner = await signUp(t);
    oidc.signInAs({ sub: uniq("sub"), email: owner.email.toUpperCase(), email_verified: true });
    const token = await signInWithProvider(t, "mock");
    expect(token.status).toBe(200);
    expect(decodeJwt(token.body.access_token).sub).toBe(owner.user.id);
    expect((await call(t, "GET", "/users/me", { token: owner.access })).status).toBe(200);
    expect((await call(t, "POST", "/auth/login", { json: { email: owner.email, password: owner.password } })).status).toBe(200);
    const ids = await call(t, "GET", "/users/me/identities", { token: owner.access });
    expect(ids.body.identities.map((i: { provider: string }) => i.provider)).toEqual(["mock"]);
  });

  test("(2) an unverified password account planted in advance loses its password and sessions, is verified, then linked", async () => {
    // Without required verification the planter could even sign in: that session must end too.
    const t = await buildTestApp({ env: { ...providerEnv(oidc), REQUIRE_EMAIL_VERIFICATION: "false" } });
    const email = `${uniq("victim")}@example.com`;
    const planted = await call(t, "POST", "/auth/register", { json: { email, password: "planted password" } });
    expect(planted.status).toBe(201);
    const planter = await call(t, "POST", "/auth/login", { json: { email, password: "planted password" } });
    expect(planter.status).toBe(200);

    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true, name: "Real Owner" });
    const owner = await signInWithProvider(t, "mock");
    expect(owner.status).toBe(200);
    expect(decodeJwt(owner.body.access_token).sub).toBe(planted.body.user.id);

    expect((await call(t, "GET", "/users/me", { token: planter.body.access_token })).status).toBe(401);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: planter.body.refresh_token } })).status).toBe(401);
    const again = await call(t, "POST", "/auth/login", { json: { email, password: "planted password" } });
    expect(again.status).toBe(401);
    const row = await t.services.users.findByEmail(email);
    expect(row).toMatchObject({ passwordHash: null, emailVerified: true });
    expect(await t.services.identities.listForUser(row!.id)).toHaveLength(1);
  });

  test("(3) a user has the email but the provider does not vouch for it: account_exists, nothing changes", async () => {
    const t = await app();
    const owner = await signUp(t);
    for (const claims of [{ email_verified: false }, {}]) {
      oidc.signInAs({ sub: uniq("sub"), email: owner.email, ...claims });
      const before = await counts(t);
      const done = await signInAt(t, "mock", { state: "s" });
      expect(done.back!.searchParams.get("error")).toBe("account_exists");
      expect(done.back!.searchParams.get("state")).toBe("s");
      expect(done.back!.searchParams.get("code")).toBeNull();
      expect(await counts(t)).toEqual(before);
    }
    expect((await call(t, "GET", "/users/me", { token: owner.access })).status).toBe(200);
  });

  test("(3) even an unverified account is left alone when the provider does not vouch for the email", async () => {
    const t = await app();
    const email = `${uniq("plain")}@example.com`;
    await call(t, "POST", "/auth/register", { json: { email, password: "some password" } });
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: false });
    const done = await signInAt(t, "mock");
    expect(done.back!.searchParams.get("error")).toBe("account_exists");
    expect((await t.services.users.findByEmail(email))!.passwordHash).not.toBeNull();
  });

  test("(4) a new user takes the provider's word on verification: an unvouched email stays unverified", async () => {
    const t = await app();
    const email = `${uniq("unvouched")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: false });
    const token = await signInWithProvider(t, "mock");
    expect(token.status).toBe(200);
    expect(await t.services.users.findByEmail(email)).toMatchObject({ emailVerified: false, passwordHash: null, name: null });
  });

  test("a provider account without an email cannot become a new user: access_denied, nothing created", async () => {
    const t = await app();
    oidc.signInAs({ sub: uniq("sub") });
    const done = await signInAt(t, "mock");
    expect(done.back!.searchParams.get("error")).toBe("access_denied");
    expect(await counts(t)).toEqual({ users: 0, identities: 0 });
  });

  test("a disabled account: access_denied at the callback, by rule (1) and by rule (2), and nothing is linked", async () => {
    const t = await app();
    const sub = uniq("sub");
    const email = `${uniq("dis")}@example.com`;
    oidc.signInAs({ sub, email, email_verified: true });
    expect((await signInWithProvider(t, "mock")).status).toBe(200);
    const user = await t.services.users.findByEmail(email);
    await t.services.users.update(user!.id, { disabled: true });
    const known = await signInAt(t, "mock");
    expect(known.back!.searchParams.get("error")).toBe("access_denied");

    const other = await signUp(t);
    await t.services.users.update(other.user.id, { disabled: true });
    oidc.signInAs({ sub: uniq("sub"), email: other.email, email_verified: true });
    const byEmail = await signInAt(t, "mock");
    expect(byEmail.back!.searchParams.get("error")).toBe("access_denied");
    expect(await t.services.identities.listForUser(other.user.id)).toHaveLength(0);
  });
});

describe("the ID token is checked: signature, issuer, audience, expiry, nonce", () => {
  const cases: [string, () => void][] = [
    ["signed by another key (same kid)", () => oidc.forgeNextIdToken()],
    ["for another audience", () => oidc.tamperNextIdToken((p) => void (p.aud = "someone-else"))],
    ["from another issuer", () => oidc.tamperNextIdToken((p) => void (p.iss = "https://evil.example.com"))],
    ["with another nonce", () => oidc.tamperNextIdToken((p) => void (p.nonce = "not-the-nonce-we-sent"))],
    ["without the nonce", () => oidc.tamperNextIdToken((p) => void delete p.nonce)],
    ["expired", () => oidc.tamperNextIdToken((p) => void (p.exp = Math.floor(Date.now() / 1000) - 3600))],
  ];
  for (const [name, spoil] of cases) {
    test(`an ID token ${name}: server_error, nobody signed in or created`, async () => {
      const t = await app();
      oidc.signInAs({ sub: uniq("sub"), email: `${uniq("tok")}@example.com`, email_verified: true });
      spoil();
      const done = await signInAt(t, "mock", { state: "keep" });
      expect(done.reply.status).toBe(302);
      expect(done.back!.searchParams.get("error")).toBe("server_error");
      expect(done.back!.searchParams.get("state")).toBe("keep");
      expect(done.back!.searchParams.get("code")).toBeNull();
      expect(await counts(t)).toEqual({ users: 0, identities: 0 });
      expect(t.logger.events("oauth.provider_failed")).toHaveLength(1);
    });
  }

  test("the same flow without spoiling signs in (the cases above fail for their one reason)", async () => {
    const t = await app();
    oidc.signInAs({ sub: uniq("sub"), email: `${uniq("ok")}@example.com`, email_verified: true });
    expect((await signInWithProvider(t, "mock")).status).toBe(200);
  });
});
