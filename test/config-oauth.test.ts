// OAUTH_PROVIDERS and the dynamic OAUTH_<ID>_* keys: parsed once, every bad key in one error.
import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../src/config";

const BASE = { JWT_SECRET: "s".repeat(32), DATA_ENCRYPTION_KEY: "k".repeat(32) };
const parseError = (record: Record<string, unknown>): string => {
  try {
    parseConfig({ ...BASE, ...record });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted a bad configuration");
};

describe("provider configuration", () => {
  test("none by default", () => {
    expect(parseConfig(BASE).oauth).toEqual({ providers: [], providerIds: [], redirectUrls: [] });
  });

  test("github and google are built in; any other id is OpenID Connect with its issuer", () => {
    const c = parseConfig({
      ...BASE,
      OAUTH_PROVIDERS: "github, google,my-idp",
      OAUTH_GITHUB_CLIENT_ID: "gh", OAUTH_GITHUB_CLIENT_SECRET: "ghs",
      OAUTH_GOOGLE_CLIENT_ID: "go", OAUTH_GOOGLE_CLIENT_SECRET: "gos",
      OAUTH_MY_IDP_CLIENT_ID: "mi", OAUTH_MY_IDP_CLIENT_SECRET: "mis", OAUTH_MY_IDP_ISSUER: "https://id.example.com/realms/x/", OAUTH_MY_IDP_NAME: "Example ID",
      OAUTH_REDIRECT_URLS: "https://app.example.com/cb, com.example.app:/oauth2redirect,http://127.0.0.1:5173/cb",
    });
    expect(c.oauth.providers).toEqual([
      { kind: "github", id: "github", name: "GitHub", clientId: "gh", clientSecret: "ghs", authUrl: "https://github.com", apiUrl: "https://api.github.com" },
      { kind: "oidc", id: "google", name: "Google", clientId: "go", clientSecret: "gos", issuer: "https://accounts.google.com" },
      { kind: "oidc", id: "my-idp", name: "Example ID", clientId: "mi", clientSecret: "mis", issuer: "https://id.example.com/realms/x/" },
    ]);
    expect(c.oauth.redirectUrls).toEqual(["https://app.example.com/cb", "com.example.app:/oauth2redirect", "http://127.0.0.1:5173/cb"]);
  });

  test("an issuer is kept exactly as given (it must equal the discovery document's; Auth0's ends in /)", () => {
    const c = parseConfig({ ...BASE, OAUTH_PROVIDERS: "auth0", OAUTH_AUTH0_CLIENT_ID: "a", OAUTH_AUTH0_CLIENT_SECRET: "b", OAUTH_AUTH0_ISSUER: "https://tenant.eu.auth0.com/" });
    expect(c.oauth.providers[0]).toMatchObject({ kind: "oidc", issuer: "https://tenant.eu.auth0.com/" });
  });

  test("one error lists every bad key, with the rest of the configuration's", () => {
    const message = parseError({
      BCRYPT_COST: "99",
      OAUTH_PROVIDERS: "github,okta,Bad Id,okta",
      OAUTH_GITHUB_CLIENT_ID: "gh",
      OAUTH_GITHUB_API_URL: "http://api.example.com",
      OAUTH_OKTA_CLIENT_SECRET: "s",
      OAUTH_REDIRECT_URLS: "javascript:alert(1),https://a.example.com/cb#frag,not a url,http://app.example.com/cb",
    });
    for (const key of [
      "BCRYPT_COST", "OAUTH_GITHUB_CLIENT_SECRET", "OAUTH_GITHUB_API_URL", "OAUTH_OKTA_CLIENT_ID", "OAUTH_OKTA_ISSUER",
    ]) expect(message).toContain(`  ${key}: `);
    expect(message).toContain('"Bad Id" is not a provider id');
    expect(message).toContain('"okta" is listed twice');
    expect(message).toContain("javascript: scheme is not allowed");
    expect(message).toContain("must not have a fragment");
    expect(message).toContain("not a url is not an absolute URL");
    expect(message).toContain("http://app.example.com/cb: http:// only on a loopback host");
    // Names keys, never values: no secret ends up in a log.
    expect(message).not.toContain("OAUTH_OKTA_CLIENT_SECRET");
  });

  test("http:// issuers only on loopback hosts", () => {
    const oidc = (issuer: string) => ({ OAUTH_PROVIDERS: "corp", OAUTH_CORP_CLIENT_ID: "a", OAUTH_CORP_CLIENT_SECRET: "b", OAUTH_CORP_ISSUER: issuer });
    for (const ok of ["http://127.0.0.1:9000", "http://localhost:9000/realm", "http://[::1]:9000", "https://id.example.com"]) {
      expect(parseConfig({ ...BASE, ...oidc(ok) }).oauth.providers).toHaveLength(1);
    }
    for (const bad of ["http://id.example.com", "http://10.0.0.1", "ftp://id.example.com", "id.example.com"]) {
      expect(parseError(oidc(bad))).toContain("OAUTH_CORP_ISSUER");
    }
  });
});
