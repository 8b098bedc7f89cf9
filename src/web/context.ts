import type { EdgeAuthClient, User } from "../client/client";

export type View = "signin" | "signup" | "verify" | "forgot" | "reset" | "profile" | "users" | "mfa" | "audit";

/** What a view is opened with: a prefilled email, a message to show, the mfa_token of a sign-in's second step. */
export type ViewState = { email?: string; message?: string; mfaToken?: string };

/**
 * What every view gets: the edge-auth client (every API call goes through it), the signed-in
 * user, and a way to move to another view with an optional message.
 */
export type Ctx = {
  client: EdgeAuthClient;
  user: User | undefined;
  go(view: View, state?: ViewState): void;
  state: ViewState;
};
