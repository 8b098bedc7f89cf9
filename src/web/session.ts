import { ApiProblem, request, type TokenPair, type User } from "./api";
import { clearRefreshToken, readRefreshToken, writeRefreshToken } from "./token-store";

const LOCK = "edge-auth.refresh";

/**
 * The signed-in state of this tab. The access token is kept in memory only; the refresh token
 * is shared by every tab (IndexedDB) and rotated under a Web Lock, re-read inside the lock, so
 * two tabs never present the same refresh token.
 */
export class Session {
  private access: string | undefined;
  private accessExpiresAt = 0;
  private channel = new BroadcastChannel("edge-auth");
  user: User | undefined;
  /** Called when this tab finds itself signed out (another tab signed out, or the session ended). */
  onSignedOut: () => void = () => {};

  constructor() {
    this.channel.onmessage = (event) => {
      if (event.data === "signed-out" && this.access) this.drop(false);
    };
  }

  get signedIn(): boolean {
    return this.access !== undefined;
  }

  /** Keeps a pair from login, verify or refresh. */
  async adopt(pair: TokenPair): Promise<void> {
    await writeRefreshToken(pair.refresh_token);
    this.access = pair.access_token;
    // A little early, so a request never leaves with a token about to expire.
    this.accessExpiresAt = Date.now() + (pair.expires_in - 10) * 1000;
  }

  /** At start: signs this tab in from the stored refresh token, if there is one that still works. */
  async resume(): Promise<boolean> {
    if (!(await readRefreshToken())) return false;
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
      const stored = await readRefreshToken();
      if (!stored) throw new ApiProblem(401, "invalid_token", "You are signed out.");
      try {
        await this.adopt(await request<TokenPair>("POST", "/auth/refresh", { refresh_token: stored }));
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401) await clearRefreshToken();
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
      if (error instanceof ApiProblem && error.status === 401) this.drop(true);
      throw error;
    }
  }

  /** Ends this session on the server (best effort) and forgets it in every tab. */
  async signOut(): Promise<void> {
    const stored = await readRefreshToken();
    if (stored) await request("POST", "/auth/logout", { refresh_token: stored }).catch(() => {});
    await this.forget();
  }

  /** Forgets the tokens here and tells the other tabs (after sign-out, deletion or a reset). */
  async forget(): Promise<void> {
    await clearRefreshToken();
    this.access = undefined;
    this.user = undefined;
    this.channel.postMessage("signed-out");
  }

  private drop(tellOthers: boolean): void {
    this.access = undefined;
    this.user = undefined;
    if (tellOthers) this.channel.postMessage("signed-out");
    this.onSignedOut();
  }
}
