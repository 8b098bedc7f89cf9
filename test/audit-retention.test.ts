import { describe, expect, test } from "bun:test";
import { pruneAuditEvents, startAuditPruning } from "../src/audit-retention";
import { settleBackgroundWork } from "../src/background";
import { createUuidv7, uuidv7 } from "../src/db/uuid";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp } from "./support/http";

const DAY = 86_400_000;
const allTypes = async (t: TestApp) => (await t.services.audit.list({ limit: 100 })).map((e) => e.type);

describe("audit retention", () => {
  test("events older than AUDIT_RETENTION_DAYS are deleted, younger ones stay (fake clock)", async () => {
    const t = await buildTestApp({ env: { AUDIT_RETENTION_DAYS: "7" } });
    const u = await signUp(t); // email_verified + login, day 0
    t.clock.advance(6 * DAY);
    await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } }); // day 6
    await settleBackgroundWork();
    t.clock.advance(DAY + 1); // day 7 + 1 ms: the first two are just past 7 days
    expect(await pruneAuditEvents(t.services)).toEqual({ expired: 2, orphaned: 0 });
    expect(await allTypes(t)).toEqual(["login"]);
    expect(t.logger.events("audit.pruned")[0]).toMatchObject({ expired: 2, before: new Date(t.clock.now() - 7 * DAY).toISOString() });
    t.clock.advance(5 * DAY); // the day-6 login is 6 days old
    expect((await pruneAuditEvents(t.services)).expired).toBe(0);
    t.clock.advance(DAY); // now 7 days and 1 ms
    expect((await pruneAuditEvents(t.services)).expired).toBe(1);
  });

  test("deletes more than one batch", async () => {
    const t = await buildTestApp();
    const at = new Date(t.clock.now() - 100 * DAY);
    const rows = Array.from({ length: 5003 }, () => ({ id: uuidv7(at.getTime()), type: "login", userId: null, actorId: null, sessionId: null, at, ip: null, userAgent: null }));
    for (let i = 0; i < rows.length; i += 1000) await Promise.all(rows.slice(i, i + 1000).map((r) => t.services.audit.insert(r)));
    expect((await pruneAuditEvents(t.services)).expired).toBe(5003);
  }, 30_000);

  test("also removes the events of accounts that are gone, but keeps the admin's user_deleted", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    await settleBackgroundWork();
    // Deleted behind the API's back (as if its cleanup had failed): its events are orphans.
    await t.services.users.deleteGuarded(u.user.id);
    const gone = crypto.randomUUID();
    const now = new Date(t.clock.now());
    await t.services.audit.insert({ id: uuidv7(now.getTime()), type: "user_deleted", userId: gone, actorId: null, sessionId: null, at: now, ip: null, userAgent: null });
    expect(await pruneAuditEvents(t.services)).toEqual({ expired: 0, orphaned: 2 });
    expect(await allTypes(t)).toEqual(["user_deleted", "login"]); // the admin's login stays too
    expect((await call(t, "GET", "/users/me", { token: admin.access })).status).toBe(200);
  });

  test("a failed run is logged by name and rethrown", async () => {
    const t = await buildTestApp();
    const broken = { ...t.services, audit: { ...t.services.audit, deleteOlderThan: () => Promise.reject(Object.assign(new Error("delete … 'x'"), { name: "PostgresError" })) } };
    await expect(pruneAuditEvents(broken)).rejects.toThrow();
    expect(t.logger.events("audit.prune_failed")).toEqual([{ level: "error", event: "audit.prune_failed", error: "PostgresError" }]);
  });

  test("the Bun timer runs the prune first after a delay, then on its interval, until stopped", async () => {
    const t = await buildTestApp();
    let runs = 0;
    const counted = { ...t.services, audit: { ...t.services.audit, deleteOlderThan: async () => (runs++, 0) } };
    const stop = startAuditPruning(counted, { firstAfterMs: 1, everyMs: 20 });
    await Bun.sleep(75);
    stop();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(2);
    await Bun.sleep(50);
    expect(runs).toBe(seen);
  });
});

describe("uuidv7", () => {
  test("strictly increasing within a process, in the same millisecond and when the clock steps back", () => {
    const uuidv7 = createUuidv7();
    const now = Date.now();
    const ids = [uuidv7(now), ...Array.from({ length: 5000 }, () => uuidv7(now)), uuidv7(now - 1000), uuidv7(now + 5)];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    // The timestamp is the millisecond given (the counter, not the time, orders one millisecond's ids).
    expect(Number.parseInt(uuidv7(now + 10_000).replace(/-/g, "").slice(0, 12), 16)).toBe(now + 10_000);
  });
});
