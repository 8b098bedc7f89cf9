import type { Context } from "hono";
import { ApiError } from "../../errors";
import type { AppEnv } from "../../services";
import type { TokenPair } from "../sessions";
import { signIn } from "../sign-in";
import { pkceMatches, takeHandOffCode } from "./flow-state";

// RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const invalidCode = () => new ApiError(400, "invalid_code", "The code is wrong, expired or already used, or does not match this redirect_uri and code_verifier.");

/**
 * `/auth/token` with grant_type=authorization_code: the hand-off code of a provider sign-in, used
 * once (taken from the store before anything is checked, so a wrong try burns it too), valid only
 * with the redirect_uri and the code_verifier of its authorize request. Then the sign-in gate, which
 * may still refuse (disabled: 403 forbidden; TOTP on: 403 mfa_required).
 */
export async function redeemHandOffCode(c: Context<AppEnv>, input: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenPair> {
  const s = c.get("frame");
  const handOff = await takeHandOffCode(s.store, input.code);
  const ok =
    handOff !== null &&
    handOff.redirectUri === input.redirectUri &&
    CODE_VERIFIER.test(input.codeVerifier) &&
    (await pkceMatches(input.codeVerifier, handOff.codeChallenge));
  if (!ok) {
    s.logger.warn("auth.code_rejected", { requestId: s.requestId, purpose: "authorization_code" });
    throw invalidCode();
  }
  const user = await s.users.findById(handOff.uid);
  if (!user) throw invalidCode();
  const { pair } = await signIn(c, user, { via: handOff.via });
  return pair;
}
