import { z } from "zod";
import { parseOAuthConfig, type OAuthConfig } from "./oauth-config";
import { parseSigningKeySet, type SigningJwk } from "./auth/key-set";
import { list, parseIntrospectionClients, webauthnConfig, webauthnProblems, type IntrospectionClient } from "./config-settings";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalUrl = z.url().optional();
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** Every configuration variable of API.md; values are strings as they come from env or bindings. */
export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(["production", "development", "test"]).default("production"),
    DATABASE_URL: z.string().optional(),
    DATABASE_DRIVER: z.enum(["pglite", "postgres", "neon-http"]).optional(),
    // Where the neon-http driver sends queries instead of Neon (a local endpoint in development and tests).
    NEON_FETCH_ENDPOINT: optionalUrl,
    REDIS_URL: z.string().optional(),
    UPSTASH_REDIS_REST_URL: optionalUrl,
    UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
    JWT_SECRET: z.string().optional(),
    // Defaults to PUBLIC_URL when that is set (see toConfig): the discovery issuer must equal `iss`.
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().default("edge-auth"),
    ACCESS_TOKEN_TTL: int(30, 86_400).default(900),
    REFRESH_TOKEN_TTL: int(60, 31_536_000).default(2_592_000),
    BCRYPT_COST: int(4, 15).default(10),
    REFRESH_REUSE_GRACE: int(0, 300).default(10),
    REQUIRE_EMAIL_VERIFICATION: bool.default(true),
    // Trimmed and lower-cased before it is checked, like every email (a trailing newline from a secrets file is common).
    ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    // API.md's password rule (8..72 bytes): a longer one could never be typed into /auth/login.
    ADMIN_PASSWORD: z
      .string()
      .refine((s) => new TextEncoder().encode(s).length >= 8, "at least 8 bytes")
      .refine((s) => new TextEncoder().encode(s).length <= 72, "at most 72 bytes (bcrypt's limit)")
      .optional(),
    MAIL_TRANSPORT: z.enum(["console", "webhook", "resend"]).default("console"),
    MAIL_WEBHOOK_URL: optionalUrl,
    MAIL_FROM: z.string().optional(),
    RESEND_API_KEY: z.string().optional(),
    CORS_ORIGINS: z.string().default(""),
    CLIENT_IP_HEADER: z.string().optional(),
    RATE_LIMIT_LOGIN_FAILURES: int(0, 1_000_000).default(5),
    RATE_LIMIT_AUTH_PER_MINUTE: int(0, 1_000_000).default(60),
    MAX_BODY_BYTES: int(1024, 10_485_760).default(16_384),
    PORT: int(0, 65_535).default(8787),
    HOST: z.string().default("127.0.0.1"),
    // The server's external base URL (provider callbacks, discovery, the default issuer).
    PUBLIC_URL: optionalUrl,
    // Encrypts TOTP secrets at rest (auth/secret-box.ts).
    DATA_ENCRYPTION_KEY: z.string().optional(),
    // A JWK Set of private ES256/EdDSA keys (auth/keys.ts parses and checks it).
    JWT_SIGNING_KEYS: z.string().optional(),
    // Defaults to the host of the first origin. Never taken from request headers (a phishing page could send any).
    WEBAUTHN_RP_ID: z.string().trim().toLowerCase().regex(/^[a-z0-9.-]{1,253}$/, "must be a host name").optional(),
    WEBAUTHN_RP_NAME: z.string().trim().min(1).max(100).default("edge-auth"),
    // Empty outside development: passkeys are off (every passkey route is 404).
    WEBAUTHN_ORIGINS: z.string().default(""),
    OAUTH_PROVIDERS: z.string().default(""),
    OAUTH_REDIRECT_URLS: z.string().default(""),
    INTROSPECTION_CLIENTS: z.string().default(""),
    AUDIT_RETENTION_DAYS: int(1, 3650).default(90),
  })
  // `when`: run these checks even when another key already failed, so one error lists every bad key.
  // The fields read here are plain strings, so they are usable even when others did not parse.
  .superRefine((c, ctx) => {
    const bytes = c.JWT_SECRET ? new TextEncoder().encode(c.JWT_SECRET).length : 0;
    // With a key set access tokens are signed by the keys: the secret is not needed.
    if (c.NODE_ENV !== "development" && !c.JWT_SIGNING_KEYS && bytes < 32) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "required outside development unless JWT_SIGNING_KEYS is set, at least 32 bytes" });
    }
    if (c.JWT_SIGNING_KEYS) {
      const set = parseSigningKeySet(c.JWT_SIGNING_KEYS);
      if ("problems" in set) ctx.addIssue({ code: "custom", path: ["JWT_SIGNING_KEYS"], message: set.problems.join("; ") });
    }
    const clients = parseIntrospectionClients(c.INTROSPECTION_CLIENTS ?? "");
    if ("problems" in clients) ctx.addIssue({ code: "custom", path: ["INTROSPECTION_CLIENTS"], message: clients.problems.join("; ") });
    const keyBytes = c.DATA_ENCRYPTION_KEY ? new TextEncoder().encode(c.DATA_ENCRYPTION_KEY).length : 0;
    if (c.NODE_ENV !== "development" && keyBytes < 32) {
      ctx.addIssue({ code: "custom", path: ["DATA_ENCRYPTION_KEY"], message: "required outside development, at least 32 bytes" });
    }
    if (c.MAIL_TRANSPORT === "webhook" && !c.MAIL_WEBHOOK_URL) {
      ctx.addIssue({ code: "custom", path: ["MAIL_WEBHOOK_URL"], message: "required when MAIL_TRANSPORT=webhook" });
    }
    if (c.MAIL_TRANSPORT === "resend") {
      for (const key of ["RESEND_API_KEY", "MAIL_FROM"] as const) {
        if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when MAIL_TRANSPORT=resend" });
      }
    }
    if (c.UPSTASH_REDIS_REST_URL && !c.UPSTASH_REDIS_REST_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["UPSTASH_REDIS_REST_TOKEN"], message: "required with UPSTASH_REDIS_REST_URL" });
    }
    for (const message of webauthnProblems(c.WEBAUTHN_ORIGINS, c.WEBAUTHN_RP_ID)) {
      ctx.addIssue({ code: "custom", path: ["WEBAUTHN_ORIGINS"], message });
    }
    if (!!c.ADMIN_EMAIL !== !!c.ADMIN_PASSWORD) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_PASSWORD"], message: "ADMIN_EMAIL and ADMIN_PASSWORD go together" });
    }
  }, { when: () => true });

export type RawConfig = z.infer<typeof ConfigSchema>;

/** Parsed configuration, as the app uses it. */
export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function toConfig(c: RawConfig, oauth: OAuthConfig) {
  return {
    env: c.NODE_ENV,
    databaseUrl: c.DATABASE_URL,
    databaseDriver: c.DATABASE_DRIVER ?? pickDatabaseDriver(c.DATABASE_URL),
    neonFetchEndpoint: c.NEON_FETCH_ENDPOINT,
    redisUrl: c.REDIS_URL,
    upstash: c.UPSTASH_REDIS_REST_URL ? { url: c.UPSTASH_REDIS_REST_URL, token: c.UPSTASH_REDIS_REST_TOKEN! } : undefined,
    jwt: {
      secret: c.JWT_SECRET ?? "",
      issuer: c.JWT_ISSUER ?? c.PUBLIC_URL?.replace(/\/$/, "") ?? "edge-auth",
      audience: c.JWT_AUDIENCE,
      /** JWT_SIGNING_KEYS, checked (auth/key-set.ts): the first signs. Undefined: HS256 with the secret. */
      keys: c.JWT_SIGNING_KEYS ? (parseSigningKeySet(c.JWT_SIGNING_KEYS) as { keys: SigningJwk[] }).keys : undefined,
    },
    publicUrl: c.PUBLIC_URL?.replace(/\/$/, ""),
    dataEncryptionKey: c.DATA_ENCRYPTION_KEY ?? "",
    signingKeysJson: c.JWT_SIGNING_KEYS,
    webauthn: webauthnConfig(c),
    // The name people see: the passkey prompt and the authenticator app's issuer (WEBAUTHN_RP_NAME).
    serviceName: c.WEBAUTHN_RP_NAME,
    // Providers and their OAUTH_<ID>_* keys, parsed by oauth-config.ts.
    oauth,
    introspectionClients: (parseIntrospectionClients(c.INTROSPECTION_CLIENTS) as { clients: IntrospectionClient[] }).clients,
    auditRetentionDays: c.AUDIT_RETENTION_DAYS,
    accessTokenTtl: c.ACCESS_TOKEN_TTL,
    refreshTokenTtl: c.REFRESH_TOKEN_TTL,
    bcryptCost: c.BCRYPT_COST,
    refreshReuseGrace: c.REFRESH_REUSE_GRACE,
    requireEmailVerification: c.REQUIRE_EMAIL_VERIFICATION,
    admin: c.ADMIN_EMAIL && c.ADMIN_PASSWORD ? { email: c.ADMIN_EMAIL, password: c.ADMIN_PASSWORD } : undefined,
    mail: { transport: c.MAIL_TRANSPORT, webhookUrl: c.MAIL_WEBHOOK_URL, from: c.MAIL_FROM, resendApiKey: c.RESEND_API_KEY },
    corsOrigins: list(c.CORS_ORIGINS),
    clientIpHeader: c.CLIENT_IP_HEADER?.toLowerCase(),
    limits: { loginFailures: c.RATE_LIMIT_LOGIN_FAILURES, authPerMinute: c.RATE_LIMIT_AUTH_PER_MINUTE },
    maxBodyBytes: c.MAX_BODY_BYTES,
    port: c.PORT,
    host: c.HOST,
  };
}

function pickDatabaseDriver(url: string | undefined): "pglite" | "postgres" | "neon-http" {
  if (!url || url.startsWith("file:")) return "pglite";
  // Neon's hosts end in neon.tech; everything else speaking postgres:// goes over TCP.
  if (/^postgres(ql)?:\/\/[^/]*\.neon\.tech(:\d+)?\//.test(url)) return "neon-http";
  return "postgres";
}

/**
 * Parses configuration from a plain record (process.env, Bun.env or Workers bindings).
 * Pure: never reads the environment itself. Throws one ConfigError listing every bad key.
 */
export function parseConfig(record: Record<string, unknown>): Config {
  const cleaned = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((key) => [key, emptyToUndefined(typeof record[key] === "string" ? record[key] : undefined)]),
  );
  const result = ConfigSchema.safeParse(cleaned);
  // The OAUTH_<ID>_* keys are dynamic (one set per listed provider): parsed from the whole record.
  const { oauth, issues } = parseOAuthConfig(record);
  if (!result.success || issues.length > 0) {
    const lines = (result.error?.issues ?? []).map((i) => `  ${i.path.join(".") || "(config)"}: ${i.message}`);
    for (const issue of issues) lines.push(`  ${issue.key}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return toConfig(result.data, oauth);
}
