import type { TokenPair } from "./contract";
import { EdgeAuthError, problemFrom } from "./errors";
import { defaultStorage, type TokenStorage } from "./storage";

/** The part of fetch the client uses (an in-process app's `app.request` fits too). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export type ClientOptions = {
  /** The edge-auth server, e.g. `https://auth.example.com` ("" for the same origin in a browser). */
  baseUrl: string;
  /** Where the refresh token lives (default: IndexedDB in browsers, memory elsewhere). */
  storage?: TokenStorage;
  /** Defaults to the global fetch. */
  fetch?: Fetch;
  /** The Web Lock and BroadcastChannel name shared by this app's tabs. */
  channel?: string;
};

type Listener = () => void;
export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/**
 * The session core: tokens, single-flight refresh (per client, and across tabs under a Web Lock),
 * one refresh and one retry on invalid_token, then `signedOut`. The API's methods are in
 * client.ts; this holds what every call shares.
 */
export class Session {
  private access: string | undefined;
  private accessExpiresAt = 0;
  private refreshing: Promise<void> | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly channel: BroadcastChannel | undefined;
  readonly storage: TokenStorage;
  readonly fetch: Fetch;

  constructor(readonly options: ClientOptions) {
    this.storage = options.storage ?? defaultStorage();
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    const name = options.channel ?? "edge-auth";
    this.channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(name) : undefined;
    this.channel?.addEventListener("message", (event) => {
      // Another tab signed out: drop our in-memory token too (the stored one is gone already).
      if (event.data === "signed-out" && this.access !== undefined) this.drop(false);
    });
  }

  get signedIn(): boolean {
    return this.access !== undefined;
  }

  on(event: "signedOut", listener: Listener): () => void {
    if (event !== "signedOut") throw new TypeError(`unknown event ${String(event)}`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One request to the API; a non-2xx answer is thrown as an EdgeAuthError. */
  async send<T>(method: Method, path: string, options: { json?: unknown; form?: Record<string, string>; token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(options.form).toString();
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let res: Response;
    try {
      res = await this.fetch(`${this.options.baseUrl}${path}`, { method, headers, body });
    } catch {
      throw new EdgeAuthError(0, "network", "The server cannot be reached. Check your connection and try again.");
    }
    if (!res.ok) throw await problemFrom(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Keeps a pair from a sign-in or a refresh. */
  async adopt(pair: TokenPair): Promise<void> {
    await this.storage.set(pair.refresh_token);
    this.access = pair.access_token;
    // A little early, so a request never leaves with a token about to expire.
    this.accessExpiresAt = Date.now() + (pair.expires_in - 10) * 1000;
  }

  /**
   * Rotates the refresh token. Single-flight: concurrent callers share one rotation. Across tabs
   * it runs under a Web Lock and re-reads the stored token inside it, so two tabs never present
   * the same refresh token (which the server would take for a replay after the grace).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.withLock(async () => {
      const stored = await this.storage.get();
      if (!stored) throw new EdgeAuthError(401, "invalid_token", "You are signed out.");
      try {
        await this.adopt(await this.send<TokenPair>("POST", "/auth/refresh", { json: { refresh_token: stored } }));
      } catch (error) {
        if (error instanceof EdgeAuthError && error.status === 401) await this.storage.clear();
        throw error;
      }
    }).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** An authenticated call: refreshes first when the access token is stale, and once more on invalid_token. */
  async call<T>(method: Method, path: string, json?: unknown): Promise<T> {
    if (!this.access || Date.now() >= this.accessExpiresAt) await this.refreshOrSignOut();
    const used = this.access;
    try {
      return await this.send<T>(method, path, { json, token: used });
    } catch (error) {
      if (!(error instanceof EdgeAuthError) || error.code !== "invalid_token") throw error;
      // Parallel calls refused with the same token: the first refreshes, the others join that
      // rotation or, when it is already done, just retry with the new token.
      if (this.access === used || this.refreshing) await this.refreshOrSignOut();
      try {
        return await this.send<T>(method, path, { json, token: this.access });
      } catch (again) {
        if (again instanceof EdgeAuthError && again.code === "invalid_token") await this.signOutLocally();
        throw again;
      }
    }
  }

  /** Forgets the tokens here and in every tab, and tells the listeners. */
  async signOutLocally(): Promise<void> {
    await this.storage.clear();
    this.drop(true);
  }

  private async refreshOrSignOut(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      if (error instanceof EdgeAuthError && error.status === 401) this.drop(true);
      throw error;
    }
  }

  private drop(tellOthers: boolean): void {
    const was = this.access !== undefined;
    this.access = undefined;
    this.accessExpiresAt = 0;
    if (tellOthers) this.channel?.postMessage("signed-out");
    if (was || tellOthers) for (const listener of this.listeners) listener();
  }

  private withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    return locks ? (locks.request(`${this.options.channel ?? "edge-auth"}.refresh`, work) as Promise<T>) : work();
  }
}
