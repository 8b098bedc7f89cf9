import type { Session } from "./session";

export type View = "signin" | "signup" | "verify" | "forgot" | "reset" | "profile" | "users" | "audit";

/** What every view gets: the session, and a way to move to another view with an optional message. */
export type Ctx = {
  session: Session;
  go(view: View, state?: { email?: string; message?: string }): void;
  state: { email?: string; message?: string };
};
