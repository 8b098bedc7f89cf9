// The provider flow as an authorization server: authorize's checks, the server state and the
// hand-off code (each used once, also in parallel), PKCE and redirect_uri binding, the sign-in
// gate at /auth/token (mfa_required), a provider that is down, and unlinking.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { OAuth2Server } from "oauth2-mock-server";
import { and, eq, like } from "drizzle-orm";
import { decodeJwt } from "jose";
import { auditEvents, passkeys, totpFactors } from "../src/db/schema";
import { buildTestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider";
import {
  APP_REDIRECT, atProvider, authorize, callback, exchange, MOBILE_REDIRECT, pkce, providerEnv, signInAt, signInWithProvider,
} from "./support/provider-flow";

let oidc: OidcProvider;
beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterAll(async () => {
  await oidc.stop();
});

const app = (env: Record<string, string> = {}) => buildTestApp({ env: { ...providerEnv(oidc), ...env } });
const uniq = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}`;
const someone = () => oidc.signInAs({ sub: uniq("sub"), email: `${uniq("u")}@example.com`, email_verified: true });

describe("GET /auth/providers and authorize", () => {
  test("lists the configured providers with their names", async () => {
    const t = await app();
    const res = await call(t, "GET", "/auth/providers");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ providers: [{ id: "mock", name: "Mock ID" }] });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("authorize redirects to the provider with our own state, PKCE S256 and a nonce, never the app's values", async () => {
    const t = await app();
    const { challenge } = await pkce();
    const res = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "app-state" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(to.origin).toBe(oidc.issuer);
    const q = to.searchParams;
    expect(q.get("client_id")).toBe("edge-auth-client");
    expect(q.get("redirect_uri")).toBe("http://localhost/auth/oauth/mock/callback");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("code_challenge")).not.toBe(challenge);
    expect(q.get("state")!.length).toBeGreaterThanOrEqual(43);
    expect(q.get("state")).not.toBe("app-state");
    expect(q.get("nonce")!.length).toBeGreaterThanOrEqual(43);
    expect(q.get("scope")).toBe("openid email profile");
  });

  test("unknown provider: 404, whatever the query", async () => {
    const t = await app();
    for (const path of ["/auth/oauth/nope/authorize", "/auth/oauth/nope/authorize?redirect_uri=x", "/auth/oauth/nope/callback?state=x"]) {
      const res = await call(t, "GET", path);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
  });

  test("a redirect_uri off the allow-list: 400 invalid_redirect, never a redirect, and nothing stored", async () => {
    const t = await app();
    const { challenge } = await pkce();
    const near = [
      "https://evil.example.com/callback", `${APP_REDIRECT}/`, `${APP_REDIRECT}?x=1`, "https://app.example.com:444/callback",
      "http://app.example.com/callback", "https://APP.example.com/callback.evil", "http://localhost", "http://localhost/x", "com.example.app:/other",
    ];
    for (const redirect_uri of near) {
      const res = await authorize(t, "mock", { redirect_uri, code_challenge: challenge, code_challenge_method: "S256" });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_redirect");
      expect(res.headers.get("location")).toBeNull();
    }
  });

  test("the web UI's own page and a mobile app scheme on the list are allowed", async () => {
    const t = await app();
    const { challenge } = await pkce();
    for (const redirect_uri of ["http://localhost/", MOBILE_REDIRECT]) {
      const res = await authorize(t, "mock", { redirect_uri, code_challenge: challenge, code_challenge_method: "S256" });
      expect(res.status).toBe(302);
    }
  });

  test("every query parameter is validated: 400 validation_failed naming it, never a redirect", async () => {
    const t = await app();
    const { challenge } = await pkce();
    const good = { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" };
    const bad: [Record<string, string>, string][] = [
      [{ ...good, code_challenge_method: "plain" }, "code_challenge_method"],
      [{ redirect_uri: APP_REDIRECT, code_challenge: challenge }, "code_challenge_method"],
      [{ ...good, code_challenge: "short" }, "code_challenge"],
      [{ ...good, code_challenge: `${challenge}!` }, "code_challenge"],
      [{ redirect_uri: APP_REDIRECT, code_challenge_method: "S256" }, "code_challenge"],
      [{ code_challenge: challenge, code_challenge_method: "S256" }, "redirect_uri"],
      [{ ...good, state: "x".repeat(501) }, "state"],
      [{ ...good, state: "tab\there" }, "state"],
      [{ ...good, response_type: "token" }, "response_type"],
      [{ ...good, redirect_uri: "x".repeat(2001) }, "redirect_uri"],
    ];
    for (const [params, field] of bad) {
      const res = await authorize(t, "mock", params);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
      expect(res.headers.get("location")).toBeNull();
    }
    // A repeated parameter is not silently resolved one way or the other.
    const twice = await call(t, "GET", `/auth/oauth/mock/authorize?${new URLSearchParams(good)}&redirect_uri=${encodeURIComponent("https://evil.example.com/")}`);
    expect(twice.status).toBe(400);
    expect(twice.headers.get("location")).toBeNull();
    // RFC 6749 §3.1: unknown parameters are ignored; client_id and scope (what OAuth2 libraries send) too.
    const extra = await authorize(t, "mock", { ...good, response_type: "code", client_id: "my-app", scope: "openid", prompt: "login" });
    expect(extra.status).toBe(302);
  });
});

describe("the server state and the hand-off code", () => {
  test("a replayed callback (state used once): 400 invalid_code, no redirect", async () => {
    const t = await app();
    someone();
    const done = await signInAt(t, "mock");
    expect(done.back!.searchParams.get("code")).not.toBeNull();
    const replay = await callback(t, done.callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe("invalid_code");
    expect(replay.headers.get("location")).toBeNull();
  });

  test("parallel callbacks with one state: exactly one goes on", async () => {
    const t = await app();
    someone();
    const { challenge } = await pkce();
    const started = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const callbackUrl = await atProvider(started.headers.get("location")!);
    const replies = await Promise.all(Array.from({ length: 5 }, () => callback(t, callbackUrl)));
    expect(replies.filter((r) => r.status === 302)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 400 && r.body.code === "invalid_code")).toHaveLength(4);
  });

  test("junk, missing, another provider's or an expired state: 400 invalid_code, no redirect", async () => {
    const t = await app({ OAUTH_PROVIDERS: "mock,other", OAUTH_OTHER_CLIENT_ID: "x", OAUTH_OTHER_CLIENT_SECRET: "y", OAUTH_OTHER_ISSUER: oidc.issuer });
    for (const query of ["", "?code=abc", "?state=junk&code=abc", `?state=${"a".repeat(100)}`, "?error=access_denied"]) {
      const res = await call(t, "GET", `/auth/oauth/mock/callback${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_code");
      expect(res.headers.get("location")).toBeNull();
    }
    // A state made for one provider does not finish at another.
    someone();
    const { challenge } = await pkce();
    const started = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const callbackUrl = new URL(await atProvider(started.headers.get("location")!));
    const crossed = await call(t, "GET", `/auth/oauth/other/callback${callbackUrl.search}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.code).toBe("invalid_code");
    // After 10 minutes the state is gone.
    const late = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const lateUrl = await atProvider(late.headers.get("location")!);
    t.clock.advanceSeconds(601);
    const expired = await callback(t, lateUrl);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe("invalid_code");
  });

  test("declined at the provider: error=access_denied with the app's state; other provider errors: server_error", async () => {
    const t = await app();
    for (const [error, expected] of [["access_denied", "access_denied"], ["temporarily_unavailable", "server_error"]] as const) {
      const { challenge } = await pkce();
      const started = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "st" });
      const state = new URL(started.headers.get("location")!).searchParams.get("state")!;
      const res = await call(t, "GET", `/auth/oauth/mock/callback?${new URLSearchParams({ state, error, error_description: "no" })}`);
      expect(res.status).toBe(302);
      const back = new URL(res.headers.get("location")!);
      expect(back.searchParams.get("error")).toBe(expected);
      expect(back.searchParams.get("state")).toBe("st");
    }
  });

  test("the code works once: a second exchange is 400 invalid_code, also in parallel exactly one wins", async () => {
    const t = await app();
    someone();
    const done = await signInAt(t, "mock");
    const code = done.back!.searchParams.get("code")!;
    expect((await exchange(t, code, done.verifier)).status).toBe(200);
    const again = await exchange(t, code, done.verifier);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_code");

    const next = await signInAt(t, "mock");
    const nextCode = next.back!.searchParams.get("code")!;
    const replies = await Promise.all(Array.from({ length: 5 }, () => exchange(t, nextCode, next.verifier)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 400 && r.body.code === "invalid_code")).toHaveLength(4);
  });

  test("the code lives 60 seconds", async () => {
    const t = await app();
    someone();
    const done = await signInAt(t, "mock");
    t.clock.advanceSeconds(61);
    const late = await exchange(t, done.back!.searchParams.get("code")!, done.verifier);
    expect(late.status).toBe(400);
    expect(late.body.code).toBe("invalid_code");
  });

  test("the code needs its own code_verifier and redirect_uri; a wrong try burns it", async () => {
    const t = await app();
    someone();
    const wrongs: [string, string][] = [
      [(await pkce()).verifier, APP_REDIRECT],
      ["short", APP_REDIRECT],
      ["", MOBILE_REDIRECT],
    ];
    for (const [verifier, redirectUri] of wrongs) {
      const done = await signInAt(t, "mock");
      const code = done.back!.searchParams.get("code")!;
      const wrong = await exchange(t, code, verifier || done.verifier, redirectUri);
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe("invalid_code");
      // RFC 6749 §4.1.2: used at most once, even when the first use was wrong.
      expect((await exchange(t, code, done.verifier)).status).toBe(400);
    }
    const junk = await exchange(t, "not-a-code", (await pkce()).verifier);
    expect(junk.body.code).toBe("invalid_code");
    const missing = await call(t, "POST", "/auth/token", { form: { grant_type: "authorization_code", code: "x", redirect_uri: APP_REDIRECT } });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("validation_failed");
  });

  test("a mobile app's custom-scheme redirect gets its code there", async () => {
    const t = await app();
    someone();
    const done = await signInAt(t, "mock", { redirectUri: MOBILE_REDIRECT });
    expect(done.back!.protocol).toBe("com.example.app:");
    const token = await exchange(t, done.back!.searchParams.get("code")!, done.verifier, MOBILE_REDIRECT);
    expect(token.status).toBe(200);
  });
});

test("no log line holds the state, the code, a verifier or a token of the flow", async () => {
  const t = await app();
  someone();
  const done = await signInAt(t, "mock", { state: "app-secret-state" });
  const code = done.back!.searchParams.get("code")!;
  const token = await exchange(t, code, done.verifier);
  expect(token.status).toBe(200);
  const serverState = new URL(done.callbackUrl).searchParams.get("state")!;
  const providerCode = new URL(done.callbackUrl).searchParams.get("code")!;
  const logs = t.logger.lines.join("\n");
  for (const secret of [code, serverState, providerCode, done.verifier, "app-secret-state", token.body.access_token, token.body.refresh_token]) {
    expect(logs.includes(secret)).toBe(false);
  }
  expect(t.logger.events("http.request").length).toBeGreaterThanOrEqual(3);
});

describe("the sign-in gate at /auth/token", () => {
  test("an account with TOTP: the code is issued, and /auth/token answers 403 mfa_required with an mfa_token", async () => {
    const t = await app();
    const email = `${uniq("mfa")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true });
    expect((await signInWithProvider(t, "mock")).status).toBe(200);
    const user = await t.services.users.findByEmail(email);
    await t.db.insert(totpFactors).values({ userId: user!.id, secretCiphertext: "x", keyId: "k" });
    const done = await signInAt(t, "mock");
    expect(done.back!.searchParams.get("code")).not.toBeNull();
    const res = await exchange(t, done.back!.searchParams.get("code")!, done.verifier);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("mfa_required");
    expect(res.body.methods).toEqual(["totp", "recovery_code"]);
    expect(typeof res.body.mfa_token).toBe("string");
    expect(res.body.access_token).toBeUndefined();
  });

  test("an account disabled between the callback and the exchange: 403 forbidden", async () => {
    const t = await app();
    const email = `${uniq("late")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true });
    const done = await signInAt(t, "mock");
    const user = await t.services.users.findByEmail(email);
    await t.services.users.update(user!.id, { disabled: true });
    const res = await exchange(t, done.back!.searchParams.get("code")!, done.verifier);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
  });
});

describe("a provider that is down", () => {
  test("the server starts; that provider answers server_error; the others work", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const deadIssuer = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const t = await app({ OAUTH_PROVIDERS: "mock,dead", OAUTH_DEAD_CLIENT_ID: "x", OAUTH_DEAD_CLIENT_SECRET: "y", OAUTH_DEAD_ISSUER: deadIssuer });
    expect((await call(t, "GET", "/auth/providers")).body.providers).toHaveLength(2);
    const { challenge } = await pkce();
    const res = await authorize(t, "dead", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "z" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(APP_REDIRECT);
    expect(back.searchParams.get("error")).toBe("server_error");
    expect(back.searchParams.get("state")).toBe("z");
    someone();
    expect((await signInWithProvider(t, "mock")).status).toBe(200);
  });

  test("down between authorize and callback: server_error; back up, the next sign-in works (failures are not cached)", async () => {
    const server = new OAuth2Server();
    await server.issuer.keys.generate("RS256");
    await server.start(0, "127.0.0.1");
    const issuerUrl = server.issuer.url!;
    const port = Number(new URL(issuerUrl).port);
    const env = { OAUTH_PROVIDERS: "flaky", OAUTH_FLAKY_CLIENT_ID: "x", OAUTH_FLAKY_CLIENT_SECRET: "y", OAUTH_FLAKY_ISSUER: issuerUrl };
    const t = await app(env);
    const { challenge } = await pkce();
    const started = await authorize(t, "flaky", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const callbackUrl = await atProvider(started.headers.get("location")!);
    await server.stop();
    const res = await callback(t, callbackUrl);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("server_error");

    // A fresh app whose first discovery fails, then the provider comes back on the same port.
    const t2 = await app(env);
    const failed = await authorize(t2, "flaky", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    expect(new URL(failed.headers.get("location")!).searchParams.get("error")).toBe("server_error");
    const revived = new OAuth2Server();
    await revived.issuer.keys.generate("RS256");
    await revived.start(port, "127.0.0.1");
    try {
      const ok = await authorize(t2, "flaky", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
      expect(new URL(ok.headers.get("location")!).origin).toBe(new URL(issuerUrl).origin);
      expect(new URL(ok.headers.get("location")!).pathname).toBe("/authorize");
    } finally {
      await revived.stop();
    }
  });
});

describe("linked identities", () => {
  test("unlinking the only way in: 409 last_credential; with a password or another identity it goes", async () => {
    const t = await app({ OAUTH_PROVIDERS: "mock,other", OAUTH_OTHER_CLIENT_ID: "x2", OAUTH_OTHER_CLIENT_SECRET: "y2", OAUTH_OTHER_ISSUER: oidc.issuer });
    const email = `${uniq("only")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true });
    const token = await signInWithProvider(t, "mock");
    const access = token.body.access_token as string;
    const [only] = (await call(t, "GET", "/users/me/identities", { token: access })).body.identities;
    const refused = await call(t, "DELETE", `/users/me/identities/${only.id}`, { token: access });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("last_credential");

    // A second provider account (the same email, vouched for) links to the same user: now one may go.
    oidc.signInAs({ sub: uniq("sub2"), email, email_verified: true });
    expect(decodeJwt((await signInWithProvider(t, "other")).body.access_token).sub).toBe(decodeJwt(access).sub);
    expect((await call(t, "DELETE", `/users/me/identities/${only.id}`, { token: access })).status).toBe(204);
    const left = (await call(t, "GET", "/users/me/identities", { token: access })).body.identities;
    expect(left.map((i: { provider: string }) => i.provider)).toEqual(["other"]);
    expect((await call(t, "DELETE", `/users/me/identities/${left[0].id}`, { token: access })).status).toBe(409);

    // A password (set by the reset flow) is a way in too.
    await call(t, "POST", "/auth/password/forgot", { json: { email } });
    const reset = await call(t, "POST", "/auth/password/reset", { json: { email, code: t.mailer.lastCode(email, "reset-password"), password: "a brand new password" } });
    expect(reset.status).toBe(204);
    const login = await call(t, "POST", "/auth/login", { json: { email, password: "a brand new password" } });
    expect(login.status).toBe(200);
    expect((await call(t, "DELETE", `/users/me/identities/${left[0].id}`, { token: login.body.access_token })).status).toBe(204);
    // One event per act (written just after each response).
    await Bun.sleep(50);
    const rows = await t.db.select({ type: auditEvents.type }).from(auditEvents).where(and(eq(auditEvents.userId, decodeJwt(access).sub!), like(auditEvents.type, "identity_%")));
    expect(rows.map((r) => r.type).sort()).toEqual(["identity_linked", "identity_linked", "identity_removed", "identity_removed"]);
  });

  test("a passkey is a way in too: the only identity may then go", async () => {
    const t = await app();
    const email = `${uniq("pk")}@example.com`;
    oidc.signInAs({ sub: uniq("sub"), email, email_verified: true });
    const token = await signInWithProvider(t, "mock");
    const access = token.body.access_token as string;
    const [only] = (await call(t, "GET", "/users/me/identities", { token: access })).body.identities;
    expect((await call(t, "DELETE", `/users/me/identities/${only.id}`, { token: access })).status).toBe(409);
    await t.db.insert(passkeys).values({ id: crypto.randomUUID(), userId: decodeJwt(access).sub!, credentialId: uniq("cred"), publicKey: "pk", name: "Laptop" });
    expect((await call(t, "DELETE", `/users/me/identities/${only.id}`, { token: access })).status).toBe(204);
    expect((await call(t, "GET", "/users/me/identities", { token: access })).body.identities).toEqual([]);
  });

  test("another user's identity or a junk id: 404", async () => {
    const t = await app();
    someone();
    const a = await signInWithProvider(t, "mock");
    const [mine] = (await call(t, "GET", "/users/me/identities", { token: a.body.access_token })).body.identities;
    const other = await signUp(t);
    for (const id of [mine.id, "not-a-uuid", crypto.randomUUID()]) {
      const res = await call(t, "DELETE", `/users/me/identities/${id}`, { token: other.access });
      expect(res.status).toBe(404);
    }
    expect((await call(t, "GET", "/users/me/identities", { token: a.body.access_token })).body.identities).toHaveLength(1);
    expect((await call(t, "GET", "/users/me/identities")).status).toBe(401);
  });
});
