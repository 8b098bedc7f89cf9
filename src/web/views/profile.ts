import type { Ctx } from "../context";
import { busy, confirmAction, field, form, h, notice, showError } from "../dom";
import { totpSection } from "./totp";
import { eventList, myActivity, mySessions } from "./activity";
import { identitiesCard } from "./providers";
import { passkeysSection } from "./passkeys";

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * Runs a sign-out this tab asked for. The user is let go first, so the signedOut listener (main.ts,
 * for sign-outs from elsewhere) stays quiet and this view shows its own message; kept if it fails.
 */
async function leaving(ctx: Ctx, work: () => Promise<void>): Promise<void> {
  const user = ctx.user;
  ctx.user = undefined;
  try {
    await work();
  } catch (error) {
    ctx.user = user;
    throw error;
  }
}

/** The signed-in user: details, name, password, sign out (here or everywhere), delete account. */
export function profileView(ctx: Ctx): HTMLElement {
  const user = ctx.user!;
  const status = h("div", { class: "status-slot" });
  const say = (text: string) => status.replaceChildren(notice(text, "ok"));

  const details = h(
    "dl",
    { class: "details" },
    h("dt", {}, "Email"), h("dd", { "data-testid": "email" }, user.email),
    h("dt", {}, "Role"), h("dd", {}, user.role),
    h("dt", {}, "Email verified"), h("dd", {}, user.emailVerified ? "yes" : "no"),
    h("dt", {}, "Member since"), h("dd", {}, when(user.createdAt)),
  );

  const nameForm = form([field("Name", "name", { autocomplete: "name", maxlength: 100, value: user.name ?? "" })], "Save name", async (v) => {
    const name = v.name!.trim();
    ctx.user = await ctx.client.updateMe({ name: name === "" ? null : name });
    say("Name saved.");
  });

  const passwordForm = form(
    [
      field("Current password", "currentPassword", { type: "password", autocomplete: "current-password", required: true }),
      field("New password", "newPassword", { type: "password", autocomplete: "new-password", required: true, minlength: 8, maxlength: 72 }),
    ],
    "Change password",
    async (v, el) => {
      await ctx.client.changePassword({ currentPassword: v.currentPassword!, newPassword: v.newPassword! });
      el.reset();
      say("Password changed. Your other sessions were signed out.");
    },
    { invalid_credentials: "currentPassword" },
  );

  const signOut = h("button", { type: "button", class: "secondary" }, "Sign out");
  signOut.addEventListener("click", () => void busy(signOut, async () => {
    await leaving(ctx, () => ctx.client.logout());
    ctx.go("signin", { message: "You are signed out." });
  }));
  const everywhere = h("button", { type: "button", class: "secondary" }, "Sign out everywhere");
  const sessionsBox = h("div", {}, h("p", { class: "form-error", role: "alert" }));
  everywhere.addEventListener("click", () => void busy(everywhere, async () => {
    if (!(await confirmAction("Sign out on every device, this one included?", "Sign out everywhere"))) return;
    try {
      await leaving(ctx, () => ctx.client.logoutAll());
      ctx.go("signin", { message: "You are signed out on every device." });
    } catch (error) {
      showError(sessionsBox, error);
    }
  }));
  sessionsBox.prepend(h("div", { class: "actions" }, signOut, everywhere));

  const deleteForm = form(
    [field("Password", "password", { type: "password", autocomplete: "current-password", required: true })],
    "Delete my account",
    async (v) => {
      if (!(await confirmAction("Delete your account and everything in it? This cannot be undone.", "Delete account"))) return;
      await leaving(ctx, () => ctx.client.deleteAccount(v.password!));
      ctx.go("signin", { message: "Your account was deleted." });
    },
    { invalid_credentials: "password" },
  );
  deleteForm.querySelector("button[type=submit]")!.className = "danger";

  return h(
    "div",
    { class: "stack" },
    h("section", { class: "card" }, h("h1", {}, user.name ? `Hello, ${user.name}` : "Your account"), status, details),
    h("section", { class: "card" }, h("h2", {}, "Profile"), nameForm),
    h("section", { class: "card" }, h("h2", {}, "Password"), passwordForm),
    totpSection(ctx),
    passkeysSection(ctx, say),
    h("section", { class: "card" }, h("h2", {}, "Sessions"), sessionsBox),
    h("section", { class: "card" }, h("h2", {}, "Where you're signed in"), mySessions(ctx), sessionsBox),
    h("section", { class: "card" }, h("h2", {}, "Recent activity"), eventList(myActivity(ctx), false)),
    identitiesCard(ctx),
    h("section", { class: "card danger-zone" }, h("h2", {}, "Delete account"), h("p", {}, "Your account and all your sessions are removed for good."), deleteForm),
  );
}
