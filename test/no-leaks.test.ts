import { expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createMemoryStore } from "../src/store/memory";
import type { Store } from "../src/store/store";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp, type Json, type Reply } from "./support/http";
import { alignToStep, codeAt } from "./support/mfa";
import { createFakeClock } from "./support/clock";

const PUBLIC_USER_FIELDS = ["createdAt", "disabled", "email", "emailVerified", "id", "name", "role", "updatedAt"];

/** A memory store that remembers every key and value ever written, to look for them in responses. */
function recordingStore(): { store: Store; written: Set<string> } {
  const real = createMemoryStore(createFakeClock());
  const written = new Set<string>();
  const store: Store = {
    ...real,
    set: (k, v, ttl) => (written.add(k).add(v), real.set(k, v, ttl)),
    setIfAbsent: (k, v, ttl) => (written.add(k), real.setIfAbsent(k, v, ttl)),
    increment: (k, ttl) => (written.add(k), real.increment(k, ttl)),
  };
  return { store, written };
}

/** Every user object anywhere in a JSON body. */
function usersIn(body: unknown): Json[] {
  if (Array.isArray(body)) return body.flatMap(usersIn);
  if (!body || typeof body !== "object") return [];
  const o = body as Json;
  const self = typeof o.email === "string" && typeof o.id === "string" ? [o] : [];
  return [...self, ...Object.values(o).flatMap(usersIn)];
}

test("a full flow: no response or log line carries a hash, a password, a stored secret or a non-public user field", async () => {
  const { store, written } = recordingStore();
  const t: TestApp = await buildTestApp({ store });
  const replies: Reply[] = [];
  const go = async (...args: Parameters<typeof call> extends [unknown, ...infer R] ? R : never) => {
    const r = await call(t, ...args);
    replies.push(r);
    return r;
  };
  const passwords = ["correct horse battery", "wrong horse battery", "changed horse battery", "reset horse battery", "admin password 1"];
  const [pw, wrongPw, changedPw, resetPw] = passwords as [string, string, string, string];
  const email = "leak@example.com";

  await go("POST", "/auth/register", { json: { email, password: pw, name: "Leak" } });
  await go("POST", "/auth/register", { json: { email, password: pw } });
  await go("POST", "/auth/verify", { json: { email, code: "000000" } });
  const verified = await go("POST", "/auth/verify", { json: { email, code: t.mailer.lastCode(email) } });
  const access = verified.body.access_token as string;
  await go("POST", "/auth/login", { json: { email, password: wrongPw } });
  const login = await go("POST", "/auth/login", { json: { email, password: pw } });
  await go("POST", "/auth/token", { form: { grant_type: "password", username: email, password: pw } });
  const refreshed = await go("POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
  await go("POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
  await go("POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: refreshed.body.refresh_token } });
  await go("GET", "/users/me", { token: access });
  await go("PATCH", "/users/me", { token: access, json: { name: "Renamed" } });
  await go("POST", "/users/me/password", { token: access, json: { currentPassword: wrongPw, newPassword: changedPw } });
  await go("POST", "/users/me/password", { token: access, json: { currentPassword: pw, newPassword: changedPw } });
  await go("POST", "/auth/password/forgot", { json: { email } });
  await go("POST", "/auth/password/reset", { json: { email, code: t.mailer.lastCode(email, "reset-password"), password: resetPw } });
  const again = await go("POST", "/auth/login", { json: { email, password: resetPw } });
  await go("POST", "/auth/logout", { json: { refresh_token: again.body.refresh_token } });
  await go("GET", "/users/me", { token: again.body.access_token });

  const admin = await signInAdmin(t, "root@example.com", passwords[4]);
  const created = await go("POST", "/users", { token: admin.access, json: { email: "made@example.com", password: pw, role: "admin" } });
  await go("GET", "/users", { token: admin.access });
  await go("GET", "/users?q=leak", { token: admin.access });
  await go("GET", `/users/${created.body.id}`, { token: admin.access });
  await go("PATCH", `/users/${created.body.id}`, { token: admin.access, json: { disabled: true } });
  await go("DELETE", `/users/${created.body.id}`, { token: admin.access });
  await go("POST", "/auth/login", { json: { email, password: "x".repeat(73) } });
  await go("POST", "/auth/register", { json: { email: "bad", password: pw } });
  await go("POST", "/auth/logout-all", { token: admin.access });

  // Secrets the server holds: password hashes from the database, everything written to the store.
  const rows = (await t.db.execute(sql`select password_hash from users`)) as unknown as { rows?: { password_hash: string }[] };
  const hashes = (rows.rows ?? []).map((r) => r.password_hash);
  expect(hashes.length).toBeGreaterThan(0);
  // Refresh-token hashes are in the rt:/rtu: keys; code digests in the otp: values.
  const tokenHashes = [...written].filter((k) => /^rtu?:/.test(k)).map((k) => k.slice(k.indexOf(":") + 1));
  const codeDigests = [...written].flatMap((v) => (v.startsWith("{") && v.includes("digest") ? [JSON.parse(v).digest as string] : []));
  expect(tokenHashes.length).toBeGreaterThan(3);
  expect(codeDigests.length).toBeGreaterThan(1);
  const storedSecrets = [...tokenHashes, ...codeDigests];

  const forbidden = [...passwords, ...hashes, ...storedSecrets];
  for (const r of replies) {
    const everything = `${r.text}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}`;
    expect(everything).not.toContain("$2");
    for (const secret of forbidden) expect(everything).not.toContain(secret);
    for (const user of usersIn(r.body)) expect(Object.keys(user).sort()).toEqual(PUBLIC_USER_FIELDS);
  }
  expect(replies.flatMap((r) => usersIn(r.body)).length).toBeGreaterThan(8);

  // Logs: no hashes, passwords, tokens or codes either.
  const logs = t.logger.lines.join("\n");
  const tokens = replies.flatMap((r) => [r.body.access_token, r.body.refresh_token]).filter((x): x is string => typeof x === "string");
  const codes = t.mailer.messages.map((m) => m.code);
  for (const secret of [...forbidden, ...tokens, ...codes, "$2"]) expect(logs).not.toContain(secret);
});

test("the two-step flow: no response carries a stored secret (sealed TOTP secret, code hash, mfa_token hash), and no log a secret or code", async () => {
  const { store, written } = recordingStore();
  const t: TestApp = await buildTestApp({ store, env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
  const replies: Reply[] = [];
  const go = async (...args: Parameters<typeof call> extends [unknown, ...infer R] ? R : never) => {
    const r = await call(t, ...args);
    replies.push(r);
    return r;
  };
  const u = await signUp(t, "leak-mfa@example.com");
  alignToStep(t);
  const enrolled = await go("POST", "/users/me/mfa/totp", { token: u.access, json: { password: u.password } });
  const secret = enrolled.body.secret as string;
  const confirmed = await go("POST", "/users/me/mfa/totp/confirm", { token: u.access, json: { code: codeAt(secret, t.clock.now()) } });
  t.clock.advanceSeconds(30);
  const first = await go("POST", "/auth/login", { json: { email: u.email, password: u.password } });
  await go("POST", "/auth/mfa/verify", { json: { mfa_token: first.body.mfa_token, method: "totp", code: "000000" } });
  const done = await go("POST", "/auth/mfa/verify", { json: { mfa_token: first.body.mfa_token, method: "totp", code: codeAt(secret, t.clock.now()) } });
  const second = await go("POST", "/auth/token", { form: { grant_type: "password", username: u.email, password: u.password } });
  await go("POST", "/auth/mfa/verify", { json: { mfa_token: second.body.mfa_token, method: "recovery_code", code: confirmed.body.recovery_codes[0] } });
  await go("GET", "/users/me/mfa", { token: done.body.access_token });
  await go("POST", "/users/me/mfa/recovery-codes", { token: done.body.access_token, json: { code: codeAt(secret, t.clock.now() + 30_000) } });
  t.clock.advanceSeconds(60);
  await go("DELETE", "/users/me/mfa/totp", { token: done.body.access_token, json: { code: codeAt(secret, t.clock.now()) } });

  const sealed = (await t.db.execute(sql`select secret_ciphertext from totp_factors`)) as unknown as { rows?: unknown[] };
  expect(sealed.rows ?? []).toEqual([]); // turned off: the row is gone; its sealed form was in the store's pending value
  const pending = [...written].filter((v) => v.startsWith('{"c":')).map((v) => JSON.parse(v).c as string);
  const mfaHashes = [...written].filter((k) => k.startsWith("mfa:")).map((k) => k.slice(4));
  expect(pending.length).toBe(1);
  expect(mfaHashes.length).toBe(2);
  // Stored forms never go out; the secret itself only in the enrollment answer, the codes only where they are issued.
  for (const r of replies) {
    const everything = `${r.text}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}`;
    for (const s of [...pending, ...mfaHashes]) expect(everything).not.toContain(s);
    if (r !== enrolled) expect(everything).not.toContain(secret);
  }
  expect(pending[0]).not.toContain(secret);
  const logs = t.logger.lines.join("\n");
  const issued = replies.flatMap((r) => [r.body.mfa_token, r.body.access_token, r.body.refresh_token, ...(r.body.recovery_codes ?? [])]).filter((x): x is string => typeof x === "string");
  for (const s of [secret, ...issued, ...pending, ...mfaHashes]) expect(logs).not.toContain(s);
});
