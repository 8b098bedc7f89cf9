import { expect, test } from "bun:test";
import { users } from "../../src/db/schema";
import { buildTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { call, signUp, type Reply } from "../support/http";
import { alignToStep, codeAt } from "../support/mfa";

/**
 * One full flow through the API with the capturing logger: every security event has a line with a
 * stable name and the request id of the request that caused it, and no password, code, token or
 * hash is ever written.
 */
test("a full flow logs every request and security event, and no secret", async () => {
  const t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "30", REFRESH_REUSE_GRACE: "10" } });
  const secrets = new Set<string>([TEST_SECRET]);
  const expected: [event: string, requestId: string][] = [];
  let n = 0;
  async function step(name: string, method: string, path: string, options: Parameters<typeof call>[3] = {}, events: string[] = []): Promise<Reply> {
    const requestId = `req-${++n}-${name}`;
    const res = await call(t, method, path, { ...options, headers: { "x-request-id": requestId, "x-test-client": "flow", ...options.headers } });
    expect(res.headers.get("x-request-id")).toBe(requestId);
    for (const key of ["access_token", "refresh_token"]) if (typeof res.body[key] === "string") secrets.add(res.body[key]);
    for (const row of await t.db.select({ hash: users.passwordHash }).from(users)) if (row.hash) secrets.add(row.hash);
    for (const event of ["http.request", ...events]) expected.push([event, requestId]);
    return res;
  }
  const pw = (p: string) => (secrets.add(p), p);

  const alice = { email: "alice@example.com", password: pw("alice first password") };
  await step("register", "POST", "/auth/register", { json: alice }, ["auth.registered"]);
  const code = t.mailer.lastCode(alice.email, "verify-email");
  await step("wrong-code", "POST", "/auth/verify", { json: { email: alice.email, code: code === "000000" ? "111111" : "000000" } }, ["auth.code_rejected"]);
  const verified = await step("verify", "POST", "/auth/verify", { json: { email: alice.email, code } }, ["auth.email_verified"]);
  await step("me", "GET", "/users/me", { token: verified.body.access_token });
  await step("login-failed", "POST", "/auth/login", { json: { email: alice.email, password: pw("not alices password") } }, ["auth.login_failed"]);
  const login = await step("login", "POST", "/auth/login", { json: alice }, ["auth.login"]);
  const first = login.body.refresh_token as string;
  const rotated = await step("refresh", "POST", "/auth/refresh", { json: { refresh_token: first } });
  expect(rotated.status).toBe(200);
  t.clock.advanceSeconds(11); // past the reuse grace
  const reuse = await step("reuse", "POST", "/auth/refresh", { json: { refresh_token: first } }, ["auth.refresh_reuse_detected", "auth.session_revoked"]);
  expect(reuse.status).toBe(401);
  const again = await step("login-again", "POST", "/auth/login", { json: alice }, ["auth.login"]);
  const newPassword = pw("alice second password");
  await step("password-change", "POST", "/users/me/password", { token: again.body.access_token, json: { currentPassword: alice.password, newPassword } }, [
    "auth.password_changed", "auth.sessions_revoked",
  ]);
  await step("forgot", "POST", "/auth/password/forgot", { json: { email: alice.email } });
  const resetCode = t.mailer.lastCode(alice.email, "reset-password");
  await step("reset", "POST", "/auth/password/reset", { json: { email: alice.email, code: resetCode, password: pw("alice third password") } }, [
    "auth.password_reset", "auth.sessions_revoked",
  ]);
  const third = await step("login-third", "POST", "/auth/login", { json: { email: alice.email, password: "alice third password" } }, ["auth.login"]);
  await step("logout", "POST", "/auth/logout", { json: { refresh_token: third.body.refresh_token } }, ["auth.session_revoked"]);

  // Admin actions.
  await t.services.users.create({ email: "root@example.com", passwordHash: await t.services.hasher.hash(pw("root admin password"), 4), role: "admin", emailVerified: true });
  const admin = await step("admin-login", "POST", "/auth/login", { json: { email: "root@example.com", password: "root admin password" } }, ["auth.login"]);
  const created = await step("admin-create", "POST", "/users", { token: admin.body.access_token, json: { email: "bob@example.com", password: pw("bob first password"), emailVerified: true } }, ["admin.user_created"]);
  const bob = await step("bob-login", "POST", "/auth/login", { json: { email: "bob@example.com", password: "bob first password" } }, ["auth.login"]);
  await step("admin-disable", "PATCH", `/users/${created.body.id}`, { token: admin.body.access_token, json: { disabled: true } }, ["admin.user_updated", "auth.sessions_revoked"]);
  await step("bob-refused", "GET", "/users/me", { token: bob.body.access_token });
  await step("admin-delete", "DELETE", `/users/${created.body.id}`, { token: admin.body.access_token }, ["admin.user_deleted"]);

  // Rate limits: the failed-login budget of one email, then the per-client budget.
  for (let i = 0; i < 5; i++) await step(`guess-${i}`, "POST", "/auth/login", { json: { email: "root@example.com", password: pw(`wrong guess ${i}!`) } }, ["auth.login_failed"]);
  const locked = await step("locked", "POST", "/auth/login", { json: { email: "root@example.com", password: "root admin password" } }, ["auth.rate_limited"]);
  expect(locked.status).toBe(429);
  let burst: Reply | undefined;
  for (let i = 0; i < 31; i++) burst = await call(t, "POST", "/auth/verify/resend", { json: { email: "x@example.com" }, headers: { "x-test-client": "burst", "x-request-id": `burst-${i}` } });
  expect(burst!.status).toBe(429);
  expected.push(["auth.rate_limited", "burst-30"]);

  for (const m of t.mailer.messages) secrets.add(m.code);
  const log = t.logger.lines.join("\n");
  const lines = t.logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  // Nothing secret, in any form.
  for (const secret of secrets) {
    const bounded = new RegExp(`(^|[^A-Za-z0-9])${secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9])`);
    expect(bounded.test(log), `the log contains a secret (${secret.slice(0, 4)}…)`).toBe(false);
  }
  expect(log).not.toMatch(/\$2[aby]\$/);
  expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT, whoever's

  // Every expected event, with the id of the request that caused it.
  for (const [event, requestId] of expected) {
    expect(lines.some((l) => l.event === event && l.requestId === requestId), `${event} for ${requestId}`).toBe(true);
  }
  // The request lines: method, route, status and duration always; the user id when authenticated.
  const requests = lines.filter((l) => l.event === "http.request");
  for (const l of requests) {
    expect(typeof l.method).toBe("string");
    expect(typeof l.route).toBe("string");
    expect(typeof l.status).toBe("number");
    expect(typeof l.durationMs).toBe("number");
  }
  const byId = (name: string) => requests.find((l) => String(l.requestId).endsWith(`-${name}`))!;
  expect(byId("me")).toMatchObject({ method: "GET", route: "/users/me", status: 200, userId: verified.body.user.id });
  expect(byId("login-failed")).toMatchObject({ status: 401, route: "/auth/login" });
  expect(byId("reuse").status).toBe(401);
  expect(byId("admin-disable").userId).toBe(JSON.parse(atob(admin.body.access_token.split(".")[1])).sub);
  expect(byId("bob-refused").status).toBe(401);
  expect(byId("bob-refused").userId).toBeUndefined(); // refused before authentication: no user to name
  expect(lines.filter((l) => l.event === "http.unhandled")).toEqual([]);
}, 60_000);

test("an unhandled error is logged with its request id and without its message", async () => {
  const t: TestApp = await buildTestApp();
  // A repository that fails the way a driver does: the message carries the SQL and its parameters.
  t.services.users.findByEmail = async () => {
    throw new Error(`Failed query: select * from users where email = $1 params: alice@example.com,$2b$10$abcdefghijklmnopqrstuv`);
  };
  const res = await call(t, "POST", "/auth/login", { json: { email: "alice@example.com", password: "whatever password" }, headers: { "x-request-id": "boom-1" } });
  expect(res.status).toBe(500);
  expect(res.body.code).toBe("internal");
  expect(res.text).not.toMatch(/select|\$2b\$|alice/);
  const log = t.logger.lines.join("\n");
  expect(log).not.toMatch(/select|\$2b\$|alice|whatever password/);
  expect(t.logger.events("http.unhandled")[0]).toMatchObject({ requestId: "boom-1" });
  expect(t.logger.events("http.request")[0]).toMatchObject({ requestId: "boom-1", status: 500 });
}, 30_000);

test("the two-step flow logs its events by name and request id, and never a TOTP secret, code, recovery code or mfa_token", async () => {
  const t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
  const secrets = new Set<string>([TEST_SECRET]);
  let n = 0;
  const step = async (name: string, method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> => {
    const res = await call(t, method, path, { ...options, headers: { "x-request-id": `mfa-${++n}-${name}`, ...options.headers } });
    for (const key of ["access_token", "refresh_token", "mfa_token", "secret", "otpauth_uri"]) if (typeof res.body[key] === "string") secrets.add(res.body[key]);
    for (const code of res.body.recovery_codes ?? []) secrets.add(code).add(code.replace("-", ""));
    return res;
  };
  const code = (secret: string, ms: number) => {
    const c = codeAt(secret, ms);
    secrets.add(c);
    return c;
  };
  const u = await signUp(t, "mfa-logs@example.com");
  alignToStep(t);
  const enrolled = await step("enroll", "POST", "/users/me/mfa/totp", { token: u.access, json: { password: u.password } });
  const secret = enrolled.body.secret as string;
  await step("confirm-wrong", "POST", "/users/me/mfa/totp/confirm", { token: u.access, json: { code: code(secret, t.clock.now() + 90_000) } });
  const confirmed = await step("confirm", "POST", "/users/me/mfa/totp/confirm", { token: u.access, json: { code: code(secret, t.clock.now()) } });
  t.clock.advanceSeconds(30);
  const first = await step("login", "POST", "/auth/login", { json: { email: u.email, password: u.password } });
  await step("verify-wrong", "POST", "/auth/mfa/verify", { json: { mfa_token: first.body.mfa_token, method: "totp", code: code(secret, t.clock.now() - 90_000) } });
  await step("verify", "POST", "/auth/mfa/verify", { json: { mfa_token: first.body.mfa_token, method: "totp", code: code(secret, t.clock.now()) } });
  const again = await step("login-2", "POST", "/auth/login", { json: { email: u.email, password: u.password } });
  const recovered = await step("verify-recovery", "POST", "/auth/mfa/verify", { json: { mfa_token: again.body.mfa_token, method: "recovery_code", code: confirmed.body.recovery_codes[0] } });
  await step("regenerate", "POST", "/users/me/mfa/recovery-codes", { token: recovered.body.access_token, json: { code: code(secret, t.clock.now() + 30_000) } });
  t.clock.advanceSeconds(60);
  await step("disable", "DELETE", "/users/me/mfa/totp", { token: recovered.body.access_token, json: { code: code(secret, t.clock.now()) } });

  const log = t.logger.lines.join("\n");
  for (const s of secrets) expect(log.includes(s), `the log contains a secret (${s.slice(0, 4)}…)`).toBe(false);
  expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  const lines = t.logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const expected: [string, string][] = [
    ["auth.mfa_failed", "confirm-wrong"], ["auth.mfa_enabled", "confirm"], ["auth.sessions_revoked", "confirm"],
    ["auth.mfa_required", "login"], ["auth.mfa_failed", "verify-wrong"], ["auth.login", "verify"], ["auth.login", "verify-recovery"],
    ["auth.recovery_codes_regenerated", "regenerate"], ["auth.mfa_disabled", "disable"],
  ];
  for (const [event, name] of expected) {
    expect(lines.some((l) => l.event === event && String(l.requestId).endsWith(`-${name}`)), `${event} for ${name}`).toBe(true);
  }
  expect(lines.filter((l) => l.event === "http.unhandled")).toEqual([]);
}, 30_000);
