import { ApiProblem, request, type TokenPair, type User } from "../api";
import type { Ctx } from "../context";
import { busy, confirmAction, h, notice, showError } from "../dom";

/**
 * "Continue with GitHub" and friends. The UI is an app of the provider flow like any other: its own
 * PKCE pair and state (kept in sessionStorage for the round trip through the provider), its own page
 * as the redirect URI, and the code exchanged at /auth/token. No token ever appears in a URL.
 */
type Provider = { id: string; name: string };
type Pending = { verifier: string; state: string };

const PENDING = "edge-auth.oauth";
const redirectUri = () => `${location.origin}/`;
const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

let providers: Promise<Provider[]> | undefined;
const listProviders = () => {
  providers ??= request<{ providers: Provider[] }>("GET", "/auth/providers").then((r) => r.providers, () => []);
  return providers;
};

/** Leaves for the provider: a fresh verifier and state, kept for this tab only. */
async function start(provider: Provider): Promise<void> {
  const pending: Pending = { verifier: random(), state: random() };
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pending.verifier));
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const query = new URLSearchParams({
    redirect_uri: redirectUri(), code_challenge: b64url(new Uint8Array(digest)), code_challenge_method: "S256", state: pending.state,
  });
  location.assign(`/auth/oauth/${encodeURIComponent(provider.id)}/authorize?${query}`);
}

/** One button per configured provider (nothing at all when none is configured). */
export function providerButtons(): HTMLElement {
  const box = h("div", { class: "providers" });
  void listProviders().then((list) => {
    if (list.length === 0) return;
    const buttons = list.map((p) => {
      const button = h("button", { type: "button", class: "secondary provider", "data-provider": p.id }, `Continue with ${p.name}`);
      button.addEventListener("click", () => void busy(button, () => start(p)));
      return button;
    });
    box.replaceChildren(h("p", { class: "muted" }, "or"), ...buttons);
  });
  return box;
}

const REFUSALS: Record<string, string> = {
  access_denied: "The sign-in was cancelled, or this account cannot sign in.",
  account_exists: "An account with this email already exists. Sign in with your password; the provider did not confirm the email.",
  server_error: "The provider could not be reached or gave an answer we could not trust. Try again later.",
};

/**
 * At start: finishes a sign-in when the page is the provider flow's redirect (code or error in the
 * query). Returns true when it took over the start-up (it has shown a view).
 */
export async function finishProviderSignIn(ctx: Ctx): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  // The code is single use, but still: out of the address bar and the history at once.
  history.replaceState(null, "", location.pathname);
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  // Our state must come back: anything else was not started by this tab (a forged link).
  if (!pending || params.get("state") !== pending.state) {
    ctx.go("signin", { message: "That sign-in link was not started here. Try again." });
    return true;
  }
  const error = params.get("error");
  if (error) {
    ctx.go("signin", { message: REFUSALS[error] ?? REFUSALS.server_error });
    return true;
  }
  try {
    const pair = await exchange(params.get("code")!, pending.verifier);
    await ctx.session.adopt(pair);
    ctx.session.user = await ctx.session.call<User>("GET", "/users/me");
    ctx.go("profile");
  } catch (e) {
    const problem = e instanceof ApiProblem ? e : undefined;
    const message =
      problem?.code === "mfa_required" ? "This account has two-step sign-in: sign in with your password and authenticator code."
      : problem?.code === "forbidden" ? "This account is disabled."
      : "The sign-in could not be finished. Try again.";
    ctx.go("signin", { message });
  }
  return true;
}

/** POST /auth/token grant_type=authorization_code (form-encoded, as OAuth2 token endpoints take it). */
async function exchange(code: string, verifier: string): Promise<TokenPair> {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirectUri() });
  const res = await fetch("/auth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiProblem(res.status, String(data.code ?? "unknown"), String(data.detail ?? ""));
  return data as unknown as TokenPair;
}

type Identity = { id: string; provider: string; email: string | null; createdAt: string; lastUsedAt: string | null };

/** Profile: the linked provider accounts, each with an unlink button (409 last_credential shown). */
export function identitiesCard(ctx: Ctx): HTMLElement {
  const list = h("ul", { class: "identities", "data-testid": "identities" });
  const errorBox = h("div", {}, h("p", { class: "form-error", role: "alert" }));
  const card = h("section", { class: "card" }, h("h2", {}, "Linked accounts"), list, errorBox);
  const render = async () => {
    const [{ identities }, known] = await Promise.all([ctx.session.call<{ identities: Identity[] }>("GET", "/users/me/identities"), listProviders()]);
    const nameOf = (id: string) => known.find((p) => p.id === id)?.name ?? id;
    if (identities.length === 0) return list.replaceChildren(h("li", { class: "muted" }, "None."));
    list.replaceChildren(
      ...identities.map((identity) => {
        const unlink = h("button", { type: "button", class: "secondary" }, "Unlink");
        unlink.addEventListener("click", () => void busy(unlink, async () => {
          if (!(await confirmAction(`Unlink ${nameOf(identity.provider)}? You will no longer sign in with it.`, "Unlink"))) return;
          try {
            await ctx.session.call("DELETE", `/users/me/identities/${identity.id}`);
            errorBox.replaceChildren(notice(`${nameOf(identity.provider)} unlinked.`, "ok"));
            await render();
          } catch (error) {
            errorBox.replaceChildren(h("p", { class: "form-error", role: "alert" }));
            showError(errorBox, error);
          }
        }));
        return h("li", { "data-provider": identity.provider }, h("span", {}, `${nameOf(identity.provider)}${identity.email ? ` (${identity.email})` : ""}`), unlink);
      }),
    );
  };
  void render().catch((error) => showError(errorBox, error));
  return card;
}
