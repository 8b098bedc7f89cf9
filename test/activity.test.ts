import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { settleBackgroundWork } from "../src/background";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp, type Json } from "./support/http";

const activity = async (t: TestApp, token: string, query = "") => {
  await settleBackgroundWork();
  return call(t, "GET", `/users/me/activity${query}`, { token });
};
const audit = async (t: TestApp, token: string, query = "") => {
  await settleBackgroundWork();
  return call(t, "GET", `/audit${query}`, { token });
};
const types = (res: { body: Json }) => res.body.events.map((e: { type: string }) => e.type);
const sid = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).sid as string;

describe("GET /users/me/activity", () => {
  test("each act records one event, newest first, with the address, browser and session; never a secret", async () => {
    const t = await buildTestApp({ env: { REFRESH_REUSE_GRACE: "0" } });
    const headers = { "user-agent": "Firefox/140", "x-test-client": "198.51.100.4" };
    const u = await signUp(t); // email_verified, login
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: "wrong password!" }, headers })).status).toBe(401);
    const second = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password }, headers });
    const rotated = await call(t, "POST", "/auth/refresh", { json: { refresh_token: second.body.refresh_token } });
    expect(rotated.status).toBe(200);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: second.body.refresh_token } })).status).toBe(401); // reuse
    const third = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: third.body.refresh_token } })).status).toBe(204);
    const changed = await call(t, "POST", "/users/me/password", { token: u.access, json: { currentPassword: u.password, newPassword: "a new password 2" } });
    expect(changed.status).toBe(204);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const code = t.mailer.lastCode(u.email, "reset-password");
    expect((await call(t, "POST", "/auth/password/reset", { json: { email: u.email, code, password: "third password 3" } })).status).toBe(204);
    const last = await call(t, "POST", "/auth/login", { json: { email: u.email, password: "third password 3" } });
    expect((await call(t, "POST", "/auth/logout-all", { token: last.body.access_token })).status).toBe(204);
    const again = await call(t, "POST", "/auth/login", { json: { email: u.email, password: "third password 3" } });

    const res = await activity(t, again.body.access_token);
    expect(res.status).toBe(200);
    expect(types(res)).toEqual([
      "login", "logout", "login", "password_reset", "password_changed", "logout", "login",
      "refresh_reuse_detected", "login", "login_failed", "login", "email_verified",
    ]);
    expect(res.body.nextCursor).toBeNull();
    const reuse = res.body.events.find((e: Json) => e.type === "refresh_reuse_detected");
    expect(reuse).toMatchObject({ sessionId: sid(second.body.access_token), ip: "unknown", userAgent: null });
    const failed = res.body.events.find((e: Json) => e.type === "login_failed");
    expect(failed).toEqual({ id: expect.any(String), type: "login_failed", at: expect.any(String), ip: "198.51.100.4", userAgent: "Firefox/140", sessionId: null });
    expect(res.body.events[1]).toMatchObject({ type: "logout", sessionId: sid(last.body.access_token) });
    // No secret in any event: no password, token or code, in the API's answer or in the rows.
    const rows = JSON.stringify(await t.services.audit.list({ limit: 100 }));
    for (const secret of [u.password, "a new password 2", "third password 3", code, u.refresh, u.access, second.body.refresh_token, rotated.body.access_token]) {
      expect(rows).not.toContain(secret);
      expect(res.text).not.toContain(secret);
    }
  });

  test("shows only the caller's own events; an admin's act hides the admin's address, browser and session", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const a = await signUp(t);
    const b = await signUp(t);
    expect((await call(t, "PATCH", `/users/${a.user.id}`, { token: admin.access, json: { name: "Renamed" }, headers: { "user-agent": "AdminBrowser" } })).status).toBe(200);
    const mine = await activity(t, a.access);
    expect(types(mine)).toEqual(["user_updated", "login", "email_verified"]);
    expect(mine.body.events[0]).toMatchObject({ ip: null, userAgent: null, sessionId: null });
    expect(mine.body.events[0].actorId).toBeUndefined();
    expect(types(await activity(t, b.access))).toEqual(["login", "email_verified"]);
  });

  test("keyset pages are stable while events are added", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) await call(t, "POST", "/auth/login", { json: { email: u.email, password: "wrong one!!" } });
    const all = (await activity(t, u.access, "?limit=100")).body.events.map((e: Json) => e.id);
    expect(all).toHaveLength(7);
    // Several events in the same millisecond (the fake clock stands still): ids still order them.
    expect([...all].sort().reverse()).toEqual(all);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Json } = await activity(t, u.access, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.events.map((e: Json) => e.id));
      cursor = page.body.nextCursor;
      // New events arrive between pages: they are newer than every page so far and never shift the rest.
      await call(t, "POST", "/auth/login", { json: { email: u.email, password: "wrong again!" } });
    } while (cursor);
    expect(seen).toEqual(all);
  });

  test("a bad limit, cursor or an unknown parameter is 400 validation_failed", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?limit=2.5", "?cursor=%%%", `?cursor=${btoa("not-a-uuid")}`, "?userId=x", "?type=login"]) {
      const res = await activity(t, u.access, query);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("validation_failed");
    }
    expect((await call(t, "GET", "/users/me/activity")).status).toBe(401);
  });

  test("the response does not wait for the write (it runs after the response)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await settleBackgroundWork();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const written: string[] = [];
    const slow = { ...t.services.audit, insert: async (e: { type: string }) => (await held, void written.push(e.type)) };
    const app = { app: createApp({ ...t.services, audit: slow as typeof t.services.audit }) };
    const res = await call(app, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(written).toEqual([]); // answered while the write is still pending
    release();
    await settleBackgroundWork();
    expect(written).toEqual(["login"]);
  });

  test("a failed write is logged and dropped: the request still succeeds", async () => {
    const t = await buildTestApp();
    const failing = { ...t.services.audit, insert: async () => Promise.reject(Object.assign(new Error("insert into audit_events values ('secret')"), { name: "PostgresError" })) };
    const broken = { ...t, app: createApp({ ...t.services, audit: failing }) };
    const u = await signUp(broken);
    const res = await call(broken, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    await settleBackgroundWork();
    const failures = t.logger.events("audit.write_failed");
    expect(failures).toHaveLength(3); // email_verified and login at verification, then the login
    expect(failures[0]).toMatchObject({ level: "error", error: "PostgresError" });
    expect(t.logger.lines.join("\n")).not.toContain("secret");
  });
});

describe("GET /audit (admin)", () => {
  test("every account's events with userId and actorId; filters by user and type combine", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const adminId = (await call(t, "GET", "/users/me", { token: admin.access })).body.id;
    const created = await call(t, "POST", "/users", { token: admin.access, json: { email: "made@example.com", password: "made password 1", emailVerified: true } });
    expect(created.status).toBe(201);
    const made = created.body.id;
    await call(t, "POST", "/auth/login", { json: { email: "made@example.com", password: "made password 1" } });
    const all = await audit(t, admin.access);
    expect(all.status).toBe(200);
    expect(all.headers.get("cache-control")).toBe("no-store");
    expect(types(all)).toEqual(["login", "user_created", "login"]);
    expect(all.body.events[1]).toMatchObject({ type: "user_created", userId: made, actorId: adminId, sessionId: sid(admin.access) });
    expect(all.body.events[2]).toMatchObject({ type: "login", userId: adminId, actorId: null });
    expect(types(await audit(t, admin.access, `?userId=${made}`))).toEqual(["login", "user_created"]);
    expect(types(await audit(t, admin.access, "?type=login"))).toEqual(["login", "login"]);
    expect(types(await audit(t, admin.access, `?type=login&userId=${made.toUpperCase()}`))).toEqual(["login"]);
    const paged = await audit(t, admin.access, "?limit=1&type=login");
    expect(paged.body.events).toHaveLength(1);
    expect(types(await audit(t, admin.access, `?type=login&cursor=${paged.body.nextCursor}`))).toEqual(["login"]);
  });

  test("a non-admin is 403; an unknown type or a malformed userId is 400", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    expect((await audit(t, u.access)).status).toBe(403);
    expect((await audit(t, "")).status).toBe(401);
    for (const query of ["?type=nope", "?userId=123", "?limit=500", "?q=x"]) expect((await audit(t, admin.access, query)).status).toBe(400);
  });
});

describe("deleting an account", () => {
  test("by the admin: the account's own events go with it; the admin's user_deleted stays", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { name: "x" } });
    await settleBackgroundWork();
    expect((await call(t, "DELETE", `/users/${u.user.id}`, { token: admin.access })).status).toBe(204);
    const left = await audit(t, admin.access, `?userId=${u.user.id}`);
    expect(left.body.events).toEqual([expect.objectContaining({ type: "user_deleted", userId: u.user.id, actorId: expect.any(String) })]);
  });

  test("by the user: every event of the account is gone, and none is written about it", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    await settleBackgroundWork();
    expect((await call(t, "DELETE", "/users/me", { token: u.access, json: { password: u.password } })).status).toBe(204);
    expect((await audit(t, admin.access, `?userId=${u.user.id}`)).body.events).toEqual([]);
  });
});
