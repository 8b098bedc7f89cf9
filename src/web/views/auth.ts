import { EdgeAuthError, type SignInResult } from "../../client/client";
import type { Ctx } from "../context";
import { busy, field, form, h, notice, showError } from "../dom";
import { providerButtons } from "./providers";
import { passkeySignIn } from "./passkey-sign-in";

const email = (value = "") => field("Email", "email", { type: "email", autocomplete: "email", required: true, value });
const password = (label: string, name: string, autocomplete: string) =>
  field(label, name, { type: "password", autocomplete, required: true, minlength: 8, maxlength: 72 });
const code = () => field("6-digit code", "code", { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });

function page(title: string, ctx: Ctx, ...body: (Node | false)[]): HTMLElement {
  return h("section", { class: "card narrow" }, h("h1", {}, title), ctx.state.message ? notice(ctx.state.message, "ok") : false, ...body);
}

const link = (text: string, onClick: () => void) => h("button", { type: "button", class: "link", onclick: onClick }, text);

/**
 * Where a sign-in goes next: signed in, the user is loaded and the profile opens; a second factor
 * needed (after a password, an emailed code or a provider), the two-step view takes the handle.
 */
export async function afterSignIn(ctx: Ctx, result: SignInResult, email?: string) {
  if (result.status === "mfa_required") return ctx.go("mfa", { email, mfaToken: result.mfaToken });
  ctx.user = await ctx.client.me();
  ctx.go("profile");
}

/** Sign in; an unverified account is taken to the code form. */
export function signInView(ctx: Ctx): HTMLElement {
  // "webauthn": the browser may offer the account's passkeys in this field's autofill.
  const emailField = field("Email", "email", { type: "email", autocomplete: "username webauthn", required: true, value: ctx.state.email ?? "" });
  const f = form([emailField, password("Password", "password", "current-password")], "Sign in", async (v, el) => {
    try {
      await afterSignIn(ctx, await ctx.client.login({ email: v.email!, password: v.password! }), v.email);
    } catch (error) {
      if (error instanceof EdgeAuthError && error.code === "email_not_verified") {
        await ctx.client.resendVerification(v.email!).catch(() => {});
        return ctx.go("verify", { email: v.email, message: "Verify your email first: we sent you a code." });
      }
      showError(el, error, { invalid_credentials: "password" });
    }
  });
  const passkey = passkeySignIn(ctx);
  return page("Sign in", ctx, f, passkey, providerButtons(ctx), h("p", { class: "links" }, link("Create an account", () => ctx.go("signup")), link("Forgot your password?", () => ctx.go("forgot"))));
}

/** Create an account, then enter the code that was mailed. */
export function signUpView(ctx: Ctx): HTMLElement {
  const fields = [field("Name (optional)", "name", { autocomplete: "name", maxlength: 100 }), email(), password("Password (8 to 72 characters)", "password", "new-password")];
  const f = form(fields, "Create account", async (v) => {
    await ctx.client.register({ email: v.email!, password: v.password!, ...(v.name?.trim() ? { name: v.name } : {}) });
    ctx.go("verify", { email: v.email, message: `We sent a 6-digit code to ${v.email!.trim()}.` });
  }, { email_taken: "email" });
  return page("Create an account", ctx, f, providerButtons(ctx), h("p", { class: "links" }, link("I already have an account", () => ctx.go("signin"))));
}

/** Enter the code: verifies the email and signs in. */
export function verifyView(ctx: Ctx): HTMLElement {
  const f = form([email(ctx.state.email), code()], "Verify and sign in", async (v) => {
    // The emailed code is one factor: an account with an authenticator app takes the second step too.
    await afterSignIn(ctx, await ctx.client.verify({ email: v.email!, code: v.code! }), v.email);
  }, { invalid_code: "code" });
  const resend = h("button", { type: "button", class: "secondary" }, "Send a new code");
  const status = h("p", { role: "status", class: "notice info", hidden: true });
  resend.addEventListener("click", () => {
    const to = (f.elements.namedItem("email") as HTMLInputElement).value;
    void busy(resend, async () => {
      status.hidden = true;
      try {
        await ctx.client.resendVerification(to);
        status.textContent = "If this account still needs it, a new code is on its way (at most one a minute).";
      } catch (error) {
        showError(f, error);
        return;
      }
      status.hidden = false;
    });
  });
  return page("Verify your email", ctx, f, h("div", { class: "links" }, resend, link("Back to sign in", () => ctx.go("signin"))), status);
}

/** Ask for a reset code. */
export function forgotView(ctx: Ctx): HTMLElement {
  const f = form([email(ctx.state.email)], "Send reset code", async (v) => {
    await ctx.client.forgotPassword(v.email!);
    ctx.go("reset", { email: v.email, message: "If an account exists for this email, we sent it a reset code." });
  });
  return page("Reset your password", ctx, f, h("p", { class: "links" }, link("Back to sign in", () => ctx.go("signin"))));
}

/** Set a new password with the reset code; every session of the account ends. */
export function resetView(ctx: Ctx): HTMLElement {
  const f = form([email(ctx.state.email), code(), password("New password", "password", "new-password")], "Set new password", async (v) => {
    await ctx.client.resetPassword({ email: v.email!, code: v.code!, password: v.password! });
    // Every session of the account ended: forget this browser's too (in every tab).
    ctx.user = undefined;
    await ctx.client.logout();
    ctx.go("signin", { email: v.email, message: "Your password was changed. Sign in with the new one." });
  }, { invalid_code: "code" });
  return page("Choose a new password", ctx, f, h("p", { class: "links" }, link("Back to sign in", () => ctx.go("signin"))));
}
