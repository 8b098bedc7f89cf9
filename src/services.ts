import type { Context } from "hono";
import type { Hasher } from "./auth/hasher";
import type { Clock } from "./clock";
import type { Config } from "./config";
import type { Repos } from "./db/repos";
import type { Logger } from "./logger";
import type { Mailer } from "./mail/mailer";
import type { PublicUser } from "./schemas";
import type { Store } from "./store/store";

/** Everything the app needs from the outside world, built once by a runtime entry. */
export type Services = Repos & {
  config: Config;
  store: Store;
  mailer: Mailer;
  hasher: Hasher;
  clock: Clock;
  logger: Logger;
  /** Outgoing HTTP (external providers: discovery, keys, tokens, user info); globalThis.fetch when not given. */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** The client's address from the runtime (socket), when no CLIENT_IP_HEADER is configured. */
  clientAddress?: (c: Context) => string | undefined;
};

/** The authenticated caller, set by requireAuth. */
export type AuthContext = {
  userId: string;
  sessionId: string;
  role: "user" | "admin";
  /** The user's public view from the store's short-lived copy, when it was there (auth/user-cache.ts). */
  cachedUser?: PublicUser;
};

/** What a handler reads from `c.get("frame")`: the services, this request's id and, after requireAuth, the caller. */
export type Frame = Services & { requestId: string; auth: AuthContext };

export type AppEnv = {
  Variables: { frame: Frame };
};
