import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { buildBunServices } from "../../src/entry/bun-services";
import { startLocalBackends, type LocalBackends } from "../support/backends";
import { createCapturingLogger } from "../support/logger";
import { available, requires } from "../support/requirements";

// The one place that picks implementations, driven by the same variables an operator sets.
if (
  requires("postgresql 15", available.postgres(), "apt-get install postgresql-15") &&
  requires("redis-server", available.redis(), "apt-get install redis-server")
) {
  describe("buildBunServices on local servers", () => {
    let backends: LocalBackends;
    beforeAll(async () => {
      backends = await startLocalBackends();
    }, 60_000);
    afterAll(() => backends.stop());

    const variants = () => ({
      "postgres + redis": { DATABASE_URL: backends.env.DATABASE_URL, REDIS_URL: backends.env.REDIS_URL },
      "neon-http + upstash": {
        DATABASE_DRIVER: "neon-http",
        DATABASE_URL: backends.env.NEON_DATABASE_URL,
        NEON_FETCH_ENDPOINT: backends.env.NEON_FETCH_ENDPOINT,
        UPSTASH_REDIS_REST_URL: backends.env.UPSTASH_REDIS_REST_URL,
        UPSTASH_REDIS_REST_TOKEN: backends.env.UPSTASH_REDIS_REST_TOKEN,
      },
    });

    for (const name of ["postgres + redis", "neon-http + upstash"] as const) {
      test(`${name}: ready, and a registration lands in the shared database`, async () => {
        const env = variants()[name];
        const config = parseConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(40), DATA_ENCRYPTION_KEY: "d".repeat(40), BCRYPT_COST: "4", MAIL_TRANSPORT: "console", ...env });
        const services = await buildBunServices(config, createCapturingLogger());
        try {
          const app = createApp(services);
          const ready = await app.request("/ready");
          expect(await ready.json()).toEqual({ status: "ok", database: "ok", store: "ok" });
          const email = `svc-${crypto.randomUUID().slice(0, 8)}@example.com`;
          const register = () =>
            app.request("/auth/register", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ email, password: "correct horse battery" }),
            });
          expect((await register()).status).toBe(201);
          expect((await register()).status).toBe(409);
          // Both variants sit on the same Postgres: the row is really there.
          expect((await services.users.findByEmail(email))?.email).toBe(email);
        } finally {
          await services.close();
        }
      }, 30_000);
    }
  });
}
