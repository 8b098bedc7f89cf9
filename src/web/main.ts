import { createClient, indexedDbStorage } from "../client/client";
import type { Ctx, View } from "./context";
import { h, notice } from "./dom";
import { auditView } from "./views/activity";
import { usersView } from "./views/admin";
import { forgotView, resetView, signInView, signUpView, verifyView } from "./views/auth";
import { mfaStepView } from "./views/mfa";
import { profileView } from "./views/profile";
import { finishProviderSignIn } from "./views/providers";

const views: Record<View, (ctx: Ctx) => HTMLElement> = {
  signin: signInView,
  signup: signUpView,
  verify: verifyView,
  forgot: forgotView,
  reset: resetView,
  profile: profileView,
  users: usersView,
  mfa: mfaStepView,
  audit: auditView,
};
const needsSession = new Set<View>(["profile", "users", "audit"]);

// The UI is an app of edge-auth like any other: same origin, the refresh token in IndexedDB
// (shared by the tabs), a provider sign-in's PKCE verifier in this tab's sessionStorage.
const client = createClient({
  baseUrl: "",
  storage: indexedDbStorage(),
  flowStorage: { get: (k) => sessionStorage.getItem(k), set: (k, v) => sessionStorage.setItem(k, v), delete: (k) => sessionStorage.removeItem(k) },
});
const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;

const ctx: Ctx = {
  client,
  user: undefined,
  state: {},
  go(view, state = {}) {
    if (needsSession.has(view) && !(client.signedIn && ctx.user)) view = "signin";
    if ((view === "users" || view === "audit") && ctx.user?.role !== "admin") view = "profile";
    ctx.state = state;
    renderNav(view);
    main.replaceChildren(views[view](ctx));
    // Move focus to the new heading so keyboard and screen-reader users land on the new view.
    const heading = main.querySelector<HTMLElement>("h1");
    heading?.setAttribute("tabindex", "-1");
    heading?.focus();
  },
};

function renderNav(current: View) {
  if (!client.signedIn) return nav.replaceChildren();
  const tab = (view: View, label: string) =>
    h("button", { type: "button", class: "tab", "aria-current": view === current ? "page" : undefined, onclick: () => ctx.go(view) }, label);
  const admin = ctx.user?.role === "admin";
  nav.replaceChildren(tab("profile", "Profile"), admin ? tab("users", "Users") : "", admin ? tab("audit", "Audit") : "");
}

// Signed out here, in another tab, or the session ended on the server: back to the sign-in page.
// A sign-out this tab started has already shown its own message; only the others need one.
client.on("signedOut", () => {
  if (!ctx.user) return;
  ctx.user = undefined;
  ctx.go("signin", { message: "Your session ended. Sign in again." });
});

async function boot() {
  try {
    // Back from a provider (code or error in the query): that finishes first.
    if (await finishProviderSignIn(ctx)) return;
    if (await client.resume()) ctx.user = await client.me();
    ctx.go(ctx.user ? "profile" : "signin");
  } catch {
    ctx.go("signin");
    main.prepend(notice("The server cannot be reached right now. Reload to try again."));
  }
}
void boot();
