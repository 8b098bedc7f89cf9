import type { Ctx, View } from "./context";
import { h, notice } from "./dom";
import { Session } from "./session";
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

const session = new Session();
const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;

const ctx: Ctx = {
  session,
  state: {},
  go(view, state = {}) {
    if (needsSession.has(view) && !session.signedIn) view = "signin";
    if ((view === "users" || view === "audit") && session.user?.role !== "admin") view = "profile";
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
  if (!session.signedIn) return nav.replaceChildren();
  const tab = (view: View, label: string) =>
    h("button", { type: "button", class: "tab", "aria-current": view === current ? "page" : undefined, onclick: () => ctx.go(view) }, label);
  const admin = session.user?.role === "admin";
  nav.replaceChildren(tab("profile", "Profile"), admin ? tab("users", "Users") : "", admin ? tab("audit", "Audit") : "");
}

session.onSignedOut = () => ctx.go("signin", { message: "Your session ended. Sign in again." });

async function boot() {
  try {
    // Back from a provider (code or error in the query): that finishes first.
    if (await finishProviderSignIn(ctx)) return;
    ctx.go((await session.resume()) ? "profile" : "signin");
  } catch {
    ctx.go("signin");
    main.prepend(notice("The server cannot be reached right now. Reload to try again."));
  }
}
void boot();
