import type { Store } from "../../store/store";
import { base64url, randomBytes, sha256, timingSafeEqual } from "../crypto";

/** The server's state of one sign-in at a provider: 10 minutes to come back, used once. */
export const FLOW_STATE_TTL_SECONDS = 600;
/** The hand-off code the app exchanges at /auth/token: 60 seconds, used once. */
export const HANDOFF_CODE_TTL_SECONDS = 60;

/** What the callback needs to finish a flow, bound to the server's state (never sent anywhere). */
export type FlowState = {
  provider: string;
  /** The redirect_uri sent upstream: the token request must repeat it exactly. */
  callbackUrl: string;
  /** The PKCE verifier this server sent upstream, and the OIDC nonce it expects back. */
  verifier: string;
  nonce: string;
  /** The app's side: where to send the result, its own PKCE challenge, and its state (given back as is). */
  redirectUri: string;
  codeChallenge: string;
  appState: string | null;
};

/** What a hand-off code stands for: the user the provider signed in, for that app request only. */
export type HandOff = { uid: string; redirectUri: string; codeChallenge: string; via: "fed" };

// Only hashes of the state and the code name keys: a store dump cannot replay a flow.
const stateKey = async (state: string) => `oas:${await sha256(`oauth-state:${state}`)}`;
const codeKey = async (code: string) => `oac:${await sha256(`oauth-code:${code}`)}`;
const token = () => base64url(randomBytes(32));
// Longer than anything this server issues: refused without a store round trip.
const MAX_TOKEN_LENGTH = 100;

/** Stores a flow under its `state` (the opaque value sent upstream: 256 random bits, made by the caller). */
export async function saveFlowState(store: Store, state: string, flow: FlowState): Promise<void> {
  await store.set(await stateKey(state), JSON.stringify(flow), FLOW_STATE_TTL_SECONDS);
}

/** Uses the state up in one atomic step (getAndDelete): a replayed or parallel callback gets null. */
export async function takeFlowState(store: Store, state: string): Promise<FlowState | null> {
  if (state.length === 0 || state.length > MAX_TOKEN_LENGTH) return null;
  const raw = await store.getAndDelete(await stateKey(state));
  return raw ? (JSON.parse(raw) as FlowState) : null;
}

/** Issues the one-time code handed to the app's redirect URI. */
export async function issueHandOffCode(store: Store, handOff: HandOff): Promise<string> {
  const code = token();
  await store.set(await codeKey(code), JSON.stringify(handOff), HANDOFF_CODE_TTL_SECONDS);
  return code;
}

/**
 * Uses the code up in one atomic step (getAndDelete), whatever comes next: a code presented with
 * the wrong verifier or redirect URI is gone too (RFC 6749 §4.1.2: a code is used at most once).
 */
export async function takeHandOffCode(store: Store, code: string): Promise<HandOff | null> {
  if (code.length === 0 || code.length > MAX_TOKEN_LENGTH) return null;
  const raw = await store.getAndDelete(await codeKey(code));
  return raw ? (JSON.parse(raw) as HandOff) : null;
}

/** RFC 7636 S256: BASE64URL(SHA-256(verifier)) equals the challenge (compared in constant time). */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  return timingSafeEqual(await sha256(verifier), challenge);
}
