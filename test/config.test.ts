import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../src/config";

const SECRET = "s".repeat(32);
const KEY = "k".repeat(32);
const parseError = (record: Record<string, unknown>): string => {
  try {
    parseConfig(record);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted a bad configuration");
};

describe("parseConfig", () => {
  test("defaults follow API.md's configuration table", () => {
    const c = parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET });
    expect(c).toMatchObject({
      env: "production",
      databaseDriver: "pglite",
      accessTokenTtl: 900,
      refreshTokenTtl: 2_592_000,
      bcryptCost: 10,
      refreshReuseGrace: 10,
      requireEmailVerification: true,
      corsOrigins: [],
      limits: { loginFailures: 5, authPerMinute: 60 },
      maxBodyBytes: 16_384,
      port: 8787,
      host: "127.0.0.1",
      mail: { transport: "console" },
    });
    expect(c.admin).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.upstash).toBeUndefined();
  });

  test("reads values as strings, as env and bindings give them", () => {
    const c = parseConfig({
      JWT_SECRET: SECRET,
      DATA_ENCRYPTION_KEY: KEY,
      BCRYPT_COST: "12",
      REFRESH_REUSE_GRACE: "0",
      REQUIRE_EMAIL_VERIFICATION: "false",
      CORS_ORIGINS: " https://a.example , https://b.example ,",
      CLIENT_IP_HEADER: "CF-Connecting-IP",
      ADMIN_EMAIL: " Root@Example.com ",
      ADMIN_PASSWORD: "admin password",
      RATE_LIMIT_AUTH_PER_MINUTE: "0",
    });
    expect(c).toMatchObject({ bcryptCost: 12, refreshReuseGrace: 0, requireEmailVerification: false, clientIpHeader: "cf-connecting-ip" });
    expect(c.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(c.admin).toEqual({ email: "root@example.com", password: "admin password" });
    expect(c.limits.authPerMinute).toBe(0);
  });

  test("an empty string counts as unset", () => {
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, BCRYPT_COST: "", DATABASE_URL: "" }).bcryptCost).toBe(10);
  });

  test("picks the database driver from the URL unless DATABASE_DRIVER says otherwise", () => {
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, DATABASE_URL: "postgres://u:p@localhost:5432/db" }).databaseDriver).toBe("postgres");
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, DATABASE_URL: "postgresql://u:p@ep-x-123.eu-central-1.aws.neon.tech/db" }).databaseDriver).toBe("neon-http");
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, DATABASE_URL: "postgres://u:p@localhost/db", DATABASE_DRIVER: "neon-http" }).databaseDriver).toBe("neon-http");
  });

  test("lists every bad key in one error", () => {
    const message = parseError({
      JWT_SECRET: "short",
      BCRYPT_COST: "3",
      ACCESS_TOKEN_TTL: "ten",
      REFRESH_REUSE_GRACE: "-1",
      REQUIRE_EMAIL_VERIFICATION: "maybe",
      MAIL_TRANSPORT: "pigeon",
      PORT: "70000",
    });
    for (const key of ["JWT_SECRET", "BCRYPT_COST", "ACCESS_TOKEN_TTL", "REFRESH_REUSE_GRACE", "REQUIRE_EMAIL_VERIFICATION", "MAIL_TRANSPORT", "PORT"]) {
      expect(message).toContain(key);
    }
    // The error names keys, never echoes the secret's value.
    expect(message).not.toContain("short");
  });

  test("BCRYPT_COST is 4..15", () => {
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, BCRYPT_COST: "4" }).bcryptCost).toBe(4);
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, BCRYPT_COST: "15" }).bcryptCost).toBe(15);
    expect(parseError({ JWT_SECRET: SECRET, BCRYPT_COST: "16" })).toContain("BCRYPT_COST");
  });

  test("settings that go together are checked together", () => {
    expect(parseError({ JWT_SECRET: SECRET, MAIL_TRANSPORT: "webhook" })).toContain("MAIL_WEBHOOK_URL");
    const resend = parseError({ JWT_SECRET: SECRET, MAIL_TRANSPORT: "resend" });
    expect(resend).toContain("RESEND_API_KEY");
    expect(resend).toContain("MAIL_FROM");
    expect(parseError({ JWT_SECRET: SECRET, UPSTASH_REDIS_REST_URL: "https://x.upstash.io" })).toContain("UPSTASH_REDIS_REST_TOKEN");
    expect(parseError({ JWT_SECRET: SECRET, ADMIN_EMAIL: "a@example.com" })).toContain("ADMIN_PASSWORD");
    expect(parseError({ JWT_SECRET: SECRET, ADMIN_EMAIL: "not-an-email", ADMIN_PASSWORD: "admin password" })).toContain("ADMIN_EMAIL");
  });

  test("ADMIN_PASSWORD follows the password rule (8..72 bytes), so the admin can log in with it", () => {
    expect(parseError({ JWT_SECRET: SECRET, ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "short" })).toContain("ADMIN_PASSWORD");
    expect(parseError({ JWT_SECRET: SECRET, ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "é".repeat(37) })).toContain("ADMIN_PASSWORD");
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET, ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "é".repeat(36) }).admin?.password).toBe("é".repeat(36));
  });
});

describe("JWT_SECRET", () => {
  test("is required outside development", () => {
    expect(parseError({})).toContain("JWT_SECRET");
    expect(parseError({ NODE_ENV: "test" })).toContain("JWT_SECRET");
  });

  test("must be at least 32 bytes (UTF-8 bytes, not characters)", () => {
    expect(parseError({ JWT_SECRET: "s".repeat(31) })).toContain("JWT_SECRET");
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: "s".repeat(32) }).jwt.secret).toBe("s".repeat(32));
    // 16 two-byte characters are 32 bytes.
    expect(parseConfig({ DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: "é".repeat(16) }).jwt.secret).toBe("é".repeat(16));
    expect(parseError({ JWT_SECRET: "é".repeat(15) })).toContain("JWT_SECRET");
  });

  test("may be absent in development (the Bun entry generates one)", () => {
    expect(parseConfig({ NODE_ENV: "development" }).env).toBe("development");
  });

  test("non-string values (bindings of other types) are ignored, not coerced", () => {
    expect(parseError({ JWT_SECRET: 12345678901234567890123456789012345 })).toContain("JWT_SECRET");
  });
});

describe("WebAuthn relying party", () => {
  const base = { DATA_ENCRYPTION_KEY: KEY, JWT_SECRET: SECRET };
  test("off outside development without origins; development defaults to http://localhost:<PORT>", () => {
    expect(parseConfig(base).webauthn).toBeNull();
    expect(parseConfig({ NODE_ENV: "development", PORT: "9000" }).webauthn).toEqual({ rpId: "localhost", rpName: "edge-auth", origins: ["http://localhost:9000"] });
  });

  test("the RP ID defaults to the first origin's host; several origins under one RP ID", () => {
    const c = parseConfig({ ...base, WEBAUTHN_ORIGINS: "https://auth.example.com, https://app.example.com", WEBAUTHN_RP_ID: "Example.com", WEBAUTHN_RP_NAME: "Example" });
    expect(c.webauthn).toEqual({ rpId: "example.com", rpName: "Example", origins: ["https://auth.example.com", "https://app.example.com"] });
    expect(parseConfig({ ...base, WEBAUTHN_ORIGINS: "https://auth.example.com" }).webauthn?.rpId).toBe("auth.example.com");
  });

  test("every origin must be an https origin (http only on localhost) on the RP ID, all listed at once", () => {
    const message = parseError({ ...base, WEBAUTHN_ORIGINS: "https://a.example.com/, http://b.example.com, nonsense, https://other.org", WEBAUTHN_RP_ID: "example.com", JWT_SECRET: "short" });
    expect(message).toContain('"https://a.example.com/" is not an origin');
    expect(message).toContain('"http://b.example.com" must be https');
    expect(message).toContain('"nonsense" is not a URL');
    expect(message).toContain('"https://other.org" is not on the RP ID example.com');
    expect(message).toContain("JWT_SECRET");
    expect(parseError({ ...base, WEBAUTHN_ORIGINS: "https://a.example.com", WEBAUTHN_RP_ID: "not a host" })).toContain("WEBAUTHN_RP_ID");
    expect(parseConfig({ ...base, WEBAUTHN_ORIGINS: "http://localhost:3000" }).webauthn?.rpId).toBe("localhost");
  });
});
