import type { MfaStatus } from "../../client/client";
import type { Ctx } from "../context";
import { busy, confirmAction, field, form, h, notice } from "../dom";
import { qrCode } from "../qr";

const codeField = (label: string) => field(label, "code", { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });

/** The profile's "Two-step sign-in" card: set up an authenticator app, recovery codes, turn it off. */
export function totpSection(ctx: Ctx): HTMLElement {
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  const show = (...nodes: (Node | false)[]) => body.replaceChildren(...nodes.filter((n): n is Node => n !== false));

  async function load(message?: string) {
    const status = await ctx.client.mfa.status();
    if (status.totp) turnedOn(status, message);
    else turnedOff(message);
  }

  function turnedOff(message?: string) {
    const start = form([field("Password", "password", { type: "password", autocomplete: "current-password", required: true })], "Set up an authenticator app", async (v) => {
      const pending = await ctx.client.mfa.enrollTotp(v.password!);
      setup(pending.secret, pending.otpauth_uri);
    }, { invalid_credentials: "password" });
    show(message ? notice(message, "ok") : false, h("p", {}, "Add a second step to signing in: a code from an authenticator app on your phone."), start);
  }

  function setup(secret: string, uri: string) {
    const confirm = form([codeField("Code from your authenticator app")], "Turn on", async (v) => {
      // Confirming ended every session, this one included: the client goes on with the pair it returned.
      recoveryCodes(await ctx.client.mfa.confirmTotp(v.code!), "Two-step sign-in is on. Your other sessions were signed out.");
    }, { invalid_code: "code" });
    show(
      h("p", {}, "Scan this QR code with your authenticator app, then enter the code it shows."),
      h("div", { class: "qr-box" }, qrCode(uri, "QR code for your authenticator app")),
      h("p", {}, "Can't scan it? Enter this key in the app instead:"),
      h("p", {}, h("code", { class: "secret", "data-testid": "totp-secret" }, secret)),
      confirm,
    );
  }

  function recoveryCodes(codes: string[], message: string) {
    const text = `${codes.join("\n")}\n`;
    const copy = h("button", { type: "button", class: "secondary" }, "Copy codes");
    const copied = h("p", { role: "status", class: "muted" });
    copy.addEventListener("click", () => void busy(copy, async () => {
      try {
        await navigator.clipboard.writeText(text);
        copied.textContent = "Copied.";
      } catch {
        copied.textContent = "Copying is not allowed here: select the codes and copy them yourself.";
      }
    }));
    const download = h("button", { type: "button", class: "secondary" }, "Download codes");
    download.addEventListener("click", () => {
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
      const a = h("a", { href: url, download: "edge-auth-recovery-codes.txt" });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
    const done = h("button", { type: "button", class: "primary", onclick: () => void load() }, "I have saved them");
    show(
      notice(message, "ok"),
      h("p", {}, h("strong", {}, "Save these recovery codes now."), " Each one signs you in once if you lose your phone. They are not shown again."),
      h("ol", { class: "recovery-codes", "data-testid": "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
      h("div", { class: "actions" }, copy, download, done),
      copied,
    );
  }

  function turnedOn(status: MfaStatus, message?: string) {
    const regenerate = form([codeField("Authenticator code")], "New recovery codes", async (v) => {
      recoveryCodes(await ctx.client.mfa.regenerateRecoveryCodes(v.code!), "New recovery codes: the old ones no longer work.");
    }, { invalid_code: "code" });
    const off = form([field("Authenticator or recovery code", "code", { autocomplete: "one-time-code", maxlength: 20, required: true })], "Turn off two-step sign-in", async (v) => {
      if (!(await confirmAction("Turn off two-step sign-in? Your password alone will sign you in again.", "Turn off"))) return;
      await ctx.client.mfa.disableTotp(v.code!);
      await load("Two-step sign-in is off. Your other sessions were signed out.");
    }, { invalid_code: "code" });
    off.querySelector("button[type=submit]")!.className = "danger";
    show(
      message ? notice(message, "ok") : false,
      h("p", { "data-testid": "mfa-status" }, `Two-step sign-in is on. ${status.recoveryCodesRemaining} recovery code${status.recoveryCodesRemaining === 1 ? "" : "s"} left.`),
      h("h3", {}, "Recovery codes"),
      regenerate,
      h("h3", {}, "Turn off"),
      off,
    );
  }

  void load().catch(() => show(h("p", { class: "form-error", role: "alert" }, "Two-step sign-in settings could not be loaded. Reload to try again.")));
  return h("section", { class: "card" }, h("h2", {}, "Two-step sign-in"), body);
}
