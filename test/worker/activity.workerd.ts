// Sessions and activity inside workerd: the list and end-one (the ended session's access token
// refused at once), events written through ctx.waitUntil after the response, the admin's audit,
// and the Cron Trigger's scheduled handler pruning old events.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createAuditRepo } from "../../src/db/audit";
import { openNeonHttp } from "../../src/db/neon";
import { uuidv7 } from "../../src/db/uuid";
import { call, mailedCode, uniqueEmail, untilReady } from "./helpers";

const bindings = env as unknown as Record<string, string>;
const admin = () => call("POST", "/auth/login", { json: { email: "root@example.com", password: "workerd admin password" } });

async function signUp(email: string, password: string) {
  expect((await call("POST", "/auth/register", { json: { email, password } })).status).toBe(201);
  const verified = await call("POST", "/auth/verify", { json: { email, code: await mailedCode(email) } });
  expect(verified.status).toBe(200);
  return verified.body as { user: { id: string }; access_token: string; refresh_token: string };
}

// The Worker's default export as a service binding: fetch, and scheduled (what a Cron Trigger runs).
type Scheduled = { scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<unknown> };
const self = (exports as unknown as { default: Scheduled }).default;

/** Polls (bounded) until `read` gives a non-empty list: events are written after the response, in waitUntil. */
async function eventually<T>(read: () => Promise<T[]>, attempts = 100): Promise<T[]> {
  for (let i = 0; i < attempts; i++) {
    const found = await read();
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  return read();
}

describe("sessions and activity in workerd", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("lists sessions, ends one at once, and the admin ends every one", async () => {
    const email = uniqueEmail("sessions");
    const password = "correct horse battery";
    const first = await signUp(email, password);
    const second = await call("POST", "/auth/login", { json: { email, password }, headers: { "user-agent": "Phone/2.0", "cf-connecting-ip": "192.0.2.9" } });
    const list = await call("GET", "/users/me/sessions", { token: first.access_token });
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const phone = list.body.sessions.find((s: { current: boolean }) => !s.current);
    expect(phone).toMatchObject({ userAgent: "Phone/2.0", ip: "192.0.2.9", amr: ["pwd"], aal: "aal1" });
    expect((await call("DELETE", `/users/me/sessions/${phone.id}`, { token: first.access_token })).status).toBe(204);
    expect((await call("GET", "/users/me", { token: second.body.access_token })).status).toBe(401);
    expect((await call("DELETE", `/users/me/sessions/${phone.id}`, { token: first.access_token })).status).toBe(404);

    const root = await admin();
    expect((await call("GET", `/users/${first.user.id}/sessions`, { token: root.body.access_token })).body.sessions).toHaveLength(1);
    expect((await call("DELETE", `/users/${first.user.id}/sessions`, { token: root.body.access_token })).status).toBe(204);
    expect((await call("GET", "/users/me", { token: first.access_token })).status).toBe(401);
  });

  it("writes events after the response (waitUntil); the activity and the admin's audit read them", async () => {
    const email = uniqueEmail("activity");
    const password = "correct horse battery";
    const user = await signUp(email, password);
    expect((await call("POST", "/auth/login", { json: { email, password: "wrong password" } })).status).toBe(401);
    const root = await admin();
    const events = await eventually(async () => (await call("GET", `/audit?userId=${user.user.id}&type=login_failed`, { token: root.body.access_token })).body.events);
    expect(events).toEqual([expect.objectContaining({ type: "login_failed", userId: user.user.id, actorId: null })]);
    const mine = await call("GET", "/users/me/activity?limit=1", { token: user.access_token });
    expect(mine.body.events.map((e: { type: string }) => e.type)).toEqual(["login_failed"]);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
  });

  it("the Cron Trigger's scheduled handler deletes events past AUDIT_RETENTION_DAYS", async () => {
    const db = openNeonHttp(bindings.DATABASE_URL!, { fetchEndpoint: bindings.NEON_FETCH_ENDPOINT });
    const repo = createAuditRepo(db, { now: () => Date.now() });
    const old = new Date(Date.now() - 91 * 86_400_000);
    const id = uuidv7(old.getTime());
    await repo.insert({ id, type: "mfa_reset", userId: null, actorId: null, sessionId: null, at: old, ip: null, userAgent: null });
    const root = await admin();
    const listed = async () => (await call("GET", "/audit?type=mfa_reset&limit=100", { token: root.body.access_token })).body.events.map((e: { id: string }) => e.id);
    expect(await listed()).toContain(id);
    // Resolves when the handler has finished (it awaits the prune), rejects when it throws.
    await self.scheduled({ cron: "17 3 * * *", scheduledTime: new Date() });
    expect(await listed()).not.toContain(id);
  });
});
