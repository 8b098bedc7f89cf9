import * as client from "openid-client";
import type { ProviderConfig } from "../../oauth-config";
import { PROVIDER_TIMEOUT_SECONDS, type Fetch, type ProviderProfile, type Upstream } from "./upstream";

type OidcConfig = Extract<ProviderConfig, { kind: "oidc" }>;

/** What openid-client calls for every request: the app's fetch (Workers, tests), never a global of its own. */
export const customFetchOf = (send: Fetch): client.CustomFetch => (url, options) => send(url, options as RequestInit);

/**
 * An OpenID Connect provider (Google, or any id with an issuer), through openid-client: discovery
 * fetched on first use and cached (a failure is not cached, so the next sign-in tries again), PKCE
 * S256, state and nonce, and the ID token's signature, issuer, audience, expiry and nonce checked.
 */
export function createOidcUpstream(p: OidcConfig, send: Fetch): Upstream {
  const issuer = new URL(p.issuer);
  // parseConfig allows http:// only on loopback hosts (a local provider in development and tests).
  const insecure = issuer.protocol === "http:";
  const execute = [
    // openid-client skips the signature of an ID token that came straight from the token endpoint
    // (TLS vouches for it); the contract wants the signature checked against the provider's keys.
    client.enableNonRepudiationChecks,
    ...(insecure ? [client.allowInsecureRequests] : []),
  ];
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    if (!discovered) {
      const pending = client.discovery(issuer, p.clientId, p.clientSecret, undefined, {
        [client.customFetch]: customFetchOf(send),
        timeout: PROVIDER_TIMEOUT_SECONDS,
        execute,
      });
      discovered = pending;
      pending.catch(() => {
        if (discovered === pending) discovered = undefined;
      });
    }
    return discovered;
  };

  return {
    id: p.id,
    name: p.name,
    async authorizationUrl({ callbackUrl, state, codeChallenge, nonce }) {
      return client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: callbackUrl,
        scope: "openid email profile",
        state,
        nonce,
        code_challenge: codeChallenge,
        code_challenge_method: "S256",
      });
    },
    async finish({ currentUrl, state, codeVerifier, nonce }) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error("no ID token");
      let source: Record<string, unknown> = claims;
      // Some providers put the email only in the user info (the ID token then carries just `sub`).
      if (typeof claims.email !== "string" && config.serverMetadata().userinfo_endpoint) {
        source = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), sub: claims.sub };
      }
      return profileOf(claims.sub, source);
    },
  };
}

function profileOf(subject: string, claims: Record<string, unknown>): ProviderProfile {
  const email = cleanEmail(claims.email);
  // Only a literal true counts: a provider that says nothing has not vouched for the address.
  return { subject: cleanSubject(subject), email, emailVerified: email !== null && claims.email_verified === true, name: cleanName(claims.name) };
}

/** A provider's email as stored (trimmed, lower-case), or null when it is not a plausible address. */
export function cleanEmail(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const email = value.trim().toLowerCase();
  // No NUL (Postgres text cannot hold it), one @, nothing blank around it, at most 254 characters.
  return email.length <= 254 && /^[^\s@\u0000]+@[^\s@\u0000]+$/.test(email) ? email : null;
}

/** A display name as the users table takes it (1..100 characters), or null. */
export function cleanName(value: unknown): string | null {
  return typeof value === "string" ? value.replace(/\u0000/g, "").trim().slice(0, 100) || null : null;
}

/** The provider's account id; refused when absurd (it is a unique key with the provider id). */
export function cleanSubject(value: string): string {
  if (value.length === 0 || value.length > 255 || value.includes("\u0000")) throw new Error("unusable subject");
  return value;
}
