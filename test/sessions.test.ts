import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { settleBackgroundWork } from "../src/background";
import { buildTestApp, type TestApp } from "./support/app";
import { recordCalls } from "./support/counting";
import { call, signInAdmin, signUp } from "./support/http";

const login = (t: TestApp, email: string, password: string, headers: Record<string, string> = {}) =>
  call(t, "POST", "/auth/login", { json: { email, password }, headers });
const sessions = (t: TestApp, token: string) => call(t, "GET", "/users/me/sessions", { token });
const sid = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).sid as string;
const events = async (t: TestApp, userId: string) => {
  await settleBackgroundWork();
  return t.services.audit.list({ limit: 100, userId });
};

describe("GET /users/me/sessions", () => {
  test("every live session, newest first, with its device, address, assurance and the caller's marked", async () => {
    const t = await buildTestApp();
    const u = await signUp(t); // session 1 (the verification sign-in)
    t.clock.advanceSeconds(60);
    const longAgent = `Mozilla/5.0 (X11; Linux x86_64) ${"x".repeat(300)}`;
    const second = await login(t, u.email, u.password, { "user-agent": longAgent, "x-test-client": "203.0.113.7" });
    expect(second.status).toBe(200);
    const res = await sessions(t, u.access);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const list = res.body.sessions;
    expect(list.map((s: { id: string }) => s.id)).toEqual([sid(second.body.access_token), sid(u.access)]);
    expect(list[0]).toEqual({
      id: sid(second.body.access_token),
      current: false,
      createdAt: new Date(t.clock.now()).toISOString(),
      lastSeenAt: new Date(t.clock.now()).toISOString(),
      userAgent: longAgent.slice(0, 200),
      ip: "203.0.113.7",
      amr: ["pwd"],
      aal: "aal1",
    });
    expect(list[1]).toMatchObject({ current: true, amr: ["otp"], aal: "aal1" });
    // From the other session, that one is current instead.
    const other = await sessions(t, second.body.access_token);
    expect(other.body.sessions.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
  });

  test("lastSeenAt moves on refresh, never on GET /users/me", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const signedInAt = new Date(t.clock.now()).toISOString();
    t.clock.advanceSeconds(120);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
    expect((await sessions(t, u.access)).body.sessions[0]).toMatchObject({ createdAt: signedInAt, lastSeenAt: signedInAt });
    const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
    expect(refreshed.status).toBe(200);
    const [after] = (await sessions(t, refreshed.body.access_token)).body.sessions;
    expect(after).toMatchObject({ createdAt: signedInAt, lastSeenAt: new Date(t.clock.now()).toISOString(), current: true });
  });

  test("GET /users/me makes no store write and no call beyond the session check", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "GET", "/users/me", { token: u.access }); // fills the user's cached copy
    const calls: string[] = [];
    const counted = { app: createApp({ ...t.services, store: recordCalls(t.store, calls, "store."), users: recordCalls(t.services.users, calls, "db.") }) };
    expect((await call(counted, "GET", "/users/me", { token: u.access })).status).toBe(200);
    expect(calls).toEqual(["store.getMany"]);
  });

  test("the list costs two store round trips whatever the number of sessions", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (let i = 0; i < 5; i++) await login(t, u.email, u.password);
    const calls: string[] = [];
    const counted = { app: createApp({ ...t.services, store: recordCalls(t.store, calls) }) };
    const res = await call(counted, "GET", "/users/me/sessions", { token: u.access });
    expect(res.body.sessions).toHaveLength(6);
    expect(calls).toEqual(["getMany", "setMembers", "getMany"]); // the auth check, then the list
  });

  test("ended sessions are left out", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const second = await login(t, u.email, u.password);
    expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: second.body.refresh_token } })).status).toBe(204);
    expect((await sessions(t, u.access)).body.sessions.map((s: { id: string }) => s.id)).toEqual([sid(u.access)]);
  });

  test("needs a bearer token", async () => {
    const t = await buildTestApp();
    expect((await call(t, "GET", "/users/me/sessions")).status).toBe(401);
  });
});

describe("DELETE /users/me/sessions/{id}", () => {
  test("ends that session at once: its access and refresh tokens fail; the caller's goes on", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const other = await login(t, u.email, u.password);
    expect((await call(t, "GET", "/users/me", { token: other.body.access_token })).status).toBe(200);
    const res = await call(t, "DELETE", `/users/me/sessions/${sid(other.body.access_token)}`, { token: u.access });
    expect(res.status).toBe(204);
    const refused = await call(t, "GET", "/users/me", { token: other.body.access_token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("invalid_token");
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: other.body.refresh_token } })).status).toBe(401);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
    expect((await sessions(t, u.access)).body.sessions).toHaveLength(1);
    const [event] = await events(t, u.user.id);
    expect(event).toMatchObject({ type: "session_revoked", userId: u.user.id, sessionId: sid(u.access), actorId: null });
  });

  test("the caller may end its own session (like logout)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    expect((await call(t, "DELETE", `/users/me/sessions/${sid(u.access)}`, { token: u.access })).status).toBe(204);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
  });

  test("another user's session, an unknown id, an ended one and junk are all 404, and end nothing", async () => {
    const t = await buildTestApp();
    const a = await signUp(t);
    const b = await signUp(t);
    const ended = await login(t, a.email, a.password);
    await call(t, "POST", "/auth/logout", { json: { refresh_token: ended.body.refresh_token } });
    for (const id of [sid(b.access), "AAAAAAAAAAAAAAAAAAAAAA", sid(ended.body.access_token), "..%2F..", "a%00b", "x".repeat(65)]) {
      const res = await call(t, "DELETE", `/users/me/sessions/${id}`, { token: a.access });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
    expect((await call(t, "GET", "/users/me", { token: b.access })).status).toBe(200);
    expect((await call(t, "GET", "/users/me", { token: a.access })).status).toBe(200);
  });
});

describe("admin: a user's sessions", () => {
  test("GET /users/{id}/sessions lists them with current false; DELETE ends every one", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    const second = await login(t, u.email, u.password);
    const list = await call(t, "GET", `/users/${u.user.id}/sessions`, { token: admin.access });
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((s: { id: string }) => s.id).sort()).toEqual([sid(u.access), sid(second.body.access_token)].sort());
    expect(list.body.sessions.every((s: { current: boolean }) => s.current === false)).toBe(true);

    expect((await call(t, "DELETE", `/users/${u.user.id}/sessions`, { token: admin.access })).status).toBe(204);
    for (const token of [u.access, second.body.access_token]) expect((await call(t, "GET", "/users/me", { token })).status).toBe(401);
    expect((await call(t, "GET", `/users/${u.user.id}/sessions`, { token: admin.access })).body.sessions).toEqual([]);
    expect((await call(t, "GET", "/users/me", { token: admin.access })).status).toBe(200);
    const [event] = await events(t, u.user.id);
    expect(event).toMatchObject({ type: "sessions_revoked", userId: u.user.id, actorId: expect.any(String), sessionId: sid(admin.access) });
  });

  test("an unknown or malformed user id is 404; a non-admin is 403 and ends nothing", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    for (const method of ["GET", "DELETE"]) {
      expect((await call(t, method, `/users/${crypto.randomUUID()}/sessions`, { token: admin.access })).status).toBe(404);
      expect((await call(t, method, "/users/not-a-uuid/sessions", { token: admin.access })).status).toBe(404);
      const denied = await call(t, method, `/users/${u.user.id}/sessions`, { token: u.access });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe("forbidden");
    }
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
  });
});
