/** Outgoing HTTP as the providers use it (the app's `fetch` service, or globalThis.fetch). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Who the provider says signed in. `email` is null when the provider vouches for none. */
export type ProviderProfile = { subject: string; email: string | null; emailVerified: boolean; name: string | null };

/** An external provider, as the flow needs it: where to send the browser, and how to read the answer. */
export interface Upstream {
  readonly id: string;
  readonly name: string;
  /** The provider's authorization URL for one flow (PKCE S256, our state, and for OIDC a nonce). */
  authorizationUrl(input: { callbackUrl: string; state: string; codeChallenge: string; nonce: string }): Promise<URL>;
  /**
   * Exchanges the code of `currentUrl` (our callback URL with the provider's query) and reads the
   * profile. Throws on anything the provider got wrong or did not answer (ID token checks included).
   */
  finish(input: { currentUrl: URL; state: string; codeVerifier: string; nonce: string }): Promise<ProviderProfile>;
}

/** Seconds before an outgoing request to a provider gives up: a slow provider fails that sign-in, not the server. */
export const PROVIDER_TIMEOUT_SECONDS = 10;
