import { ApiProblem, request, type TokenPair, type User } from "./api";

// Trade-off (see README): the refresh token lives in localStorage so a reload stays signed in;
// the strict CSP (no inline or foreign scripts) is what keeps other code from reading it.
const REFRESH_KEY = "edge-auth.refresh";
const LOCK = "edge-auth.refresh";

/**
 * The signed-in state of this tab. The access token is kept in memory only; the refresh token
 * is shared by every tab through localStorage, and rotated under a Web Lock so that two tabs
 * never present the same refresh token.
 */
export class Session {
  private access: string | undefined;
  private accessExpiresAt = 0;
  user: User | undefined;
  /** Called when this tab finds itself signed out (another tab signed out, or the session ended). */
  onSignedOut: () => void = () => {};

  constructor() {
    addEventListener("storage", (e) => {
      const event = e as StorageEvent;
      if (event.key === REFRESH_KEY && event.newValue === null && this.access) this.drop();
    });
  }

  get signedIn(): boolean {
    return this.access !== undefined;
  }

  /** Keeps a pair from login or verify. */
  adopt(pair: TokenPair): void {
    localStorage.setItem(REFRESH_KEY, pair.refresh_token);
    this.access = pair.access_token;
    // A little early, so a request never leaves with a token about to expire.
    this.accessExpiresAt = Date.now() + (pair.expires_in - 10) * 1000;
  }

  /** At start: signs this tab in from the stored refresh token, if there is one that still works. */
  async resume(): Promise<boolean> {
    if (!localStorage.getItem(REFRESH_KEY)) return false;
    try {
      await this.refresh();
      this.user = await this.call<User>("GET", "/users/me");
      return true;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) return false;
      throw error;
    }
  }

  /** Rotates the refresh token. Serialized across tabs; the token is re-read inside the lock. */
  async refresh(): Promise<void> {
    const run = async () => {
      // Another tab may have rotated it while we waited: always use what is stored now.
      const stored = localStorage.getItem(REFRESH_KEY);
      if (!stored) throw new ApiProblem(401, "invalid_token", "You are signed out.");
      try {
        this.adopt(await request<TokenPair>("POST", "/auth/refresh", { refresh_token: stored }));
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401 && localStorage.getItem(REFRESH_KEY) === stored) {
          localStorage.removeItem(REFRESH_KEY);
        }
        throw error;
      }
    };
    if (navigator.locks) await navigator.locks.request(LOCK, run);
    else await run();
  }

  /** An authenticated API call: refreshes first when the access token is stale, and once more on a 401. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.access || Date.now() >= this.accessExpiresAt) await this.refreshOrDrop();
    try {
      return await request<T>(method, path, body, this.access);
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.code !== "invalid_token") throw error;
      await this.refreshOrDrop();
      return request<T>(method, path, body, this.access);
    }
  }

  private async refreshOrDrop(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) this.drop();
      throw error;
    }
  }

  /** Ends this session on the server (best effort) and forgets it here. */
  async signOut(): Promise<void> {
    const stored = localStorage.getItem(REFRESH_KEY);
    if (stored) await request("POST", "/auth/logout", { refresh_token: stored }).catch(() => {});
    this.forget();
  }

  /** Forgets the tokens in every tab (after sign-out-everywhere, a deleted account or a reset). */
  forget(): void {
    localStorage.removeItem(REFRESH_KEY);
    this.access = undefined;
    this.user = undefined;
  }

  private drop(): void {
    this.forget();
    this.onSignedOut();
  }
}
