import { EdgeAuthError, type Provider } from "../../client/client";
import type { Ctx } from "../context";
import { busy, confirmAction, h, notice, showError } from "../dom";
import { afterSignIn } from "./auth";

/**
 * "Continue with GitHub" and friends. The UI is an app of the provider flow like any other: the
 * client builds the authorize URL with its own PKCE pair and state (kept in this tab's
 * sessionStorage for the round trip), this page is the redirect URI, and the client exchanges the
 * code. No token ever appears in a URL.
 */
const redirectUri = () => `${location.origin}/`;

let providers: Promise<Provider[]> | undefined;
const listProviders = (ctx: Ctx) => {
  providers ??= ctx.client.providers.list().catch(() => []);
  return providers;
};

/** One button per configured provider (nothing at all when none is configured). */
export function providerButtons(ctx: Ctx): HTMLElement {
  const box = h("div", { class: "providers" });
  void listProviders(ctx).then((list) => {
    if (list.length === 0) return;
    const buttons = list.map((p) => {
      const button = h("button", { type: "button", class: "secondary provider", "data-provider": p.id }, `Continue with ${p.name}`);
      button.addEventListener("click", () => void busy(button, async () => location.assign(await ctx.client.providers.signInUrl(p.id, redirectUri()))));
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

const FAILURES: Record<string, string> = {
  ...REFUSALS,
  invalid_state: "That sign-in link was not started here. Try again.",
  forbidden: "This account is disabled.",
};

/**
 * At start: finishes a sign-in when the page is the provider flow's redirect (code or error in the
 * query). Returns true when it took over the start-up (it has shown a view). An account with an
 * authenticator app goes on to the two-step view.
 */
export async function finishProviderSignIn(ctx: Ctx): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  const url = location.href;
  // The code is single use, but still: out of the address bar and the history at once.
  history.replaceState(null, "", location.pathname);
  try {
    // The client checks the state is one this tab started (a forged link is refused) and exchanges the code.
    await afterSignIn(ctx, await ctx.client.providers.finish(url));
  } catch (e) {
    const code = e instanceof EdgeAuthError ? e.code : "";
    ctx.go("signin", { message: FAILURES[code] ?? "The sign-in could not be finished. Try again." });
  }
  return true;
}

/** Profile: the linked provider accounts, each with an unlink button (409 last_credential shown). */
export function identitiesCard(ctx: Ctx): HTMLElement {
  const list = h("ul", { class: "identities", "data-testid": "identities" });
  const errorBox = h("div", {}, h("p", { class: "form-error", role: "alert" }));
  const card = h("section", { class: "card" }, h("h2", {}, "Linked accounts"), list, errorBox);
  const render = async () => {
    const [identities, known] = await Promise.all([ctx.client.identities.list(), listProviders(ctx)]);
    const nameOf = (id: string) => known.find((p) => p.id === id)?.name ?? id;
    if (identities.length === 0) return list.replaceChildren(h("li", { class: "muted" }, "None."));
    list.replaceChildren(
      ...identities.map((identity) => {
        const unlink = h("button", { type: "button", class: "secondary" }, "Unlink");
        unlink.addEventListener("click", () => void busy(unlink, async () => {
          if (!(await confirmAction(`Unlink ${nameOf(identity.provider)}? You will no longer sign in with it.`, "Unlink"))) return;
          try {
            await ctx.client.identities.unlink(identity.id);
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
