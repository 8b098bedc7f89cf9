import type { TestApp } from "./app";
import { call, type Reply } from "./http";
import { fromB64u, SoftwareAuthenticator, type Overrides } from "./software-authenticator";

/** The origin every passkey test app is configured with (RP ID localhost). */
export const PASSKEY_ORIGIN = "http://localhost:8787";
export const PASSKEY_ENV = { WEBAUTHN_ORIGINS: PASSKEY_ORIGIN };

type App = Pick<TestApp, "app">;

/** Claims of a JWT, unverified (the tests read what the server put there). */
export const claimsOf = (jwt: string) => JSON.parse(new TextDecoder().decode(fromB64u(jwt.split(".")[1]!))) as Record<string, unknown>;

/** Options, create, register: the whole ceremony as a browser would run it. Returns the last reply. */
export async function addPasskey(
  t: App,
  access: string,
  authenticator: SoftwareAuthenticator,
  over: Parameters<SoftwareAuthenticator["create"]>[1] = {},
  name?: string,
): Promise<Reply> {
  const options = await call(t, "POST", "/users/me/passkeys/options", { token: access, json: {} });
  if (options.status !== 200) return options;
  const credential = await authenticator.create(options.body as never, over);
  return call(t, "POST", "/users/me/passkeys", { token: access, json: { credential, ...(name ? { name } : {}) } });
}

/** Login options, get, login. */
export async function passkeyLogin(t: App, authenticator: SoftwareAuthenticator, over: Overrides = {}): Promise<Reply> {
  const options = await call(t, "POST", "/auth/passkey/options", { json: {} });
  if (options.status !== 200) return options;
  const credential = await authenticator.get(options.body as never, over);
  return call(t, "POST", "/auth/passkey/login", { json: { credential } });
}
