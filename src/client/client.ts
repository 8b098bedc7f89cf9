import type {
  LoginInput, NewUserInput, PasswordChange, ProfilePatch, RegisterInput, ResetInput, TokenPair, User, UserListQuery,
  UserPage, UserPatchInput, VerifyInput,
} from "./contract";
import { EdgeAuthError } from "./errors";
import { Session, type ClientOptions } from "./session";

export { EdgeAuthError } from "./errors";
export { indexedDbStorage, memoryStorage, type TokenStorage } from "./storage";
export type * from "./contract";
export type { ClientOptions } from "./session";

/** A first factor was right and the account has a second one: finish with `verifyMfa`. */
export type MfaRequired = { status: "mfa_required"; mfaToken: string; methods: ("totp" | "recovery_code")[] };
export type SignedIn = { status: "signed_in" };
export type SignInResult = SignedIn | MfaRequired;

/**
 * A typed client of edge-auth for browsers, mobile apps and servers: `createClient({ baseUrl })`.
 * The access token stays in memory; the refresh token is in `storage`. Every call refreshes as
 * needed (once, shared by concurrent calls and across tabs) and `on("signedOut")` tells the app
 * when the session is gone (signed out here or in another tab, revoked, expired).
 */
export function createClient(options: ClientOptions) {
  const session = new Session(options);

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

    register: (input: RegisterInput) => session.send<{ user: User }>("POST", "/auth/register", { json: input }),
    /** Verifies the email with its code and signs in (or asks for the second factor). */
    verify: (input: VerifyInput) => settle(session.send<TokenPair>("POST", "/auth/verify", { json: input })),
    resendVerification: (email: string) => session.send<object>("POST", "/auth/verify/resend", { json: { email } }),
    login: (input: LoginInput) => settle(session.send<TokenPair>("POST", "/auth/login", { json: input })),
    forgotPassword: (email: string) => session.send<object>("POST", "/auth/password/forgot", { json: { email } }),
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

    admin: {
      listUsers(query: UserListQuery = {}): Promise<UserPage> {
        const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
        return session.call<UserPage>("GET", `/users${params.size ? `?${params}` : ""}`);
      },
      createUser: (input: NewUserInput) => session.call<User>("POST", "/users", input),
      getUser: (id: string) => session.call<User>("GET", `/users/${encodeURIComponent(id)}`),
      updateUser: (id: string, patch: UserPatchInput) => session.call<User>("PATCH", `/users/${encodeURIComponent(id)}`, patch),
      deleteUser: (id: string) => session.call<void>("DELETE", `/users/${encodeURIComponent(id)}`),
    },
  };
  return client;
}

export type EdgeAuthClient = ReturnType<typeof createClient>;
