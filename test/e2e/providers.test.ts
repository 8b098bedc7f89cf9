// "Continue with …" in Chromium through the UI, against a real OpenID Connect provider run locally
// (oauth2-mock-server): the UI makes its own PKCE pair, leaves for the provider, comes back to its
// own page with a one-time code and exchanges it at /auth/token. Then the profile lists and unlinks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Secret, TOTP } from "otpauth";
import type { Browser, Page } from "playwright-core";
import { startOidcProvider, type OidcProvider } from "../support/oidc-provider";
import { available, requires } from "../support/requirements";
import { launchChromium, openPage, screenshot } from "./browser";
import { startMailCatcher, startServer, type RunningServer } from "./server";

const hasChromium = requires("chromium", available.chromium(), "apt-get install chromium");

describe.skipIf(!hasChromium)("web UI: sign in with a provider (real server, real provider, real browser)", () => {
  let server: RunningServer;
  let oidc: OidcProvider;
  let browser: Browser;
  let mail: ReturnType<typeof startMailCatcher>;

  beforeAll(async () => {
    oidc = await startOidcProvider();
    mail = startMailCatcher();
    server = await startServer({
      RATE_LIMIT_AUTH_PER_MINUTE: "0",
      MAIL_TRANSPORT: "webhook",
      MAIL_WEBHOOK_URL: mail.url,
      OAUTH_PROVIDERS: "mock",
      OAUTH_MOCK_NAME: "Mock ID",
      OAUTH_MOCK_CLIENT_ID: "e2e-client",
      OAUTH_MOCK_CLIENT_SECRET: "e2e-client-secret",
      OAUTH_MOCK_ISSUER: oidc.issuer,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await oidc?.stop();
    mail?.stop();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const { page, errors } = await openPage(browser, server.url, { viewport: { width: 1200, height: 900 } });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    return { page, errors };
  }

  test("a button per provider on sign-in and sign-up; a new account signs in, the code never stays in the URL", async () => {
    const { page, errors } = await open();
    await page.getByRole("button", { name: "Continue with Mock ID" }).waitFor();
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    const button = page.getByRole("button", { name: "Continue with Mock ID" });
    await button.waitFor();

    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    oidc.signInAs({ sub: `e2e-${crypto.randomUUID()}`, email, email_verified: true, name: "Grace" });
    await button.click();
    await page.getByRole("heading", { name: "Hello, Grace" }).waitFor();
    expect(new URL(page.url()).search).toBe("");
    await expect(page.getByTestId("email").textContent()).resolves.toBe(email);
    const linked = page.getByTestId("identities");
    await linked.getByText(`Mock ID (${email})`).waitFor();
    await screenshot(page, "provider-profile");

    // The only way in: unlinking is refused, and the UI says why.
    await linked.getByRole("button", { name: "Unlink" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Unlink" }).click();
    await page.getByText("This is the account's only way to sign in").waitFor();
    await linked.getByText(`Mock ID (${email})`).waitFor();

    // A reload resumes the session (the refresh token was stored like any other sign-in's).
    await page.reload();
    await page.getByRole("heading", { name: "Hello, Grace" }).waitFor();
    expect(errors).toEqual([]);
  });

  test("an email the provider does not vouch for, of an existing account: the sign-in page says so", async () => {
    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await fetch(`${server.url}/auth/register`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "correct horse battery" }),
    });
    expect(res.status).toBe(201);
    const { page, errors } = await open();
    oidc.signInAs({ sub: `e2e-${crypto.randomUUID()}`, email, email_verified: false });
    await page.getByRole("button", { name: "Continue with Mock ID" }).click();
    await page.getByText("An account with this email already exists").waitFor();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(page.url()).search).toBe("");
    expect(errors).toEqual([]);
  });

  test("an account with an authenticator app: back from the provider, the two-step view asks for the code", async () => {
    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = "correct horse battery";
    const api = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST", headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
      return res.json() as Promise<Record<string, any>>;
    };
    // A verified password account with TOTP on, set up through the API.
    await api("/auth/register", { email, password });
    const { access_token } = await api("/auth/verify", { email, code: await mail.code(email, "verify-email") });
    const { secret } = await api("/users/me/mfa/totp", { password }, access_token);
    const codeAt = (ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: ms });
    await api("/users/me/mfa/totp/confirm", { code: codeAt(Date.now()) }, access_token);

    // The provider vouches for the email: the identity is linked, and the sign-in is one factor of two.
    const { page, errors } = await open();
    oidc.signInAs({ sub: `e2e-${crypto.randomUUID()}`, email, email_verified: true, name: "Grace" });
    await page.getByRole("button", { name: "Continue with Mock ID" }).click();
    await page.getByRole("heading", { name: "Two-step sign-in" }).waitFor();
    expect(new URL(page.url()).search).toBe("");
    // The next step's code: the confirming one was used up.
    await page.getByLabel("6-digit code from your authenticator app").fill(codeAt(Date.now() + 30_000));
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByTestId("email").textContent()).resolves.toBe(email);
    await page.getByTestId("identities").getByText(`Mock ID (${email})`).waitFor();
    expect(errors).toEqual([]);
  });

  test("a forged return link (a code and state this tab never asked for) is refused without a request", async () => {
    const { page } = await open();
    const tokenCalls: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/auth/token")) tokenCalls.push(r.url());
    });
    await page.goto(`${server.url}/?code=stolen&state=whatever`);
    await page.getByText("That sign-in link was not started here").waitFor();
    expect(tokenCalls).toEqual([]);
  });
});
