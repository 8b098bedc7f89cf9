import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, openPage, PHONE, screenshot } from "./browser";
import { startMailCatcher, startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");

describe.skipIf(!hasChromium)("web UI: accounts (real server, real browser)", () => {
  let server: RunningServer;
  let mail: ReturnType<typeof startMailCatcher>;
  let browser: Browser;

  beforeAll(async () => {
    mail = startMailCatcher();
    server = await startServer({ MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: mail.url, RATE_LIMIT_AUTH_PER_MINUTE: "0" });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    mail?.stop();
  });

  async function open(viewport = { width: 1200, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    const { page, errors } = await openPage(browser, server.url, { viewport });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    return { page, errors };
  }

  async function signUp(page: Page, email: string, password: string, name: string) {
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Name (optional)").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password (8 to 72 characters)").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Verify your email" }).waitFor();
    await page.getByLabel("6-digit code").fill(await mail.code(email, "verify-email"));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: `Hello, ${name}` }).waitFor();
  }

  test("the page is served with a strict CSP and runs without violations", async () => {
    const res = await fetch(server.url);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    const { page, errors } = await open();
    expect(await page.locator("input:not([id])").count()).toBe(0);
    for (const id of await page.locator("input").evaluateAll((inputs) => inputs.map((i) => i.id))) {
      expect(await page.locator(`label[for="${id}"]`).count()).toBe(1);
    }
    expect(errors).toEqual([]);
  });

  test("sign up → field errors → wrong code → resend → code → profile, edit name, sign out, sign in", async () => {
    const { page, errors } = await open();
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password (8 to 72 characters)").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    // The API's errors[].path lands next to the password field, which is marked invalid.
    const passwordError = page.locator('.field-error[data-for="password"]');
    await passwordError.filter({ hasText: "at least 8 bytes" }).waitFor();
    expect(await page.getByLabel("Password (8 to 72 characters)").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "signup-field-error-desktop");

    await page.getByLabel("Password (8 to 72 characters)").fill("correct horse battery");
    await page.getByLabel("Name (optional)").fill("Ada");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Verify your email" }).waitFor();
    const code = await mail.code("ada@example.com", "verify-email");
    await page.getByLabel("6-digit code").fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.locator('.field-error[data-for="code"]').filter({ hasText: "wrong or expired" }).waitFor();
    await page.getByRole("button", { name: "Send a new code" }).click();
    await page.getByText("a new code is on its way").waitFor();
    await screenshot(page, "verify-code-desktop");

    await page.getByLabel("6-digit code").fill(code);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: "Hello, Ada" }).waitFor();
    expect(await page.getByTestId("email").textContent()).toBe("ada@example.com");

    await page.getByLabel("Name", { exact: true }).fill("Ada Lovelace");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("Name saved.").waitFor();
    // A reload stays signed in (refresh token in storage) and shows the saved name.
    await page.reload();
    await page.getByRole("heading", { name: "Hello, Ada Lovelace" }).waitFor();
    await screenshot(page, "profile-desktop");

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByText("You are signed out.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator('.field-error[data-for="password"]').filter({ hasText: "incorrect" }).waitFor();
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Hello, Ada Lovelace" }).waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  test("forgot / reset password on a phone-sized screen, then sign in with the new password", async () => {
    const { page: first } = await open();
    await signUp(first, "grace@example.com", "first password 1", "Grace");
    const { page } = await open(PHONE);
    await page.getByRole("button", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByRole("button", { name: "Send reset code" }).click();
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel("6-digit code").fill(await mail.code("grace@example.com", "reset-password"));
    await page.getByLabel("New password").fill("second password 2");
    await screenshot(page, "reset-password-phone");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("Your password was changed").waitFor();
    expect(await page.getByLabel("Email").inputValue()).toBe("grace@example.com");
    await page.getByLabel("Password").fill("second password 2");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Hello, Grace" }).waitFor();
    await screenshot(page, "profile-phone");
    // The reset ended every session: the first tab is signed out at its next request.
    await first.getByRole("button", { name: "Save name" }).click();
    await first.getByText("Your session ended").waitFor();
  }, 60_000);

  test("signing in before verifying leads to the code form, and the code signs in", async () => {
    const res = await fetch(`${server.url}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "late@example.com", password: "late password 1", name: "Late" }),
    });
    expect(res.status).toBe(201);
    const { page } = await open();
    await page.getByLabel("Email").fill("late@example.com");
    await page.getByLabel("Password").fill("late password 1");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Verify your email first").waitFor();
    expect(await page.getByLabel("Email").inputValue()).toBe("late@example.com");
    await page.getByLabel("6-digit code").fill(await mail.code("late@example.com", "verify-email"));
    await page.getByLabel("6-digit code").press("Enter");
    await page.getByRole("heading", { name: "Hello, Late" }).waitFor();
  }, 60_000);

  test("repeated failed sign-ins show the 429 wait time from Retry-After", async () => {
    const { page } = await open();
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("not the password");
    for (let i = 0; i < 5; i++) {
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.locator('.field-error[data-for="password"]').filter({ hasText: "incorrect" }).waitFor();
    }
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator(".form-error").filter({ hasText: /Try again in (1[45]) minutes/ }).waitFor();
    await screenshot(page, "rate-limited-desktop");
  }, 60_000);

  test("change password, sign out everywhere, delete account — with keyboard and confirmation", async () => {
    const { page } = await open();
    await signUp(page, "linus@example.com", "old password 11", "Linus");
    await page.getByLabel("Current password").fill("not it at all");
    await page.getByLabel("New password").fill("new password 22");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator('.field-error[data-for="currentPassword"]').filter({ hasText: "incorrect" }).waitFor();
    await page.getByLabel("Current password").fill("old password 11");
    // Keyboard only: Enter in a field submits its form.
    await page.getByLabel("New password").press("Enter");
    await page.getByText("Password changed.").waitFor();

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape"); // cancelled: still signed in
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByText("You are signed out on every device.").waitFor();

    await page.getByLabel("Email").fill("linus@example.com");
    await page.getByLabel("Password").fill("new password 22");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Hello, Linus" }).waitFor();
    await page.locator(".danger-zone").getByLabel("Password").fill("new password 22");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await screenshot(page, "delete-confirm-desktop");
    await page.getByRole("dialog").getByRole("button", { name: "Delete account" }).click();
    await page.getByText("Your account was deleted.").waitFor();
    await page.getByLabel("Email").fill("linus@example.com");
    await page.getByLabel("Password").fill("new password 22");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator('.field-error[data-for="password"]').filter({ hasText: "incorrect" }).waitFor();
  }, 60_000);
});
