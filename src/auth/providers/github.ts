import * as client from "openid-client";
import type { ProviderConfig } from "../../oauth-config";
import { cleanEmail, cleanName, cleanSubject, customFetchOf } from "./oidc";
import { PROVIDER_TIMEOUT_SECONDS, type Fetch, type Upstream } from "./upstream";

type GithubConfig = Extract<ProviderConfig, { kind: "github" }>;

type GithubUser = { id?: unknown; login?: unknown; name?: unknown };
type GithubEmail = { email?: unknown; primary?: unknown; verified?: unknown };

/**
 * GitHub: plain OAuth 2.0 (no OpenID Connect), so the endpoints are known up front and no network
 * is touched before a sign-in. openid-client still does the authorization URL, the state check and
 * the PKCE code exchange; the profile comes from GET /user and GET /user/emails, and the email is
 * the primary one only when GitHub marks it verified (an unverified address proves nothing).
 */
export function createGithubUpstream(p: GithubConfig, send: Fetch): Upstream {
  const server: client.ServerMetadata = {
    issuer: p.authUrl,
    authorization_endpoint: `${p.authUrl}/login/oauth/authorize`,
    token_endpoint: `${p.authUrl}/login/oauth/access_token`,
  };
  const config = new client.Configuration(server, p.clientId, p.clientSecret);
  config[client.customFetch] = customFetchOf(send);
  config.timeout = PROVIDER_TIMEOUT_SECONDS;
  // parseConfig allows http:// only on loopback hosts (a local stand-in in development and tests).
  if (p.authUrl.startsWith("http:") || p.apiUrl.startsWith("http:")) client.allowInsecureRequests(config);

  const api = async <T>(path: string, accessToken: string): Promise<T> => {
    const headers = new Headers({ accept: "application/vnd.github+json", "user-agent": "edge-auth", "x-github-api-version": "2022-11-28" });
    const res = await client.fetchProtectedResource(config, accessToken, new URL(`${p.apiUrl}${path}`), "GET", undefined, headers);
    if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
    return (await res.json()) as T;
  };

  return {
    id: p.id,
    name: p.name,
    async authorizationUrl({ callbackUrl, state, codeChallenge }) {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: callbackUrl,
        scope: "read:user user:email",
        state,
        code_challenge: codeChallenge,
        code_challenge_method: "S256",
      });
    },
    async finish({ currentUrl, state, codeVerifier }) {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
      const [user, emails] = await Promise.all([
        api<GithubUser>("/user", tokens.access_token),
        api<GithubEmail[]>("/user/emails", tokens.access_token),
      ]);
      if (typeof user.id !== "number" && typeof user.id !== "string") throw new Error("GitHub user without an id");
      const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && e.verified === true) : undefined;
      const email = cleanEmail(primary?.email);
      // The access token is dropped here: provider tokens are never kept.
      return { subject: cleanSubject(String(user.id)), email, emailVerified: email !== null, name: cleanName(user.name) ?? cleanName(user.login) };
    },
  };
}
