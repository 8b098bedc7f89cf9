/**
 * The settings that need more than a zod type: the passkeys' relying party, the introspection
 * clients, and comma-separated lists. Pure helpers of parseConfig (config.ts).
 */
import type { RawConfig } from "./config";

/** The relying party of passkeys, or null when passkeys are off (no origins outside development). */
export type WebAuthnConfig = { rpId: string; rpName: string; origins: string[] } | null;

export function webauthnConfig(c: RawConfig): WebAuthnConfig {
  const configured = list(c.WEBAUTHN_ORIGINS);
  // `bun run dev` works out of the box: the browser must open localhost (not 127.0.0.1) for RP ID localhost.
  const origins = configured.length > 0 ? configured : c.NODE_ENV === "development" ? [`http://localhost:${c.PORT}`] : [];
  if (origins.length === 0) return null;
  return { rpId: c.WEBAUTHN_RP_ID ?? new URL(origins[0]!).hostname, rpName: c.WEBAUTHN_RP_NAME, origins };
}

/**
 * What is wrong with WEBAUTHN_ORIGINS: each must be an origin a browser allows WebAuthn on
 * (https, or http on localhost), and each host must be the RP ID or below it, else no browser
 * would ever produce a credential that verifies.
 */
export function webauthnProblems(raw: unknown, rpIdRaw: unknown): string[] {
  if (typeof raw !== "string") return [];
  const origins = list(raw);
  const problems: string[] = [];
  let rpId = typeof rpIdRaw === "string" ? rpIdRaw : undefined;
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      problems.push(`"${origin}" is not a URL`);
      continue;
    }
    const local = url.hostname === "localhost" || url.hostname.endsWith(".localhost");
    if (url.origin !== origin) problems.push(`"${origin}" is not an origin (scheme://host[:port], no path or trailing slash)`);
    else if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) problems.push(`"${origin}" must be https (http only on localhost)`);
    rpId ??= url.hostname;
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) problems.push(`"${origin}" is not on the RP ID ${rpId}`);
  }
  return problems;
}

/** A client allowed to call POST /auth/introspect (HTTP Basic). */
export type IntrospectionClient = { id: string; secret: string };

/** INTROSPECTION_CLIENTS: comma-separated `id:secret` pairs, distinct ids, secrets of at least 32 characters. */
export function parseIntrospectionClients(value: string): { clients: IntrospectionClient[] } | { problems: string[] } {
  const problems: string[] = [];
  const clients: IntrospectionClient[] = [];
  for (const [i, entry] of list(value).entries()) {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    const secret = colon > 0 ? entry.slice(colon + 1) : "";
    // Never the secret itself in the message: it goes to logs.
    if (!id) problems.push(`entry ${i + 1} is not id:secret`);
    else if (secret.length < 32) problems.push(`client ${JSON.stringify(id)}: the secret needs at least 32 characters`);
    else if (clients.some((c) => c.id === id)) problems.push(`client ${JSON.stringify(id)} is listed twice`);
    else clients.push({ id, secret });
  }
  return problems.length > 0 ? { problems } : { clients };
}

/** A comma-separated setting as a list, blanks dropped. */
export const list = (value: string) => value.split(",").map((v) => v.trim()).filter(Boolean);

