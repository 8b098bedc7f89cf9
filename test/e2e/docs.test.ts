// /docs offline: the API reference renders in Chromium with every request outside the server
// blocked (its script comes from this origin, at the lockfile's version), under its CSP, and the
// browser finds the site icon on every page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { available, requires } from "../support/requirements";
import { launchChromium, screenshot } from "./browser";
import { startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");

describe.skipIf(!hasChromium)("pages offline (real server, real browser)", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_AUTH_PER_MINUTE: "0" });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A page whose every request to another origin is refused, with what it tried, what failed and what it logged. */
  async function offlinePage(): Promise<{ page: Page; outside: string[]; failed: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const outside: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === server.url) return route.continue();
      outside.push(url);
      return route.abort("internetdisconnected");
    });
    const page = await context.newPage();
    const failed: string[] = [];
    const errors: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on("requestfailed", (r) => failed.push(`failed ${r.url()}`));
    // CSP violations and script errors both land here.
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    return { page, outside, failed, errors };
  }

  test("/docs lists the operations with nothing from outside, under a CSP without inline scripts", async () => {
    const res = await fetch(`${server.url}/docs`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp.match(/script-src[^;]*/)![0]).not.toContain("unsafe");
    expect(csp).not.toContain("unsafe-eval");
    expect(await res.text()).not.toMatch(/cdn\.|jsdelivr|unpkg|https?:\/\/(?!127\.0\.0\.1)/);

    const { page, outside, failed, errors } = await offlinePage();
    await page.goto(`${server.url}/docs`);
    // The document's operations, rendered by the reference UI: the first tag's open, the others on a click.
    await page.getByText("Process liveness (touches nothing)").first().waitFor();
    for (const [tag, summary] of [["Auth", "Sign in with email and password"], ["User management (admin)", "List users (keyset pagination)"]] as const) {
      await page.getByText(tag, { exact: true }).first().click();
      await page.getByText(summary).first().waitFor();
    }
    // The Authorize dialog of the OAuth2 password flow, against POST /auth/token.
    await page.getByText("/auth/token").first().waitFor();
    await screenshot(page, "docs-offline");
    expect(outside).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  test("the browser finds the site icon: linked from both pages, and at /favicon.ico", async () => {
    for (const path of ["/", "/docs"]) {
      const { page, failed } = await offlinePage();
      const icon = page.waitForResponse((r) => new URL(r.url()).pathname === "/favicon.ico");
      await page.goto(`${server.url}${path}`);
      const answer = await icon;
      expect(answer.status()).toBe(200);
      expect(answer.headers()["content-type"]).toBe("image/x-icon");
      expect(await page.locator('link[rel="icon"]').getAttribute("href")).toStartWith("/favicon.ico");
      // This server has passkeys off: the page says so, and the UI asks no route that would 404.
      expect(failed).toEqual([]);
      await page.context().close();
    }
  }, 60_000);
});
