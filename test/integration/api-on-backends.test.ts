import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  canRun, memoryStoreFixture, pgliteFixture, postgresFixture, redisStoreFixture, truncateUsers, type DbFixture, type StoreFixture,
} from "../support/backend-fixtures";
import { buildTestApp, type TestApp } from "../support/app";
import { createFakeClock } from "../support/clock";
import { call, signInAdmin, signUp } from "../support/http";
import { pruneAuditEvents } from "../../src/audit-retention";
import { settleBackgroundWork } from "../../src/background";
import { sessionMetaKey } from "../../src/auth/session-keys";
import { loginBursts } from "../support/login-bursts";

// The same API scenarios on each deployable combination of database and store.
const clock = createFakeClock();
const combos: { name: string; db: DbFixture; store: StoreFixture }[] = [
  { name: "embedded (PGlite + memory)", db: pgliteFixture(), store: memoryStoreFixture(clock) },
  { name: "servers (Postgres + Redis)", db: postgresFixture(), store: redisStoreFixture() },
  { name: "edge drivers (Neon HTTP + Upstash)", db: postgresFixture(true), store: redisStoreFixture(true) },
];
const GRACE = 10;

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`API on ${combo.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      await Promise.all([combo.db.open(), combo.store.open()]);
      await truncateUsers(combo.db.db());
      t = await buildTestApp({
        db: combo.db.db(),
        store: combo.store.store(),
        // Every request here comes from one client: the per-client limit is not under test.
        env: { RATE_LIMIT_AUTH_PER_MINUTE: "1000000", REFRESH_REUSE_GRACE: String(GRACE) },
      });
    }, 60_000);
    afterAll(() => Promise.all([combo.db.close(), combo.store.close()]));

    test("register → verify → login → me → refresh → reuse → logout; admin lists users", async () => {
      const u = await signUp(t, undefined, "correct horse battery", "Real");
      const login = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
      expect(login.status).toBe(200);
      const me = await call(t, "GET", "/users/me", { token: login.body.access_token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: u.email, name: "Real", emailVerified: true });
      const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
      expect(refreshed.status).toBe(200);
      // Reuse well after the grace: theft; the whole session (and its newest tokens) is dead.
      t.clock.advanceSeconds(GRACE + 1);
      const reuse = await call(t, "POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
      expect(reuse.status).toBe(401);
      expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: refreshed.body.refresh_token } })).status).toBe(401);
      expect((await call(t, "GET", "/users/me", { token: refreshed.body.access_token })).status).toBe(401);
      // The session from verification is untouched; logging it out ends it.
      const out = await call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } });
      expect(out.status).toBe(204);
      expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);

      const admin = await signInAdmin(t);
      const list = await call(t, "GET", `/users?q=${encodeURIComponent(u.email)}`, { token: admin.access });
      expect(list.status).toBe(200);
      expect(list.body.users.map((x: { email: string }) => x.email)).toEqual([u.email]);
      expect((await call(t, "GET", "/users", { token: login.body.access_token })).status).toBe(401);
    });

    test("sessions: the list, ending one (its access token refused at once), the admin's end-all", async () => {
      const u = await signUp(t);
      t.clock.advanceSeconds(1); // newest first is by sign-in time
      const other = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password }, headers: { "user-agent": "Other/1.0" } });
      const list = await call(t, "GET", "/users/me/sessions", { token: u.access });
      expect(list.status).toBe(200);
      expect(list.body.sessions.map((x: { current: boolean; userAgent: string | null }) => [x.current, x.userAgent])).toEqual([[false, "Other/1.0"], [true, null]]);
      const otherSid = list.body.sessions[0].id as string;
      expect((await call(t, "DELETE", `/users/me/sessions/${otherSid}`, { token: u.access })).status).toBe(204);
      expect((await call(t, "GET", "/users/me", { token: other.body.access_token })).status).toBe(401);
      expect((await call(t, "GET", "/users/me/sessions", { token: u.access })).body.sessions).toHaveLength(1);

      const admin = await signInAdmin(t);
      expect((await call(t, "GET", `/users/${u.user.id}/sessions`, { token: admin.access })).body.sessions).toHaveLength(1);
      expect((await call(t, "DELETE", `/users/${u.user.id}/sessions`, { token: admin.access })).status).toBe(204);
      expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
    });

    test("activity and audit: pages newest first, filters, deletion erases the account's own events, retention", async () => {
      const u = await signUp(t);
      for (let i = 0; i < 3; i++) await call(t, "POST", "/auth/login", { json: { email: u.email, password: "wrong password" } });
      await settleBackgroundWork();
      const first = await call(t, "GET", "/users/me/activity?limit=2", { token: u.access });
      expect(first.body.events.map((e: { type: string }) => e.type)).toEqual(["login_failed", "login_failed"]);
      const rest = await call(t, "GET", `/users/me/activity?cursor=${first.body.nextCursor}`, { token: u.access });
      expect(rest.body.events.map((e: { type: string }) => e.type)).toEqual(["login_failed", "login", "email_verified"]);
      const admin = await signInAdmin(t);
      await settleBackgroundWork();
      const audit = await call(t, "GET", `/audit?userId=${u.user.id}&type=login`, { token: admin.access });
      expect(audit.body.events).toEqual([expect.objectContaining({ type: "login", userId: u.user.id, actorId: null })]);
      expect((await call(t, "DELETE", `/users/${u.user.id}`, { token: admin.access })).status).toBe(204);
      await settleBackgroundWork();
      const left = await call(t, "GET", `/audit?userId=${u.user.id}`, { token: admin.access });
      expect(left.body.events.map((e: { type: string }) => e.type)).toEqual(["user_deleted"]);
      // Retention on this database: once the clock is past AUDIT_RETENTION_DAYS, every event goes.
      t.clock.advanceSeconds(86_400 * (t.services.config.auditRetentionDays + 1));
      const pruned = await pruneAuditEvents(t.services);
      expect(pruned.expired).toBeGreaterThanOrEqual(2);
      expect(await t.services.audit.list({ limit: 10 })).toEqual([]);
    });

    test("10 concurrent registrations of one email: exactly one 201, the rest 409", async () => {
      const email = `race-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => call(t, "POST", "/auth/register", { json: { email, password: "correct horse battery" } })),
      );
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(9).fill(409)]);
      expect(t.mailer.count(email, "verify-email")).toBe(1);
    });

    test("20 parallel wrong passwords for one email: at most 5 bcrypt checks, the rest 429", async () => {
      const { wrong, wrongVerifies, afterWrong } = await loginBursts(t, 20);
      expect(wrongVerifies).toBeLessThanOrEqual(5);
      expect(wrong.filter((r) => r.status === 401).length).toBe(wrongVerifies);
      expect(wrong.filter((r) => r.status === 429).length).toBe(20 - wrongVerifies);
      expect(afterWrong.status).toBe(429);
    });

    test("10 parallel logins with the right password: all 200, 10 distinct live sessions", async () => {
      const { right, sessions, alive } = await loginBursts(t, 10);
      expect(right.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(sessions.size).toBe(10);
      expect(alive.map((r) => r.status)).toEqual(Array(10).fill(200));
    });

    test("10 concurrent refreshes of one token within the grace: all succeed, no session revoked", async () => {
      const u = await signUp(t);
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      for (const r of replies) expect((await call(t, "GET", "/users/me", { token: r.body.access_token })).status).toBe(200);
      const next = await call(t, "POST", "/auth/refresh", { json: { refresh_token: replies[3]!.body.refresh_token } });
      expect(next.status).toBe(200);
    });

    test("reuse after the grace ends the whole session", async () => {
      const u = await signUp(t);
      const first = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
      expect(first.status).toBe(200);
      const second = await call(t, "POST", "/auth/refresh", { json: { refresh_token: first.body.refresh_token } });
      expect(second.status).toBe(200);
      t.clock.advanceSeconds(GRACE + 1);
      expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(401);
      expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: second.body.refresh_token } })).status).toBe(401);
      expect((await call(t, "GET", "/users/me", { token: second.body.access_token })).status).toBe(401);
      // The session's device record (address, browser) went with it, in the same script.
      const sid = JSON.parse(atob(u.access.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
      expect(await t.store.get(sessionMetaKey(sid))).toBeNull();
    });
  });
}
