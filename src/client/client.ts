import type {
  AcceptedReply, ActivityPage, ActivityQuery, AuditPage, AuditQuery, AuthenticationCredentialJSON, IdentityList, PasskeyLoginInput, LoginInput,
  MfaMethod, MfaStatus, MfaVerifyInput, NewPasskeyInput, NewUserInput, Passkey, PasskeyCreationOptions, PasskeyList, PasskeyRename,
  PasskeyRequestOptions, PasswordChange, ProfilePatch, ProviderList, RecoveryCodes, RecoveryCodesInput, RegisterInput, RegisterReply,
  ResendInput, ForgotInput, ResetInput, SessionList, TokenPair, TotpConfirmed, TotpConfirmInput, TotpDisableInput, TotpEnrollInput,
  TotpEnrollment, User, UserListQuery, UserPage, UserPatchInput, UserSessionList, VerifyInput,
} from "./contract";
import { EdgeAuthError } from "./errors";
import { defaultFlowStorage, finishProviderFlow, startProviderFlow, type FlowStorage } from "./providers";
import { Session, type ClientOptions } from "./session";
import { autofillSupported, createCredential, getCredential, passkeysSupported } from "./webauthn";

export { EdgeAuthError } from "./errors";
export { indexedDbStorage, memoryStorage, type TokenStorage } from "./storage";
export type * from "./contract";
export type { ClientOptions, Fetch } from "./session";
export type { FlowStorage } from "./providers";

/** A first factor was right and the account has a second one: finish with `verifyMfa`. */
export type MfaRequired = { status: "mfa_required"; mfaToken: string; methods: MfaMethod[] };
export type SignedIn = { status: "signed_in" };
export type SignInResult = SignedIn | MfaRequired;

/**
 * A typed client of edge-auth for browsers, mobile apps and servers: `createClient({ baseUrl })`.
 * The access token stays in memory; the refresh token is in `storage`. Every call refreshes as
 * needed (once, shared by concurrent calls and across tabs) and `on("signedOut")` tells the app
 * when the session is gone (signed out here or in another tab, revoked, expired).
 */
export function createClient(options: ClientOptions & { flowStorage?: FlowStorage }) {
  const session = new Session(options);
  const flows = options.flowStorage ?? defaultFlowStorage();

  /** Signs in with a pair, or turns mfa_required into the second step's handle. */
  async function settle(pairing: Promise<TokenPair>): Promise<SignInResult> {
    try {
      await session.adopt(await pairing);
      return { status: "signed_in" };
    } catch (error) {
      if (error instanceof EdgeAuthError && error.code === "mfa_required") {
        const { mfa_token, methods } = error.fields as { mfa_token: string; methods: MfaRequired["methods"] };
        return { status: "mfa_required", mfaToken: mfa_token, methods };
      }
      throw error;
    }
  }

  const client = {
    /** Low level, for routes without a method here (admin screens): an authenticated JSON call. */
    call: session.call.bind(session),
    on: session.on.bind(session),
    get signedIn() {
      return session.signedIn;
    },

    register: (input: RegisterInput) => session.send<RegisterReply>("POST", "/auth/register", { json: input }),
    /** Verifies the email with its code and signs in (or asks for the second factor). */
    verify: (input: VerifyInput) => settle(session.send<TokenPair>("POST", "/auth/verify", { json: input })),
    resendVerification: (email: string) => session.send<AcceptedReply>("POST", "/auth/verify/resend", { json: { email } satisfies ResendInput }),
    login: (input: LoginInput) => settle(session.send<TokenPair>("POST", "/auth/login", { json: input })),
    forgotPassword: (email: string) => session.send<AcceptedReply>("POST", "/auth/password/forgot", { json: { email } satisfies ForgotInput }),
    resetPassword: (input: ResetInput) => session.send<void>("POST", "/auth/password/reset", { json: input }),

    /** At start: signs in from the stored refresh token, if there is one that still works. */
    async resume(): Promise<boolean> {
      if (!(await session.storage.get())) return false;
      try {
        await session.refresh();
        return true;
      } catch (error) {
        if (error instanceof EdgeAuthError && error.status === 401) return false;
        throw error;
      }
    },
    refresh: () => session.refresh(),
    /** Ends this session on the server (best effort) and forgets it in every tab. */
    async logout(): Promise<void> {
      const stored = await session.storage.get();
      if (stored) await session.send("POST", "/auth/logout", { json: { refresh_token: stored } }).catch(() => {});
      await session.signOutLocally();
    },
    async logoutAll(): Promise<void> {
      await session.call<void>("POST", "/auth/logout-all");
      await session.signOutLocally();
    },

    me: () => session.call<User>("GET", "/users/me"),
    updateMe: (patch: ProfilePatch) => session.call<User>("PATCH", "/users/me", patch),
    changePassword: (input: PasswordChange) => session.call<void>("POST", "/users/me/password", input),
    async deleteAccount(password: string): Promise<void> {
      await session.call<void>("DELETE", "/users/me", { password });
      await session.signOutLocally();
    },

    /** The second step after `mfa_required`: a code from the authenticator app, or a recovery code. */
    verifyMfa: (input: { mfaToken: string; method: MfaMethod; code: string }) =>
      settle(session.send<TokenPair>("POST", "/auth/mfa/verify", { json: { mfa_token: input.mfaToken, method: input.method, code: input.code } satisfies MfaVerifyInput })),

    mfa: {
      status: () => session.call<MfaStatus>("GET", "/users/me/mfa"),
      /** A pending enrollment: show `otpauth_uri` as a QR code and `secret` as text. */
      enrollTotp: (password: string) => session.call<TotpEnrollment>("POST", "/users/me/mfa/totp", { password } satisfies TotpEnrollInput),
      /** Turns TOTP on; this session goes on at aal2 with a new pair, the others end. Show the codes once. */
      async confirmTotp(code: string): Promise<string[]> {
        const { recovery_codes, ...pair } = await session.call<TotpConfirmed>("POST", "/users/me/mfa/totp/confirm", { code } satisfies TotpConfirmInput);
        await session.adopt(pair);
        return recovery_codes;
      },
      regenerateRecoveryCodes: async (code: string) =>
        (await session.call<RecoveryCodes>("POST", "/users/me/mfa/recovery-codes", { code } satisfies RecoveryCodesInput)).recovery_codes,
      disableTotp: (code: string) => session.call<void>("DELETE", "/users/me/mfa/totp", { code } satisfies TotpDisableInput),
    },

    passkeys: {
      /** False outside browsers with WebAuthn (servers, React Native): the methods below then throw `unsupported`. */
      supported: passkeysSupported,
      autofillSupported,
      list: async () => (await session.call<PasskeyList>("GET", "/users/me/passkeys")).passkeys,
      async register(name?: string): Promise<Passkey> {
        const options = await session.call<PasskeyCreationOptions>("POST", "/users/me/passkeys/options", {});
        const credential = (await createCredential(options)) as NewPasskeyInput["credential"];
        return session.call<Passkey>("POST", "/users/me/passkeys", (name ? { credential, name } : { credential }) satisfies NewPasskeyInput);
      },
      rename: (id: string, name: string) => session.call<Passkey>("PATCH", `/users/me/passkeys/${encodeURIComponent(id)}`, { name } satisfies PasskeyRename),
      remove: (id: string) => session.call<void>("DELETE", `/users/me/passkeys/${encodeURIComponent(id)}`),
      /** Signs in with a passkey (no password, no second step); `autofill` waits on the email field's suggestions. */
      async signIn(opts: { autofill?: boolean; signal?: AbortSignal } = {}): Promise<SignInResult> {
        const options = await session.send<PasskeyRequestOptions>("POST", "/auth/passkey/options", { json: {} });
        const credential = (await getCredential(options, opts.autofill, opts.signal)) as AuthenticationCredentialJSON;
        return settle(session.send<TokenPair>("POST", "/auth/passkey/login", { json: { credential } satisfies PasskeyLoginInput }));
      },
    },

    providers: {
      list: async () => (await session.send<ProviderList>("GET", "/auth/providers")).providers,
      /** The URL to open (a redirect in browsers, a system browser tab in mobile apps), with PKCE. */
      signInUrl: (provider: string, redirectUri: string) => startProviderFlow(options.baseUrl, flows, provider, redirectUri),
      /** On the redirect URI: exchanges the one-time code for a session (or the second step). */
      async finish(url: string): Promise<SignInResult> {
        const form = await finishProviderFlow(flows, url);
        return settle(session.send<TokenPair>("POST", "/auth/token", { form }));
      },
    },
    identities: {
      list: async () => (await session.call<IdentityList>("GET", "/users/me/identities")).identities,
      unlink: (id: string) => session.call<void>("DELETE", `/users/me/identities/${encodeURIComponent(id)}`),
    },

    sessions: {
      list: async () => (await session.call<SessionList>("GET", "/users/me/sessions")).sessions,
      end: (id: string) => session.call<void>("DELETE", `/users/me/sessions/${encodeURIComponent(id)}`),
    },
    activity: (query: ActivityQuery = {}) => session.call<ActivityPage>("GET", `/users/me/activity${queryString(query)}`),

    admin: {
      listUsers: (query: UserListQuery = {}) => session.call<UserPage>("GET", `/users${queryString(query)}`),
      createUser: (input: NewUserInput) => session.call<User>("POST", "/users", input),
      getUser: (id: string) => session.call<User>("GET", `/users/${encodeURIComponent(id)}`),
      updateUser: (id: string, patch: UserPatchInput) => session.call<User>("PATCH", `/users/${encodeURIComponent(id)}`, patch),
      deleteUser: (id: string) => session.call<void>("DELETE", `/users/${encodeURIComponent(id)}`),
      resetMfa: (id: string) => session.call<void>("DELETE", `/users/${encodeURIComponent(id)}/mfa`),
      listSessions: async (id: string) => (await session.call<UserSessionList>("GET", `/users/${encodeURIComponent(id)}/sessions`)).sessions,
      endSessions: (id: string) => session.call<void>("DELETE", `/users/${encodeURIComponent(id)}/sessions`),
      audit: (query: AuditQuery = {}) => session.call<AuditPage>("GET", `/audit${queryString(query)}`),
    },
  };
  return client;
}

export type EdgeAuthClient = ReturnType<typeof createClient>;

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
  return params.size ? `?${params}` : "";
}
