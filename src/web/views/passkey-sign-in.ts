import { EdgeAuthError } from "../../client/client";
import type { Ctx } from "../context";
import { busy, h, passkeysEnabled } from "../dom";
import { afterSignIn } from "./auth";

/**
 * "Sign in with a passkey" for the sign-in page, and the same passkey offered in the email
 * field's autofill where the browser supports it. Hidden when the browser has no WebAuthn or the
 * server has passkeys off (404). The ceremony itself is the client's (`passkeys.signIn`).
 */
export function passkeySignIn(ctx: Ctx): HTMLElement {
  const error = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "button", class: "secondary passkey" }, "Sign in with a passkey");
  const box = h("div", { class: "passkey-sign-in" }, button, error);
  if (!passkeysEnabled() || !ctx.client.passkeys.supported()) {
    box.hidden = true;
    return box;
  }

  let retries = 0;
  const ceremony = async (autofill: boolean) => afterSignIn(ctx, await ctx.client.passkeys.signIn({ autofill }));
  const fail = (e: unknown, autofill: boolean) => {
    const problem = e instanceof EdgeAuthError ? e : undefined;
    if (problem?.status === 404) return void (box.hidden = true);
    // A closed prompt, or one superseded by another ceremony: nothing to show.
    if (problem?.code === "cancelled") return;
    error.textContent = problem
      ? problem.code === "invalid_credentials" ? "That passkey was not accepted. Try again, or use your password." : problem.detail
      : "The passkey could not be used. Try again.";
    // A refused autofill sign-in (an expired challenge, say) gets a fresh request, so the offer
    // stays; any other failure (the server unreachable) does not loop.
    // A few times at most: an authenticator that answers by itself must not make a loop.
    if (autofill && problem?.status === 401 && retries++ < 3) void startAutofill();
  };
  const startAutofill = async () => {
    if (!(await ctx.client.passkeys.autofillSupported().catch(() => false)) || !box.isConnected) return;
    await ceremony(true).catch((e) => fail(e, true));
  };

  button.addEventListener("click", () => void busy(button, async () => {
    error.textContent = "";
    // The click's modal request cancels the pending autofill one; autofill comes back after.
    await ceremony(false).catch((e) => fail(e, false));
    void startAutofill();
  }));
  // Once the box is on the page (autofill needs the input with autocomplete="... webauthn").
  queueMicrotask(() => void startAutofill());
  return box;
}
