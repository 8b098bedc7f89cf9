/**
 * The external providers' configuration: `OAUTH_PROVIDERS` names ids, and each id brings its own
 * `OAUTH_<ID>_*` keys. Those keys are dynamic (not in ConfigSchema's shape), so parseConfig hands
 * the whole record here and merges the problems into its one error. Pure: reads only `record`.
 */

/** One configured provider. `github` is plain OAuth2; every other id is OpenID Connect by discovery. */
export type ProviderConfig =
  | { kind: "github"; id: string; name: string; clientId: string; clientSecret: string; authUrl: string; apiUrl: string }
  | { kind: "oidc"; id: string; name: string; clientId: string; clientSecret: string; issuer: string };

export type OAuthConfig = { providers: ProviderConfig[]; providerIds: string[]; redirectUrls: string[] };

export type ConfigIssue = { key: string; message: string };

const ID = /^[a-z][a-z0-9_-]{0,31}$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
// Schemes a browser would run or read locally: never a place to send a sign-in code.
const REFUSED_SCHEMES = new Set(["javascript:", "data:", "file:", "blob:", "vbscript:", "about:"]);
const BUILT_IN: Record<string, { name: string; issuer?: string }> = {
  github: { name: "GitHub" },
  google: { name: "Google", issuer: "https://accounts.google.com" },
};

/** The env key prefix of an id: `my-idp` → `OAUTH_MY_IDP_`. */
export const providerKeyPrefix = (id: string) => `OAUTH_${id.toUpperCase().replace(/-/g, "_")}_`;

/** True for a loopback host (where plain http is acceptable: nothing leaves the machine). */
export const isLoopbackHost = (hostname: string) => LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const text = (record: Record<string, unknown>, key: string) => {
  const value = record[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
};
const list = (value: string | undefined) => (value ?? "").split(",").map((v) => v.trim()).filter(Boolean);

/** An https URL, or http on a loopback host; the message says what is wrong, or null. */
function serverUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return isLoopbackHost(url.hostname) ? null : "http:// only on a loopback host (127.0.0.1, ::1, localhost); use https://";
  return "must be an https:// URL";
}

function redirectUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value} is not an absolute URL`;
  }
  if (REFUSED_SCHEMES.has(url.protocol)) return `${value}: the ${url.protocol} scheme is not allowed`;
  // RFC 6749 §3.1.2: a redirection endpoint has no fragment.
  if (value.includes("#")) return `${value} must not have a fragment`;
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) return `${value}: http:// only on a loopback host; use https:// or an app scheme`;
  return null;
}

/** Parses the providers and the redirect allow-list, collecting every problem (none: `issues` is empty). */
export function parseOAuthConfig(record: Record<string, unknown>): { oauth: OAuthConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const providers: ProviderConfig[] = [];
  const ids = list(text(record, "OAUTH_PROVIDERS"));
  const seen = new Set<string>();
  for (const id of ids) {
    if (!ID.test(id)) {
      issues.push({ key: "OAUTH_PROVIDERS", message: `"${id}" is not a provider id (lower-case letters, digits, - and _, starting with a letter)` });
      continue;
    }
    if (seen.has(id)) {
      issues.push({ key: "OAUTH_PROVIDERS", message: `"${id}" is listed twice` });
      continue;
    }
    seen.add(id);
    const prefix = providerKeyPrefix(id);
    const get = (suffix: string) => text(record, prefix + suffix);
    const required = (suffix: string) => {
      const value = get(suffix);
      if (!value) issues.push({ key: prefix + suffix, message: `required for provider "${id}"` });
      return value ?? "";
    };
    // `keepAsGiven`: an issuer is an identifier compared exactly with the one its discovery
    // document names (Auth0's ends in "/"), so it is never normalized; GitHub's base URLs are.
    const url = (suffix: string, fallback: string | undefined, isRequired: boolean, keepAsGiven = false) => {
      const value = get(suffix) ?? fallback;
      if (!value) {
        if (isRequired) issues.push({ key: prefix + suffix, message: `required for the OpenID Connect provider "${id}"` });
        return "";
      }
      const problem = serverUrlProblem(value);
      if (problem) issues.push({ key: prefix + suffix, message: problem });
      return keepAsGiven ? value : value.replace(/\/+$/, "");
    };
    const clientId = required("CLIENT_ID");
    const clientSecret = required("CLIENT_SECRET");
    const name = get("NAME") ?? BUILT_IN[id]?.name ?? id;
    if (name.length > 50) issues.push({ key: `${prefix}NAME`, message: "at most 50 characters" });
    if (id === "github") {
      // Overridable for GitHub Enterprise Server and for tests (a local stand-in).
      const authUrl = url("AUTH_URL", "https://github.com", false);
      const apiUrl = url("API_URL", "https://api.github.com", false);
      providers.push({ kind: "github", id, name, clientId, clientSecret, authUrl, apiUrl });
    } else {
      const issuer = url("ISSUER", BUILT_IN[id]?.issuer, true, true);
      providers.push({ kind: "oidc", id, name, clientId, clientSecret, issuer });
    }
  }
  const redirectUrls = list(text(record, "OAUTH_REDIRECT_URLS"));
  for (const value of redirectUrls) {
    const problem = redirectUrlProblem(value);
    if (problem) issues.push({ key: "OAUTH_REDIRECT_URLS", message: problem });
  }
  return { oauth: { providers, providerIds: providers.map((p) => p.id), redirectUrls }, issues };
}
