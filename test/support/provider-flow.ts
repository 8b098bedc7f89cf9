// Drives a provider sign-in through the in-process app, as a browser and an app would: authorize
// (302 to the provider), the provider (a real local server, 302 back), our callback (302 to the app),
// then the app's code exchange at /auth/token.
import { base64url, randomBytes } from "../../src/auth/crypto";
import type { TestApp } from "./app";
import type { FakeGithub } from "./fake-github";
import { call, type Reply } from "./http";
import type { OidcProvider } from "./oidc-provider";

export const APP_REDIRECT = "https://app.example.com/callback";
export const MOBILE_REDIRECT = "com.example.app:/oauth2redirect";

/** The configuration of a test app with the local OIDC provider as `mock` (and the fake GitHub as `github`). */
export function providerEnv(oidc: OidcProvider, github?: FakeGithub): Record<string, string> {
  return {
    PUBLIC_URL: "http://localhost",
    OAUTH_PROVIDERS: github ? "mock,github" : "mock",
    OAUTH_MOCK_CLIENT_ID: "edge-auth-client",
    OAUTH_MOCK_CLIENT_SECRET: "mock-client-secret",
    OAUTH_MOCK_ISSUER: oidc.issuer,
    OAUTH_MOCK_NAME: "Mock ID",
    ...(github && {
      OAUTH_GITHUB_CLIENT_ID: github.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: github.clientSecret,
      OAUTH_GITHUB_AUTH_URL: github.url,
      OAUTH_GITHUB_API_URL: github.url,
    }),
    OAUTH_REDIRECT_URLS: `${APP_REDIRECT},${MOBILE_REDIRECT}`,
  };
}

/** A fresh PKCE pair, as an app makes it (RFC 7636 S256). */
export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

/** GET /auth/oauth/{provider}/authorize with the given (or default) parameters. */
export function authorize(t: Pick<TestApp, "app">, provider: string, params: Record<string, string>): Promise<Reply> {
  return call(t, "GET", `/auth/oauth/${provider}/authorize?${new URLSearchParams(params)}`);
}

/** What the browser does at the provider: follow its one redirect back, to our callback URL. */
export async function atProvider(location: string): Promise<string> {
  const res = await fetch(location, { redirect: "manual" });
  const back = res.headers.get("location");
  if (res.status !== 302 || !back) throw new Error(`provider answered ${res.status}: ${await res.text()}`);
  return back;
}

/** Our callback, with whatever query the provider (or an attacker) put on it. */
export function callback(t: Pick<TestApp, "app">, callbackUrl: string): Promise<Reply> {
  const url = new URL(callbackUrl, "http://localhost");
  return call(t, "GET", url.pathname + url.search);
}

export type Finished = { reply: Reply; back: URL | null; verifier: string; callbackUrl: string };

/** The whole browser part: authorize → provider → callback. `back` is where our callback redirected. */
export async function signInAt(t: Pick<TestApp, "app">, provider: string, options: { redirectUri?: string; state?: string } = {}): Promise<Finished> {
  const { verifier, challenge } = await pkce();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri ?? APP_REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(options.state !== undefined && { state: options.state }),
  };
  const started = await authorize(t, provider, params);
  if (started.status !== 302) throw new Error(`authorize answered ${started.status}: ${started.text}`);
  const callbackUrl = await atProvider(started.headers.get("location")!);
  const reply = await callback(t, callbackUrl);
  const location = reply.headers.get("location");
  return { reply, back: location ? new URL(location) : null, verifier, callbackUrl };
}

/** POST /auth/token grant_type=authorization_code. */
export function exchange(t: Pick<TestApp, "app">, code: string, verifier: string, redirectUri = APP_REDIRECT): Promise<Reply> {
  return call(t, "POST", "/auth/token", { form: { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirectUri } });
}

/** Signs in at the provider and exchanges the code: the token pair (or the refusal) of /auth/token. */
export async function signInWithProvider(t: Pick<TestApp, "app">, provider: string): Promise<Reply> {
  const done = await signInAt(t, provider);
  const code = done.back?.searchParams.get("code");
  if (!code) throw new Error(`no code came back: ${done.back?.href ?? done.reply.text}`);
  return exchange(t, code, done.verifier);
}
