import { expect, test } from "bun:test";
import { createApp } from "../src/app";
import { buildTestApp, type TestApp } from "./support/app";
import { recordCalls } from "./support/counting";
import { call, signInAdmin, signUp } from "./support/http";

const claims = (jwt: string) => JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));

/** The same test app, with every store and repository call counted. */
function counted(t: TestApp) {
  const calls: string[] = [];
  const app = createApp({ ...t.services, store: recordCalls(t.store, calls, "store."), users: recordCalls(t.services.users, calls, "db.") });
  return { ...t, app, calls };
}

test("GET /users/me: once cached, one store round trip and no database query", async () => {
  const t = counted(await buildTestApp());
  const u = await signUp(t, undefined, undefined, "Ada");
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200); // fills the copy
  t.calls.length = 0;
  const me = await call(t, "GET", "/users/me", { token: u.access });
  expect(me.status).toBe(200);
  expect(me.body.name).toBe("Ada");
  expect(t.calls).toEqual(["store.getMany"]);
});

test("POST /auth/refresh: once cached, one store round trip (one script) and no database query", async () => {
  // The per-client limit (one increment per /auth request) is a separate concern, switched off here.
  const t = counted(await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } }));
  const u = await signUp(t);
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200); // fills the copy
  t.calls.length = 0;
  const r = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
  expect(r.status).toBe(200);
  expect(t.calls).toEqual(["store.runScript"]);
});

test("a profile change shows on the very next GET /users/me", async () => {
  const t = await buildTestApp();
  const u = await signUp(t, undefined, undefined, "Before");
  expect((await call(t, "GET", "/users/me", { token: u.access })).body.name).toBe("Before");
  expect((await call(t, "PATCH", "/users/me", { token: u.access, json: { name: "After" } })).status).toBe(200);
  expect((await call(t, "GET", "/users/me", { token: u.access })).body.name).toBe("After");
});

test("disabling a cached user ends GET /users/me and refresh at once", async () => {
  const t = await buildTestApp();
  const admin = await signInAdmin(t);
  const u = await signUp(t);
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
  const patch = await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: true } });
  expect(patch.status).toBe(200);
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
  expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(401);
});

test("a role change reaches GET /users/me and the next refreshed token, not the stale copy", async () => {
  const t = await buildTestApp();
  const admin = await signInAdmin(t);
  const u = await signUp(t);
  const first = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } }); // fills the copy
  expect(claims(first.body.access_token).role).toBe("user");
  expect((await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { role: "admin" } })).status).toBe(200);
  expect((await call(t, "GET", "/users/me", { token: u.access })).body.role).toBe("admin");
  const next = await call(t, "POST", "/auth/refresh", { json: { refresh_token: first.body.refresh_token } });
  expect(next.status).toBe(200);
  expect(claims(next.body.access_token).role).toBe("admin");
});

test("a deleted user's copy is gone with them", async () => {
  const t = await buildTestApp();
  const u = await signUp(t);
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
  expect((await call(t, "DELETE", "/users/me", { token: u.access, json: { password: u.password } })).status).toBe(204);
  expect(await t.store.get(`u:${u.user.id}`)).toBeNull();
  expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
});
