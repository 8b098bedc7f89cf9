import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, CDPSession, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, screenshot, watchErrors } from "./browser";
import { freePort, startMailCatcher, startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");

// Chromium's own WebAuthn stack with its virtual authenticator (DevTools protocol): the real
// navigator.credentials.create/get, the real toJSON(), against the real server. The page is
// opened on http://localhost:<port>: the RP ID is localhost, which 127.0.0.1 does not match.
describe.skipIf(!hasChromium)("web UI: passkeys (real server, Chromium's virtual authenticator)", () => {
  let server: RunningServer;
  let mail: ReturnType<typeof startMailCatcher>;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    mail = startMailCatcher();
    const port = freePort();
    origin = `http://localhost:${port}`;
    server = await startServer({
      MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: mail.url, RATE_LIMIT_AUTH_PER_MINUTE: "0",
      PORT: String(port), WEBAUTHN_ORIGINS: origin,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    mail?.stop();
  });

  async function open(native: boolean, autofill: boolean): Promise<{ page: Page; errors: string[]; cdp: CDPSession; authenticatorId: string }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    // Without the JSON methods (as in Safari before 18.4) the client converts options and credentials itself.
    if (!native) {
      await context.addInitScript(() => {
        const statics = PublicKeyCredential as unknown as Record<string, unknown>;
        delete statics.parseCreationOptionsFromJSON;
        delete statics.parseRequestOptionsFromJSON;
        delete (PublicKeyCredential.prototype as unknown as Record<string, unknown>).toJSON;
      });
    }
    // The virtual authenticator answers an autofill (conditional) request at once, as if the person
    // picked the passkey from the list: to click the button instead, autofill is made unavailable.
    if (!autofill) {
      await context.addInitScript(() => {
        (PublicKeyCredential as unknown as Record<string, unknown>).isConditionalMediationAvailable = async () => false;
      });
    }
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const errors = watchErrors(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto(origin);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    return { page, errors, cdp, authenticatorId };
  }

  test.each([
    ["the browser's JSON methods, signing in from autofill", true, true],
    ["the browser's JSON methods, signing in with the button", true, false],
    ["the client's own converter (no JSON methods), signing in with the button", false, false],
  ])("with %s: register in the profile, sign out, sign in with the passkey, rename, remove it", async (_, native, autofill) => {
    const { page, errors, cdp, authenticatorId } = await open(native, autofill);
    const signInWithPasskey = async () => {
      if (!autofill) await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    };
    const usesNative = await page.evaluate(() => typeof (PublicKeyCredential as unknown as Record<string, unknown>).parseRequestOptionsFromJSON === "function");
    expect(usesNative).toBe(native);
    const hasToJson = await page.evaluate(() => typeof (PublicKeyCredential.prototype as unknown as Record<string, unknown>).toJSON === "function");
    expect(hasToJson).toBe(native);
    const email = `passkey-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = "correct horse battery";
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Name (optional)").fill("Pat");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password (8 to 72 characters)").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByLabel("6-digit code").fill(await mail.code(email, "verify-email"));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: "Hello, Pat" }).waitFor();

    // Add: the browser creates a discoverable credential on the virtual authenticator.
    await page.getByRole("heading", { name: "Passkeys" }).waitFor();
    await page.getByText("No passkeys yet.").waitFor();
    await page.getByLabel("Name (optional)").fill("Test laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Passkey added. You can now sign in with it.").waitFor();
    const item = page.getByTestId("passkey");
    await item.waitFor();
    await expect(item.count()).resolves.toBe(1);
    await expect(item.locator(".passkey-name").textContent()).resolves.toBe("Test laptop");
    await expect(item.textContent()).resolves.toContain("never used");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe("localhost");
    if (native && autofill) await screenshot(page, "passkeys-profile");

    // Sign out, then in with the passkey alone.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    // From autofill the sign-in page may be gone before a wait could see it: the passkey's use is the proof.
    if (!autofill) await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInWithPasskey();
    // The profile again, now showing the passkey's use (the old profile never said "last used").
    await page.getByTestId("passkey").filter({ hasText: "last used" }).waitFor();
    await page.getByRole("heading", { name: "Hello, Pat" }).waitFor();
    const after = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(after.credentials[0]!.signCount).toBeGreaterThan(0);

    // Rename, then remove (with confirmation): the list is empty again.
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Passkey name").fill("Old laptop");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByTestId("passkey").locator(".passkey-name").textContent()).resolves.toBe("Old laptop");
    await page.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove passkey" }).click();
    await page.getByText("Passkey removed.").waitFor();
    await page.getByText("No passkeys yet.").waitFor();

    // The credential is still on the authenticator, but the server no longer knows it.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByLabel("Email").getAttribute("autocomplete")).resolves.toBe("username webauthn");
    await signInWithPasskey();
    await page.getByText("That passkey was not accepted. Try again, or use your password.").waitFor();
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});
