import { afterAll, describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { bcryptCost } from "../src/auth/hasher";
import { parseConfig } from "../src/config";
import { createWebhookMailer } from "../src/mail/webhook";
import { seedAdmin } from "../src/seed";
import { buildTestApp, TEST_SECRET } from "./support/app";
import { call } from "./support/http";
import { createCapturingLogger } from "./support/logger";

/** A local webhook receiver on 127.0.0.1 that answers with the next status of `plan` (then 200). */
function receiver(plan: number[]) {
  const received: Record<string, unknown>[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      received.push((await req.json()) as Record<string, unknown>);
      return new Response(null, { status: plan.shift() ?? 200 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/mail`, received, server };
}

const servers: { stop(force?: boolean): unknown }[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

describe("webhook mail transport", () => {
  test("posts API.md's JSON and retries a non-2xx answer", async () => {
    const r = receiver([500, 502]);
    servers.push(r.server);
    const logger = createCapturingLogger();
    const mailer = createWebhookMailer(r.url, logger, { attempts: 3, backoffMs: 1 });
    await mailer.send({ to: "a@example.com", subject: "Code", text: "Your code is 123456", purpose: "verify-email", code: "123456" });
    expect(r.received).toHaveLength(3);
    expect(r.received[2]).toEqual({ to: "a@example.com", subject: "Code", text: "Your code is 123456", purpose: "verify-email", code: "123456" });
    expect(logger.events("mail.undelivered")).toHaveLength(0);
  });

  test("gives up after the last attempt and logs it without the code", async () => {
    const r = receiver([500, 500, 500]);
    servers.push(r.server);
    const logger = createCapturingLogger();
    await createWebhookMailer(r.url, logger, { attempts: 3, backoffMs: 1 }).send({
      to: "a@example.com", subject: "Code 654321", text: "654321", purpose: "reset-password", code: "654321",
    });
    expect(logger.events("mail.undelivered")).toHaveLength(1);
    expect(logger.lines.join("\n")).not.toContain("654321");
  });

  test("a failing transport never fails the user's request", async () => {
    const r = receiver([500, 500, 500]);
    servers.push(r.server);
    const t = await buildTestApp();
    const mailer = createWebhookMailer(r.url, t.logger, { attempts: 3, backoffMs: 1 });
    const app = createApp({ ...t.services, mailer });
    const res = await call({ app }, "POST", "/auth/register", { json: { email: "hook@example.com", password: "correct horse battery" } });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain("500");
  });
});

describe("ADMIN_EMAIL / ADMIN_PASSWORD seeding", () => {
  test("creates a verified admin once, who can log in; a second run changes nothing", async () => {
    const t = await buildTestApp();
    const config = parseConfig({ NODE_ENV: "test", JWT_SECRET: TEST_SECRET, DATA_ENCRYPTION_KEY: TEST_SECRET, BCRYPT_COST: "4", ADMIN_EMAIL: " Root@Example.com ", ADMIN_PASSWORD: "root password 1" });
    const services = { ...t.services, config };
    await seedAdmin(services);
    const row = await t.services.users.findByEmail("root@example.com");
    expect(row).toMatchObject({ role: "admin", emailVerified: true, disabled: false });
    expect(bcryptCost(row!.passwordHash!)).toBe(4);
    await seedAdmin({ ...services, config: { ...config, admin: { email: "root@example.com", password: "another password" } } });
    expect((await t.services.users.findByEmail("root@example.com"))!.passwordHash).toBe(row!.passwordHash);
    const login = await call(t, "POST", "/auth/login", { json: { email: "root@example.com", password: "root password 1" } });
    expect(login.status).toBe(200);
    expect((await call(t, "GET", "/users", { token: login.body.access_token })).status).toBe(200);
  });

  test("does nothing without ADMIN_EMAIL", async () => {
    const t = await buildTestApp();
    await seedAdmin(t.services);
    expect((await t.services.users.list({ limit: 10 })).length).toBe(0);
  });
});
