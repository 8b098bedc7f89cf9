// Provider sign-in inside workerd: the Worker's outgoing fetch reaches a real OpenID Connect
// provider (oauth2-mock-server, started by global-setup.ts), state and codes live in Upstash
// (Redis behind the REST protocol), users and identities in Postgres through Neon's HTTP driver.
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { exports } from "cloudflare:workers";
import { call, untilReady } from "./helpers";

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;

const GET_ADDRESS = `10.251.${Math.floor(Math.random() * 250) + 1}.1`;

/** A GET to the Worker that does not follow redirects (the 302s are what is under test). */
async function get(path: string) {
  // Its own client address, like helpers.ts's call (the /auth/* limit is per address).
  const res = await worker.fetch(`http://edge-auth.test${path}`, { redirect: "manual", headers: { "cf-connecting-ip": GET_ADDRESS } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get("content-type") ?? "") && text ? JSON.parse(text) : text };
}

const APP = "https://app.example.com/callback";

async function pkce() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const verifier = b64(bytes);
  const challenge = b64(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

async function control(path: string, body?: unknown) {
  const res = await fetch(`${inject("oidcIssuer")}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
  expect(res.status).toBe(204);
}

/** authorize → the provider → our callback; returns where the callback sent the browser, and the verifier. */
async function signInAtProvider(state: string) {
  const { verifier, challenge } = await pkce();
  const query = new URLSearchParams({ redirect_uri: APP, code_challenge: challenge, code_challenge_method: "S256", state });
  const started = await get(`/auth/oauth/mock/authorize?${query}`);
  expect(started.status, JSON.stringify(started.body)).toBe(302);
  const atProvider = await fetch(started.headers.get("location")!, { redirect: "manual" });
  expect(atProvider.status).toBe(302);
  const callbackUrl = new URL(atProvider.headers.get("location")!);
  const back = await get(callbackUrl.pathname + callbackUrl.search);
  return { back, verifier, callbackPath: callbackUrl.pathname + callbackUrl.search };
}

const exchange = (code: string, verifier: string) =>
  call("POST", "/auth/token", {
    raw: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: APP }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });

describe("provider sign-in in workerd", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("lists the provider, signs in a new user through the provider, and the code works once", async () => {
    expect((await call("GET", "/auth/providers")).body).toEqual({ providers: [{ id: "mock", name: "mock" }] });
    const email = `wd-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await control("/__test/account", { sub: `wd-${crypto.randomUUID()}`, email, email_verified: true, name: "Workerd User" });
    const { back, verifier, callbackPath } = await signInAtProvider("wd-state");
    expect(back.status).toBe(302);
    const to = new URL(back.headers.get("location")!);
    expect(to.origin + to.pathname).toBe(APP);
    expect(to.searchParams.get("state")).toBe("wd-state");
    const code = to.searchParams.get("code")!;

    const token = await exchange(code, verifier);
    expect(token.status).toBe(200);
    const me = await call("GET", "/users/me", { token: token.body.access_token });
    expect(me.body).toMatchObject({ email, name: "Workerd User", emailVerified: true });
    const ids = await call("GET", "/users/me/identities", { token: token.body.access_token });
    expect(ids.body.identities).toHaveLength(1);

    expect((await exchange(code, verifier)).body.code).toBe("invalid_code");
    const replay = await get(callbackPath);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe("invalid_code");
  });

  it("refuses an ID token signed by another key, and a redirect_uri off the list", async () => {
    await control("/__test/account", { sub: `wd-${crypto.randomUUID()}`, email: `wd-${crypto.randomUUID().slice(0, 8)}@example.com`, email_verified: true });
    await control("/__test/forge-next");
    const { back } = await signInAtProvider("s");
    expect(new URL(back.headers.get("location")!).searchParams.get("error")).toBe("server_error");

    const { challenge } = await pkce();
    const bad = await call("GET", `/auth/oauth/mock/authorize?${new URLSearchParams({ redirect_uri: "https://evil.example.com/", code_challenge: challenge, code_challenge_method: "S256" })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("invalid_redirect");
  });
});
