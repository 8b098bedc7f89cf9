import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Secret, TOTP } from "otpauth";
import type { Browser, Page } from "playwright-core";
import { encode } from "uqr";
import { otpauthUri } from "../../src/auth/totp";
import { available, requires } from "../support/requirements";
import { launchChromium, openPage, PHONE, screenshot } from "./browser";
import { startMailCatcher, startServer, type RunningServer } from "./server";

/** The dark modules of a QR code of `text`, as the page's SVG path draws them (src/web/qr.ts). */
function modulesPath(text: string): string {
  let d = "";
  encode(text, { ecc: "M", border: 2 }).data.forEach((row, y) => row.forEach((dark, x) => {
    if (dark) d += `M${x} ${y}h1v1h-1z`;
  }));
  return d;
}

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");
// What the authenticator app would show; the server runs on the real clock, so this does too.
const codeAt = (secret: string, ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: ms });

describe.skipIf(!hasChromium)("web UI: two-step sign-in (real server, real browser)", () => {
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
    const { page, errors } = await openPage(browser, server.url, { viewport, acceptDownloads: true });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    return { page, errors };
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Two-step sign-in" }).waitFor();
  }

  test("enroll (QR code and key drawn in the page), sign out, sign in with a TOTP code, then with a recovery code", async () => {
    const { page, errors } = await open();
    const email = "tess@example.com";
    const password = "correct horse battery";
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Name (optional)").fill("Tess");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password (8 to 72 characters)").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByLabel("6-digit code").fill(await mail.code(email, "verify-email"));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: "Hello, Tess" }).waitFor();

    const card = page.locator("section", { has: page.getByRole("heading", { name: "Two-step sign-in" }) });
    await card.getByLabel("Password").fill("not my password");
    await card.getByRole("button", { name: "Set up an authenticator app" }).click();
    await card.locator('.field-error[data-for="password"]').filter({ hasText: "incorrect" }).waitFor();
    await card.getByLabel("Password").fill(password);
    await card.getByRole("button", { name: "Set up an authenticator app" }).click();
    const qr = card.getByRole("img", { name: "QR code for your authenticator app" });
    await qr.waitFor();
    expect((await qr.locator("path").getAttribute("d"))!.length).toBeGreaterThan(1000);
    const secret = (await card.getByTestId("totp-secret").textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The QR code holds exactly the otpauth URI of this secret: the same modules as encoding it here.
    expect(await qr.locator("path").getAttribute("d")).toBe(modulesPath(otpauthUri(secret, "edge-auth", email)));
    await screenshot(page, "mfa-setup-desktop");

    await card.getByLabel("Code from your authenticator app").fill(codeAt(secret, Date.now() - 120_000));
    await card.getByRole("button", { name: "Turn on" }).click();
    await card.locator('.field-error[data-for="code"]').filter({ hasText: "wrong" }).waitFor();
    await card.getByLabel("Code from your authenticator app").fill(codeAt(secret, Date.now()));
    await card.getByRole("button", { name: "Turn on" }).click();
    const list = card.getByTestId("recovery-codes");
    await list.waitFor();
    const codes = (await list.locator("li").allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("button", { name: "Download codes" }).click()]);
    expect(download.suggestedFilename()).toBe("edge-auth-recovery-codes.txt");
    const saved = await Bun.file((await download.path())!).text();
    expect(saved.trim().split("\n")).toEqual(codes);
    await screenshot(page, "mfa-recovery-codes-desktop");
    await card.getByRole("button", { name: "I have saved them" }).click();
    await card.getByText("Two-step sign-in is on. 10 recovery codes left.").waitFor();
    // The page went on with the new session that confirming returned: a reload stays signed in.
    await page.reload();
    await page.getByRole("heading", { name: "Hello, Tess" }).waitFor();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn(page, email, password);
    // The next step's code: within one step of now, and later than the one that confirmed.
    await page.getByLabel("6-digit code from your authenticator app").fill(codeAt(secret, Date.now() + 30_000));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Hello, Tess" }).waitFor();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn(page, email, password);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill("zzzzz-zzzzz");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator('.field-error[data-for="recovery"]').filter({ hasText: "wrong" }).waitFor();
    await page.getByLabel("Recovery code").fill(codes[0]!.toUpperCase());
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Hello, Tess" }).waitFor();
    await page.getByText("Two-step sign-in is on. 9 recovery codes left.").waitFor();
    expect(errors).toEqual([]);
  }, 90_000);

  test("on a phone: the second step, then turning two-step sign-in off with a recovery code", async () => {
    const { page: first } = await open();
    const email = "noor@example.com";
    const password = "another good password";
    await first.getByRole("button", { name: "Create an account" }).click();
    await first.getByLabel("Name (optional)").fill("Noor");
    await first.getByLabel("Email").fill(email);
    await first.getByLabel("Password (8 to 72 characters)").fill(password);
    await first.getByRole("button", { name: "Create account" }).click();
    await first.getByLabel("6-digit code").fill(await mail.code(email, "verify-email"));
    await first.getByRole("button", { name: "Verify and sign in" }).click();
    const card = first.locator("section", { has: first.getByRole("heading", { name: "Two-step sign-in" }) });
    await card.getByLabel("Password").fill(password);
    await card.getByRole("button", { name: "Set up an authenticator app" }).click();
    const secret = (await card.getByTestId("totp-secret").textContent())!;
    await card.getByLabel("Code from your authenticator app").fill(codeAt(secret, Date.now()));
    await card.getByRole("button", { name: "Turn on" }).click();
    await card.getByTestId("recovery-codes").waitFor();
    const codes = (await card.getByTestId("recovery-codes").locator("li").allTextContents()).map((c) => c.trim());

    const { page, errors } = await open(PHONE);
    await signIn(page, email, password);
    await screenshot(page, "mfa-step-phone");
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(codes[1]!);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Hello, Noor" }).waitFor();
    const phoneCard = page.locator("section", { has: page.getByRole("heading", { name: "Two-step sign-in" }) });
    await phoneCard.getByLabel("Authenticator or recovery code").fill(codes[2]!);
    await phoneCard.getByRole("button", { name: "Turn off two-step sign-in" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Turn off" }).click();
    await phoneCard.getByText("Two-step sign-in is off.").waitFor();
    await phoneCard.getByRole("button", { name: "Set up an authenticator app" }).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);
});
