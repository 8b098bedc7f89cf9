import type { AuthorizeQuery, TokenForm } from "./contract";
import { EdgeAuthError } from "./errors";
import { challengeOf, randomVerifier } from "./pkce";

/**
 * Where a provider sign-in keeps its PKCE verifier between leaving for the provider and coming
 * back: sessionStorage in browsers (this tab only), memory elsewhere; a mobile app passes its own.
 */
export interface FlowStorage {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

export function defaultFlowStorage(): FlowStorage {
  if (typeof sessionStorage !== "undefined") {
    return { get: (k) => sessionStorage.getItem(k), set: (k, v) => sessionStorage.setItem(k, v), delete: (k) => sessionStorage.removeItem(k) };
  }
  const map = new Map<string, string>();
  return { get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}

type Flow = { verifier: string; redirectUri: string; provider: string };
const key = (state: string) => `edge-auth.flow.${state}`;

/** The authorize URL of a provider sign-in, with a fresh PKCE pair and state; the verifier stays here. */
export async function startProviderFlow(baseUrl: string, flows: FlowStorage, provider: string, redirectUri: string): Promise<string> {
  const verifier = randomVerifier();
  const state = randomVerifier();
  await flows.set(key(state), JSON.stringify({ verifier, redirectUri, provider } satisfies Flow));
  const query = new URLSearchParams({
    redirect_uri: redirectUri,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
    state,
  } satisfies AuthorizeQuery);
  return `${baseUrl}/auth/oauth/${encodeURIComponent(provider)}/authorize?${query}`;
}

/**
 * Reads the redirect back from the server (`?code=…&state=…` or `?error=…&state=…`) and gives
 * the token request's form. The state must be one this client started (used once), so a link
 * planted by someone else cannot sign this browser into their account.
 */
export async function finishProviderFlow(flows: FlowStorage, url: string): Promise<TokenForm & Record<string, string>> {
  const params = new URL(url).searchParams;
  const state = params.get("state") ?? "";
  const raw = state ? await flows.get(key(state)) : null;
  if (state) await flows.delete(key(state));
  if (!raw) throw new EdgeAuthError(400, "invalid_state", "This sign-in was not started here, or it was already finished.");
  const error = params.get("error");
  if (error) {
    const detail: Record<string, string> = {
      access_denied: "The sign-in was declined, or the account is disabled.",
      account_exists: "An account with this email exists. Sign in with it first, then link the provider from your profile.",
      server_error: "The provider could not be reached. Try again later.",
    };
    throw new EdgeAuthError(400, error, detail[error] ?? "The provider sign-in failed.");
  }
  const code = params.get("code");
  if (!code) throw new EdgeAuthError(400, "invalid_code", "The redirect carries no code.");
  const flow = JSON.parse(raw) as Flow;
  return { grant_type: "authorization_code", code, code_verifier: flow.verifier, redirect_uri: flow.redirectUri } satisfies TokenForm;
}
