import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import * as client from "openid-client";
import { base64url, randomBytes } from "../auth/crypto";
import { issueHandOffCode, saveFlowState, takeFlowState } from "../auth/providers/flow-state";
import { resolveProviderUser } from "../auth/providers/linking";
import { upstreams } from "../auth/providers/registry";
import type { Upstream } from "../auth/providers/upstream";
import { ApiError } from "../errors";
import { json, problems } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";

const tags = ["External providers"];
const ProviderParam = z.object({ provider: z.string().max(32).openapi({ example: "github" }) });
// Printable ASCII only: a state goes back into a URL and into logs as is.
const Printable = /^[\x20-\x7e]*$/;

const listProviders = createRoute({
  method: "get", path: "/auth/providers", tags, summary: "The configured external providers",
  responses: { 200: json(z.object({ providers: z.array(z.object({ id: z.string(), name: z.string() })) }), "Providers"), ...problems(429) },
});

/** Unknown provider: 404 before anything else about the request is looked at. */
const knownProvider = createMiddleware<AppEnv>(async (c, next) => {
  upstreamOf(c);
  await next();
});

const authorize = createRoute({
  method: "get", path: "/auth/oauth/{provider}/authorize", tags, middleware: [knownProvider],
  summary: "Start a sign-in at the provider (OAuth 2.0 authorization endpoint with PKCE)",
  description: "RFC 6749 §3.1: unrecognized parameters are ignored. Every refusal is a 400 problem, never a redirect.",
  request: {
    params: ProviderParam,
    query: z.object({
      redirect_uri: z.string().min(1).max(2000).openapi({ description: "One of OAUTH_REDIRECT_URLS, or the web UI's own page" }),
      code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be BASE64URL(SHA-256(code_verifier)): 43 characters"),
      code_challenge_method: z.literal("S256", "must be S256"),
      state: z.string().max(500).regex(Printable, "must be printable ASCII").optional(),
      // What OAuth2 client libraries send as well: accepted, and response_type must be code.
      response_type: z.literal("code", "must be code").optional(),
      client_id: z.string().max(200).optional(),
      scope: z.string().max(500).optional(),
    }),
  },
  responses: { 302: { description: "To the provider (or, when the provider cannot be reached, back with error=server_error)" }, ...problems(400, 404, 429, 503) },
});

const callback = createRoute({
  method: "get", path: "/auth/oauth/{provider}/callback", tags, middleware: [knownProvider],
  summary: "Where the provider sends the browser back (register this URL at the provider)",
  request: {
    params: ProviderParam,
    query: z.object({
      state: z.string().max(200).optional(),
      code: z.string().max(2048).optional(),
      error: z.string().max(200).optional(),
      error_description: z.string().max(2000).optional(),
    }),
  },
  responses: {
    302: { description: "To the app's redirect_uri with code and state, or error=access_denied|account_exists|server_error" },
    ...problems(400, 404, 429, 503),
  },
});

function upstreamOf(c: Context<AppEnv>): Upstream {
  const found = upstreams(c.get("frame")).get(c.req.param("provider") ?? "");
  if (!found) throw new ApiError(404, "not_found", "There is no such provider.");
  return found;
}

/** This server's external base URL: PUBLIC_URL, else the request's origin. */
const baseUrl = (c: Context<AppEnv>) => c.get("frame").config.publicUrl ?? new URL(c.req.url).origin;

/** The web UI's own page (served at `/`): always an allowed redirect URI, as it is an app of this flow too. */
export const webUiRedirectUri = (c: Context<AppEnv>) => `${baseUrl(c)}/`;

/** Back to the app: its redirect URI with our parameters and its own state, exactly as it gave it. */
function backToApp(c: Context<AppEnv>, redirectUri: string, appState: string | null, params: Record<string, string>) {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (appState !== null) url.searchParams.set("state", appState);
  return c.redirect(url.href, 302);
}

export const providerRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(listProviders, (c) => {
    const providers = [...upstreams(c.get("frame")).values()].map(({ id, name }) => ({ id, name }));
    return c.json({ providers }, 200);
  })
  .openapi(authorize, async (c) => {
    const s = c.get("frame");
    const upstream = upstreamOf(c);
    const query = c.req.valid("query");
    // Exact match (scheme, host, port, path, query): no prefix or pattern can be bent into an open redirect.
    if (!s.config.oauth.redirectUrls.includes(query.redirect_uri) && query.redirect_uri !== webUiRedirectUri(c)) {
      throw new ApiError(400, "invalid_redirect", "The redirect_uri is not on the allow-list (OAUTH_REDIRECT_URLS).");
    }
    const appState = query.state ?? null;
    const callbackUrl = `${baseUrl(c)}/auth/oauth/${upstream.id}/callback`;
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = base64url(randomBytes(32));
    let target: URL;
    try {
      target = await upstream.authorizationUrl({ callbackUrl, state, codeChallenge: await client.calculatePKCECodeChallenge(verifier), nonce });
    } catch (error) {
      // OIDC discovery failed: this provider is down, not the server (the app hears server_error).
      s.logger.warn("oauth.provider_failed", { requestId: s.requestId, provider: upstream.id, step: "discovery", error: (error as Error)?.name });
      return backToApp(c, query.redirect_uri, appState, { error: "server_error" });
    }
    await saveFlowState(s.store, state, {
      provider: upstream.id, callbackUrl, verifier, nonce, redirectUri: query.redirect_uri, codeChallenge: query.code_challenge, appState,
    });
    return c.redirect(target.href, 302);
  })
  .openapi(callback, async (c) => {
    const s = c.get("frame");
    const upstream = upstreamOf(c);
    const query = c.req.valid("query");
    const flow = query.state ? await takeFlowState(s.store, query.state) : null;
    // Unknown, expired, replayed, or another provider's: a problem, never a redirect (no trusted redirect_uri).
    if (!flow || flow.provider !== upstream.id) {
      s.logger.warn("oauth.state_rejected", { requestId: s.requestId, provider: upstream.id });
      throw new ApiError(400, "invalid_code", "This sign-in is unknown, expired or already finished. Start again.");
    }
    const back = (params: Record<string, string>) => backToApp(c, flow.redirectUri, flow.appState, params);
    if (query.error !== undefined || query.code === undefined) {
      s.logger.info("oauth.provider_declined", { requestId: s.requestId, provider: upstream.id });
      return back({ error: query.error === "access_denied" ? "access_denied" : "server_error" });
    }
    let profile;
    try {
      const currentUrl = new URL(flow.callbackUrl);
      currentUrl.search = new URL(c.req.url).search;
      profile = await upstream.finish({ currentUrl, state: query.state!, codeVerifier: flow.verifier, nonce: flow.nonce });
    } catch (error) {
      // Down, slow, or an answer that does not check out (ID token signature, issuer, audience, expiry, nonce).
      const e = error as { name?: string; code?: unknown };
      s.logger.warn("oauth.provider_failed", { requestId: s.requestId, provider: upstream.id, step: "exchange", error: e?.name, code: String(e?.code ?? "") });
      return back({ error: "server_error" });
    }
    const outcome = await resolveProviderUser(c, upstream.id, profile);
    if ("refused" in outcome) {
      s.logger.info("oauth.sign_in_refused", { requestId: s.requestId, provider: upstream.id, reason: outcome.refused });
      return back({ error: outcome.refused === "account_exists" ? "account_exists" : "access_denied" });
    }
    const code = await issueHandOffCode(s.store, { uid: outcome.user.id, redirectUri: flow.redirectUri, codeChallenge: flow.codeChallenge, via: "fed" });
    return back({ code });
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const providersContract = { listProviders, authorize, callback };
