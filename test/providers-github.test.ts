// Sign-in with GitHub (plain OAuth 2.0) against a local stand-in of its endpoints: PKCE at the code
// exchange, the profile from /user and /user/emails, and the primary email only when it is verified.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { buildTestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { startFakeGithub, type FakeGithub } from "./support/fake-github";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider";
import { atProvider, authorize, callback, pkce, providerEnv, signInAt, signInWithProvider, APP_REDIRECT } from "./support/provider-flow";

let oidc: OidcProvider;
let github: FakeGithub;
beforeAll(async () => {
  oidc = await startOidcProvider();
  github = startFakeGithub();
});
afterAll(async () => {
  await github.stop();
  await oidc.stop();
});

const app = () => buildTestApp({ env: providerEnv(oidc, github) });
let nextId = 1000;
const account = (emails: { email: string; primary: boolean; verified: boolean }[], name: string | null = "Mona Lisa") => ({
  id: nextId++, login: `mona${nextId}`, name, emails,
});
const uniq = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

describe("GitHub", () => {
  test("listed by its name, and sends the browser to GitHub's authorize with PKCE S256 and the email scope", async () => {
    const t = await app();
    expect((await call(t, "GET", "/auth/providers")).body.providers).toEqual([{ id: "mock", name: "Mock ID" }, { id: "github", name: "GitHub" }]);
    const { challenge } = await pkce();
    const res = await authorize(t, "github", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const to = new URL(res.headers.get("location")!);
    expect(to.origin + to.pathname).toBe(`${github.url}/login/oauth/authorize`);
    expect(to.searchParams.get("scope")).toBe("read:user user:email");
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("redirect_uri")).toBe("http://localhost/auth/oauth/github/callback");
  });

  test("the primary verified email makes a verified account with GitHub's name; the same GitHub id signs in again", async () => {
    const t = await app();
    const email = uniq("mona");
    const mona = account([{ email: uniq("other"), primary: false, verified: true }, { email, primary: true, verified: true }]);
    github.signInAs(mona);
    const first = await signInWithProvider(t, "github");
    expect(first.status).toBe(200);
    expect(decodeJwt(first.body.access_token).amr).toEqual(["fed"]);
    const me = await call(t, "GET", "/users/me", { token: first.body.access_token });
    expect(me.body).toMatchObject({ email, name: "Mona Lisa", emailVerified: true });
    const ids = (await call(t, "GET", "/users/me/identities", { token: first.body.access_token })).body.identities;
    expect(ids).toMatchObject([{ provider: "github", email }]);
    const again = await signInWithProvider(t, "github");
    expect(decodeJwt(again.body.access_token).sub).toBe(me.body.id);
  });

  test("the login stands in for a missing name", async () => {
    const t = await app();
    const email = uniq("noname");
    const a = account([{ email, primary: true, verified: true }], null);
    github.signInAs(a);
    const res = await signInWithProvider(t, "github");
    expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).body.name).toBe(a.login);
  });

  test("no verified primary email: a new account is refused (access_denied); an existing user's email is not linked", async () => {
    const t = await app();
    const owner = await signUp(t);
    const cases = [
      account([{ email: owner.email, primary: true, verified: false }]),
      account([{ email: owner.email, primary: false, verified: true }, { email: uniq("p"), primary: true, verified: false }]),
      account([]),
    ];
    for (const a of cases) {
      github.signInAs(a);
      const done = await signInAt(t, "github");
      expect(done.back!.searchParams.get("error")).toBe("access_denied");
    }
    expect(await t.services.identities.listForUser(owner.user.id)).toHaveLength(0);
    expect((await call(t, "GET", "/users/me", { token: owner.access })).status).toBe(200);
  });

  test("a verified primary email of an existing verified user links to that user", async () => {
    const t = await app();
    const owner = await signUp(t);
    github.signInAs(account([{ email: owner.email, primary: true, verified: true }]));
    const res = await signInWithProvider(t, "github");
    expect(decodeJwt(res.body.access_token).sub).toBe(owner.user.id);
  });

  test("a code GitHub refuses (here: a replayed provider code) is server_error for the app", async () => {
    const t = await app();
    github.signInAs(account([{ email: uniq("r"), primary: true, verified: true }]));
    const { challenge } = await pkce();
    const started = await authorize(t, "github", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const callbackUrl = await atProvider(started.headers.get("location")!);
    expect((await callback(t, callbackUrl)).status).toBe(302);
    // A second flow's state with the first flow's (now used) GitHub code.
    const second = await authorize(t, "github", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
    const state = new URL(second.headers.get("location")!).searchParams.get("state")!;
    const usedCode = new URL(callbackUrl).searchParams.get("code")!;
    const res = await call(t, "GET", `/auth/oauth/github/callback?${new URLSearchParams({ code: usedCode, state })}`);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("server_error");
  });
});
