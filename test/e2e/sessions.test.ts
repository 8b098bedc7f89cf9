import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, openPage, screenshot } from "./browser";
import { startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");
const ADMIN = { email: "devices@example.com", password: "devices password 1" };
// B presents itself as a phone, so A can tell which list entry is B.
const PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

describe.skipIf(!hasChromium)("web UI: where you're signed in, and what happened", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_AUTH_PER_MINUTE: "0" });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signedInPage(userAgent?: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
    const { page, errors, close } = await openPage(browser, server.url, userAgent ? { userAgent } : {});
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByTestId("email").filter({ hasText: ADMIN.email }).waitFor();
    return { page, errors, close };
  }

  test("one browser ends the other from the sessions list; the other is signed out at its next request", async () => {
    const b = await signedInPage(PHONE_UA);
    const a = await signedInPage();
    const list = a.page.getByTestId("sessions");
    // Both sessions, this one marked; B's shown by its device.
    await list.locator("li[data-current=true]").getByText("This device").waitFor();
    const phone = list.locator("li[data-current=false]").filter({ hasText: "Chrome on Android" }).first();
    await phone.waitFor();
    expect(await list.locator("li[data-current=true] button").count()).toBe(0); // this device: no End button
    await screenshot(a.page, "sessions-list");
    await phone.getByRole("button", { name: /^End the session on Chrome on Android/ }).click();
    await a.page.getByText("The session on Chrome on Android was ended.").waitFor();

    // B does not know yet; its next request (saving its name) is refused and it is signed out.
    await b.page.getByLabel("Name", { exact: true }).fill("From B");
    await b.page.getByRole("button", { name: "Save name" }).click();
    await b.page.getByText("Your session ended. Sign in again.").waitFor();
    await b.page.reload();
    await b.page.getByRole("heading", { name: "Sign in" }).waitFor();

    // A is still signed in, and its activity shows the sign-ins and the ended session.
    await a.page.reload();
    const activity = a.page.locator("section", { has: a.page.getByRole("heading", { name: "Recent activity" }) });
    await activity.getByText("A session was ended").waitFor();
    expect(await activity.getByText("Signed in").count()).toBeGreaterThanOrEqual(2);
    expect(await a.page.getByTestId("sessions").locator("li").count()).toBe(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  }, 60_000);

  test("admin: a user's sessions and events from the users table, and the audit page with filters", async () => {
    // A session ended through the API, so the filter below has something to find whatever ran before.
    const api = (method: string, path: string, token?: string, body?: unknown) =>
      fetch(`${server.url}${path}`, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const first = (await (await api("POST", "/auth/login", undefined, ADMIN)).json()) as { access_token: string };
    const second = (await (await api("POST", "/auth/login", undefined, ADMIN)).json()) as { access_token: string };
    const sid = JSON.parse(atob(second.access_token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
    expect((await api("DELETE", `/users/me/sessions/${sid}`, first.access_token)).status).toBe(204);
    const a = await signedInPage();
    await a.page.getByRole("button", { name: "Users" }).click();
    const row = a.page.locator(`tr[data-email="${ADMIN.email}"]`);
    await row.getByRole("button", { name: "Activity" }).click();
    const panel = a.page.locator(".user-activity");
    await panel.getByRole("heading", { name: `Sessions of ${ADMIN.email}` }).waitFor();
    await panel.locator("li[data-session]").first().waitFor();
    await panel.locator("li[data-event=login]").first().waitFor();
    await screenshot(a.page, "admin-user-activity");

    await a.page.getByRole("button", { name: "Audit" }).click();
    await a.page.getByRole("heading", { name: "Audit log" }).waitFor();
    await a.page.locator("li[data-event]").first().waitFor();
    await a.page.getByLabel("Type").selectOption("session_revoked");
    await a.page.getByRole("button", { name: "Filter" }).click();
    await a.page.locator("li[data-event=session_revoked]").first().waitFor();
    expect(await a.page.locator("li[data-event]:not([data-event=session_revoked])").count()).toBe(0);
    await a.page.getByLabel("User id").fill("not-an-id");
    await a.page.getByRole("button", { name: "Filter" }).click();
    await a.page.getByText("A user id looks like").waitFor();
    await screenshot(a.page, "audit-page");
    expect(a.errors).toEqual([]);
    await a.close();
  }, 60_000);
});
