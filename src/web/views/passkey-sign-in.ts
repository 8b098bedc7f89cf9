import { ApiProblem, request, type TokenPair } from "../api";
import { busy, h } from "../dom";
import { autofillAvailable, getPasskey, passkeysSupported, wasCancelled } from "../passkeys";

type Json = Record<string, unknown>;

/**
 * "Sign in with a passkey" for the sign-in page, and the same passkey offered in the email
 * field's autofill where the browser supports it. `onSignedIn` gets the token pair. Hidden when the
 * browser has no WebAuthn or the server has passkeys off (404).
 */
export function passkeySignIn(onSignedIn: (pair: TokenPair) => Promise<void>): HTMLElement {
  const error = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "button", class: "secondary passkey" }, "Sign in with a passkey");
  const box = h("div", { class: "passkey-sign-in" }, button, error);
  if (!passkeysSupported()) {
    box.hidden = true;
    return box;
  }

  let retries = 0;
  const ceremony = async (autofill: boolean) => {
    const options = await request<Json>("POST", "/auth/passkey/options", {});
    const credential = await getPasskey(options, autofill);
    await onSignedIn(await request<TokenPair>("POST", "/auth/passkey/login", { credential }));
  };
  const fail = (e: unknown, autofill: boolean) => {
    if (e instanceof ApiProblem && e.status === 404) return void (box.hidden = true);
    if (wasCancelled(e)) return;
    error.textContent = e instanceof ApiProblem
      ? e.code === "invalid_credentials" ? "That passkey was not accepted. Try again, or use your password." : e.detail
      : "The passkey could not be used. Try again.";
    // A refused autofill sign-in (an expired challenge, say) gets a fresh request, so the offer
    // stays; any other failure (the server unreachable) does not loop.
    // A few times at most: an authenticator that answers by itself must not make a loop.
    if (autofill && e instanceof ApiProblem && e.status === 401 && retries++ < 3) void startAutofill();
  };
  const startAutofill = async () => {
    if (!(await autofillAvailable()) || !box.isConnected) return;
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
