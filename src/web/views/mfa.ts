import { EdgeAuthError, type MfaMethod } from "../../client/client";
import type { Ctx } from "../context";
import { field, form, h } from "../dom";
import { afterSignIn } from "./auth";

/** The second step of a sign-in: the authenticator app's code, or a recovery code instead. */
export function mfaStepView(ctx: Ctx): HTMLElement {
  const mfaToken = ctx.state.mfaToken ?? "";
  let method: MfaMethod = "totp";
  const totp = field("6-digit code from your authenticator app", "code", { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });
  const recovery = field("Recovery code", "recovery", { autocomplete: "off", spellcheck: "false", maxlength: 20, required: true });
  recovery.hidden = true;
  const fieldFor = { invalid_code: "code" };
  const f = form([totp, recovery], "Continue", async (v) => {
    try {
      const code = method === "totp" ? v.code : v.recovery;
      await afterSignIn(ctx, await ctx.client.verifyMfa({ mfaToken, method, code: code! }), ctx.state.email);
    } catch (error) {
      // The mfa_token lives 5 minutes and finishes one sign-in: after that, start again.
      if (error instanceof EdgeAuthError && error.code === "invalid_token") return ctx.go("signin", { email: ctx.state.email, message: "That sign-in expired. Sign in again." });
      throw error;
    }
  }, fieldFor);
  const toggle = h("button", { type: "button", class: "link" }, "Use a recovery code instead");
  toggle.addEventListener("click", () => {
    method = method === "totp" ? "recovery_code" : "totp";
    totp.hidden = method !== "totp";
    recovery.hidden = method === "totp";
    fieldFor.invalid_code = method === "totp" ? "code" : "recovery";
    toggle.textContent = method === "totp" ? "Use a recovery code instead" : "Use the authenticator app instead";
    (method === "totp" ? totp : recovery).querySelector("input")?.focus();
  });
  const back = h("button", { type: "button", class: "link", onclick: () => ctx.go("signin", { email: ctx.state.email }) }, "Back to sign in");
  return h(
    "section",
    { class: "card narrow" },
    h("h1", {}, "Two-step sign-in"),
    h("p", { class: "muted" }, "Enter the code your authenticator app shows for this account."),
    f,
    h("p", { class: "links" }, toggle, back),
  );
}
