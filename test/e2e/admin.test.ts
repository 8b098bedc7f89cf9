import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Locator, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, openPage, PHONE, screenshot } from "./browser";
import { startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");
const ADMIN = { email: "root@example.com", password: "admin password 1" };

describe.skipIf(!hasChromium)("web UI: user management for admins", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_AUTH_PER_MINUTE: "0" });
    browser = await launchChromium();
    // 25 users to page through, made through the public API.
    const login = await fetch(`${server.url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const { access_token } = (await login.json()) as { access_token: string };
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${server.url}/users`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
        body: JSON.stringify({ email: `pager${String(i).padStart(2, "0")}@example.com`, password: "pager password", name: `Pager ${i}` }),
      });
      expect(res.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function adminPage(viewport = { width: 1200, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    const { page, errors } = await openPage(browser, server.url, { viewport });
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("button", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    return { page, errors };
  }

  const row = (page: Page, email: string): Locator => page.locator(`tr[data-email="${email}"]`);
  const rows = (page: Page) => page.locator("tbody tr");

  test("search and cursor paging", async () => {
    const { page, errors } = await adminPage();
    await page.getByLabel("Search by email or name").fill("pager");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("20 users shown, more available.").waitFor();
    expect(await rows(page).count()).toBe(20);
    await page.getByRole("button", { name: "Load more" }).click();
    await page.getByText("25 users shown.").waitFor();
    expect(new Set(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-email")))).size).toBe(25);
    expect(await page.getByRole("button", { name: "Load more" }).isHidden()).toBe(true);
    await screenshot(page, "admin-users-desktop");

    await page.getByLabel("Search by email or name").fill("pager07");
    await page.getByLabel("Search by email or name").press("Enter");
    await page.getByText("1 user shown.").waitFor();
    await row(page, "pager07@example.com").waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  test("create, change role, disable/enable, delete with confirmation", async () => {
    const { page } = await adminPage();
    await page.getByLabel("Email", { exact: true }).fill("new.person@example.com");
    await page.getByLabel("Name (optional)").fill("New Person");
    await page.getByLabel("Password", { exact: true }).fill("new person password");
    await page.getByRole("button", { name: "Create user" }).click();
    await page.getByText("new.person@example.com was created.").waitFor();
    const person = row(page, "new.person@example.com");
    await person.getByText("active").waitFor();

    // Creating the same email again: the 409 is shown next to the email field.
    await page.getByLabel("Email", { exact: true }).fill("new.person@example.com");
    await page.getByLabel("Password", { exact: true }).fill("new person password");
    await page.getByRole("button", { name: "Create user" }).click();
    await page.locator('.field-error[data-for="email"]').filter({ hasText: "already exists" }).waitFor();

    await person.getByRole("button", { name: "Make admin" }).click();
    await person.getByRole("cell", { name: "admin", exact: true }).waitFor();
    await person.getByRole("button", { name: "Make user" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Make user" }).click();
    await person.getByRole("cell", { name: "user", exact: true }).waitFor();

    await person.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
    await person.getByText("disabled").waitFor();
    await screenshot(page, "admin-disabled-desktop");
    await person.getByRole("button", { name: "Enable" }).click();
    await person.getByText("active").waitFor();

    await person.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await person.count()).toBe(1);
    await person.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete user" }).click();
    await page.getByText("new.person@example.com was deleted.").waitFor();
    expect(await person.count()).toBe(0);
    await page.getByLabel("Search by email or name").fill("new.person");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("0 users shown.").waitFor();
  }, 60_000);

  test("the last admin cannot demote themselves: the 409 is shown; phone layout", async () => {
    const { page } = await adminPage(PHONE);
    await page.getByLabel("Search by email or name").fill("root@");
    await page.getByRole("button", { name: "Search" }).click();
    const me = row(page, ADMIN.email);
    await page.getByText("1 user shown.").waitFor();
    await me.getByRole("button", { name: "Make user" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Make user" }).click();
    await page.locator(".form-error").filter({ hasText: "last active admin" }).waitFor();
    // (On a phone each cell is labelled by CSS, so the text is checked, not the cell's name.)
    expect(await me.locator('td[data-label="Role"]').textContent()).toBe("admin");
    await page.getByLabel("Search by email or name").fill("pager");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("20 users shown").waitFor();
    await screenshot(page, "admin-users-phone");
  }, 60_000);
});
