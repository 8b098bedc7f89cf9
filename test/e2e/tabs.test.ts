import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, screenshot, watchErrors } from "./browser";
import { startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");
const EMAIL = "tabs@example.com";
const PASSWORD = "two tabs password";

describe.skipIf(!hasChromium)("web UI: two tabs share one session without racing", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    // Strict single use (no reuse grace): if two tabs ever presented the same refresh token,
    // the second would be taken as theft and the whole session revoked.
    server = await startServer({ REFRESH_REUSE_GRACE: "0", RATE_LIMIT_AUTH_PER_MINUTE: "0", ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  // The profile (with the user's email) is only shown to a signed-in tab.
  const signedIn = (page: Page) => page.getByTestId("email").filter({ hasText: EMAIL }).waitFor();

  async function twoTabs(): Promise<{ context: BrowserContext; a: Page; b: Page; errors: string[] }> {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const [a, b] = [await context.newPage(), await context.newPage()];
    const errors = [...watchErrors(a), ...watchErrors(b)];
    await a.goto(server.url);
    await a.getByLabel("Email").fill(EMAIL);
    await a.getByLabel("Password").fill(PASSWORD);
    await a.getByRole("button", { name: "Sign in", exact: true }).click();
    await signedIn(a);
    await b.goto(server.url);
    await signedIn(b);
    return { context, a, b, errors };
  }

  

  test("both tabs reloading at once (each refreshes on start) stay signed in", async () => {
    const { context, a, b, errors } = await twoTabs();
    for (let round = 0; round < 3; round++) {
      await Promise.all([a.reload(), b.reload()]);
      await Promise.all([signedIn(a), signedIn(b)]);
    }
    // The session is still alive on the server: a write from each tab succeeds.
    await a.getByLabel("Name", { exact: true }).fill("From A");
    await a.getByRole("button", { name: "Save name" }).click();
    await a.getByText("Name saved.").waitFor();
    await screenshot(a, "two-tabs-after-reloads");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("both tabs with an expired access token refresh at once and stay signed in", async () => {
    const { context, a, b } = await twoTabs();
    // Move both tabs' clocks past the access token's lifetime: their next call must refresh first.
    for (const page of [a, b]) await page.clock.install({ time: new Date() });
    await Promise.all([a.clock.fastForward("20:00"), b.clock.fastForward("20:00")]);
    await Promise.all([a.getByRole("button", { name: "Save name" }).click(), b.getByRole("button", { name: "Save name" }).click()]);
    await Promise.all([a.getByText("Name saved.").waitFor(), b.getByText("Name saved.").waitFor()]);
    await Promise.all([a.reload(), b.reload()]);
    await Promise.all([signedIn(a), signedIn(b)]);
    await context.close();
  }, 60_000);

  test("signing out in one tab signs the other out too", async () => {
    const { context, a, b } = await twoTabs();
    await a.getByRole("button", { name: "Sign out", exact: true }).click();
    await a.getByText("You are signed out.").waitFor();
    await b.getByText("Your session ended. Sign in again.").waitFor();
    await b.reload();
    await b.getByRole("heading", { name: "Sign in" }).waitFor();
    await context.close();
  }, 60_000);
});
