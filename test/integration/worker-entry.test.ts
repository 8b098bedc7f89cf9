// The Workers entry's own duties, run in Bun against the production drivers (Neon HTTP and
// Upstash REST over local endpoints): waitUntil for mail, cf-connecting-ip as the client,
// and a start that fails without leaking. The full flow inside workerd is test/worker.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import worker from "../../src/entry/worker";
import { startLocalBackends, type LocalBackends } from "../support/backends";
import { startMailCatcher, type MailCatcher } from "../support/mail-catcher";
import { available, requires } from "../support/requirements";
import { workerBackendBindings } from "../support/worker-bindings";

const SECRET = "worker-entry-test-secret-at-least-32-bytes";

/** An ExecutionContext that keeps what the Worker hands to waitUntil. */
function executionContext() {
  const waited: Promise<unknown>[] = [];
  return { waited, ctx: { waitUntil: (p: Promise<unknown>) => void waited.push(p), passThroughOnException() {}, props: {} } };
}

async function call(env: Record<string, unknown>, method: string, path: string, json?: unknown, headers: Record<string, string> = {}) {
  const { ctx, waited } = executionContext();
  const init: RequestInit = { method, headers: { ...headers, ...(json === undefined ? {} : { "content-type": "application/json" }) } };
  if (json !== undefined) init.body = JSON.stringify(json);
  const res = (await worker.fetch(new Request(`http://edge-auth.test${path}`, init) as never, env, ctx as never)) as unknown as Response;
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null, waited };
}

describe("the Workers entry without a usable configuration", () => {
  test("answers 500 problem+json naming nothing of the bindings", async () => {
    for (const env of [{ JWT_SECRET: "too-short-secret" }, { JWT_SECRET: SECRET, DATA_ENCRYPTION_KEY: SECRET }]) {
      const r = await call(env, "GET", "/health");
      expect(r.status).toBe(500);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body).toMatchObject({ status: 500, code: "internal" });
      expect(r.text).not.toContain("too-short-secret");
      expect(r.text).not.toMatch(/JWT_SECRET|DATABASE_URL/);
    }
  });
});

if (requires("postgres", available.postgres(), "apt-get install postgresql") && requires("redis", available.redis(), "apt-get install redis-server")) {
  describe("the Workers entry on Neon HTTP and Upstash REST", () => {
    let backends: LocalBackends;
    let mail: MailCatcher;
    let base: Record<string, string>;
    beforeAll(async () => {
      [backends, mail] = await Promise.all([startLocalBackends(), startMailCatcher()]);
      base = { ...workerBackendBindings(backends.env), NODE_ENV: "test", JWT_SECRET: SECRET, DATA_ENCRYPTION_KEY: SECRET, BCRYPT_COST: "4", MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: `${mail.url}/mail` };
    }, 60_000);
    afterAll(async () => {
      await Promise.all([backends?.stop(), mail?.stop()]);
    });

    test("sends the code after the response, kept alive with ctx.waitUntil", async () => {
      const email = `wait-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const r = await call(base, "POST", "/auth/register", { email, password: "correct horse battery" });
      expect(r.status).toBe(201);
      expect(r.waited.length).toBeGreaterThanOrEqual(1);
      await Promise.all(r.waited);
      const sent = mail.messages.filter((m) => m.to === email);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.code).toMatch(/^\d{6}$/);
    });

    test("limits per cf-connecting-ip when CLIENT_IP_HEADER is unset", async () => {
      const env = { ...base, RATE_LIMIT_AUTH_PER_MINUTE: "2" };
      const from = (ip: string) => call(env, "POST", "/auth/verify/resend", { email: "nobody@example.com" }, { "cf-connecting-ip": ip });
      const a = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      expect((await from(a)).status).toBe(202);
      expect((await from(a)).status).toBe(202);
      const limited = await from(a);
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe("rate_limited");
      // Another address has its own budget: the header, not one shared "unknown" client, names it.
      expect((await from("203.0.113.9")).status).toBe(202);
    });

    test("answers 503 problem+json while the database is down at start, then starts once it is back", async () => {
      const env = { ...base, ADMIN_EMAIL: "root@example.com", ADMIN_PASSWORD: "worker entry admin" };
      await backends.postgres.pause();
      try {
        const down = await call(env, "GET", "/health");
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: 503, code: "unavailable" });
        expect(down.headers.get("retry-after")).toBe("5");
      } finally {
        await backends.postgres.restart();
      }
      // The failed start was not cached: the same bindings now seed the admin and serve.
      expect((await call(env, "GET", "/health")).status).toBe(200);
      const login = await call(env, "POST", "/auth/login", { email: "root@example.com", password: "worker entry admin" });
      expect(login.status).toBe(200);
    }, 60_000);
  });
}
