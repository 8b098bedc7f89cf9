import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp, type Json } from "./support/http";

const PASSWORD = "correct horse battery";
const create = (t: TestApp, access: string, json: Json) => call(t, "POST", "/users", { token: access, json });
const list = (t: TestApp, access: string, query = "") => call(t, "GET", `/users${query}`, { token: access });

describe("admin routes need an admin", () => {
  test("a non-admin gets 403 forbidden on every admin route; no token gets 401", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const id = u.user.id;
    const routes: [string, string, Json?][] = [
      ["GET", "/users"],
      ["POST", "/users", { email: "x@example.com", password: PASSWORD }],
      ["GET", `/users/${id}`],
      ["PATCH", `/users/${id}`, { role: "admin" }],
      ["DELETE", `/users/${id}`],
    ];
    for (const [method, path, json] of routes) {
      const res = await call(t, method, path, { token: u.access, json });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("forbidden");
      const anon = await call(t, method, path, { json });
      expect(anon.status).toBe(401);
      expect(anon.body.code).toBe("invalid_token");
    }
    expect((await t.services.users.findById(id))!.role).toBe("user");
  });

  test("a demoted admin loses the admin routes on the next request", async () => {
    const t = await buildTestApp();
    const boss = await signInAdmin(t);
    const other = await signInAdmin(t);
    expect((await list(t, other.access)).status).toBe(200);
    const otherId = (await t.services.users.findByEmail(other.email))!.id;
    expect((await call(t, "PATCH", `/users/${otherId}`, { token: boss.access, json: { role: "user" } })).body.role).toBe("user");
    // Same access token (its role claim still says admin): refused now.
    expect((await list(t, other.access)).status).toBe(403);
    expect((await call(t, "GET", "/users/me", { token: other.access })).body.role).toBe("user");
  });
});

describe("POST /users and GET /users/{id}", () => {
  test("creates a user with role and verification; the user can log in", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const res = await create(t, admin.access, { email: " New@Example.com", password: PASSWORD, name: "New", role: "admin", emailVerified: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: "new@example.com", name: "New", role: "admin", emailVerified: true, disabled: false });
    expect((await call(t, "GET", `/users/${res.body.id}`, { token: admin.access })).body).toEqual(res.body);
    expect((await call(t, "POST", "/auth/login", { json: { email: "new@example.com", password: PASSWORD } })).status).toBe(200);
  });

  test("defaults: role user, unverified, name null; 409 email_taken; 400 on bad input", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const res = await create(t, admin.access, { email: "plain@example.com", password: PASSWORD });
    expect(res.body).toMatchObject({ role: "user", emailVerified: false, name: null });
    expect((await create(t, admin.access, { email: "PLAIN@example.com", password: PASSWORD })).body.code).toBe("email_taken");
    for (const bad of [{ email: "x@example.com", password: "short" }, { email: "x@example.com", password: PASSWORD, role: "root" }, { email: "x@example.com", password: PASSWORD, disabled: true }]) {
      const r = await create(t, admin.access, bad);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("validation_failed");
    }
  });

  test("an unknown id, or one that is not a uuid, is 404 not_found", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const res = await call(t, method, `/users/${id}`, { token: admin.access, json: method === "PATCH" ? { name: "x" } : undefined });
        expect(res.status).toBe(404);
        expect(res.body.code).toBe("not_found");
      }
    }
  });
});

describe("PATCH and DELETE /users/{id}", () => {
  test("edits name, role, verification; disabling ends the user's sessions and refuses their login", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    const edited = await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { name: "Renamed", emailVerified: false } });
    expect(edited.body).toMatchObject({ name: "Renamed", emailVerified: false });
    await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { emailVerified: true } });
    const disabled = await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: true } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect((await call(t, "GET", "/users/me", { token: u.access })).body.code).toBe("invalid_token");
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).body.code).toBe("invalid_token");
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).body.code).toBe("forbidden");
    await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: false } });
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(200);
  });

  test("unknown fields (email, password) are refused", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    for (const json of [{ email: "x@example.com" }, { password: PASSWORD }]) {
      expect((await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json })).status).toBe(400);
    }
  });

  test("deleting a user ends their sessions", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    const res = await call(t, "DELETE", `/users/${u.user.id}`, { token: admin.access });
    expect(res.status).toBe(204);
    expect((await call(t, "GET", `/users/${u.user.id}`, { token: admin.access })).status).toBe(404);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(401);
    expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } })).status).toBe(401);
  });

  test("the last active admin cannot be demoted, disabled or deleted (409 last_admin)", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const id = (await t.services.users.findByEmail(admin.email))!.id;
    for (const [method, json] of [["PATCH", { role: "user" }], ["PATCH", { disabled: true }], ["DELETE", undefined]] as const) {
      const res = await call(t, method, `/users/${id}`, { token: admin.access, json });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe("last_admin");
    }
    const self = await call(t, "DELETE", "/users/me", { token: admin.access, json: { password: admin.password } });
    expect(self.body.code).toBe("last_admin");
    expect((await t.services.users.findById(id))).toMatchObject({ role: "admin", disabled: false });
    // Harmless edits of the last admin are fine.
    expect((await call(t, "PATCH", `/users/${id}`, { token: admin.access, json: { name: "Root", role: "admin", disabled: false } })).status).toBe(200);
  });

  test("two admins demoting/disabling each other at once: exactly one succeeds, one active admin remains", async () => {
    const t = await buildTestApp();
    const a = await signInAdmin(t);
    const b = await signInAdmin(t);
    const idOf = async (email: string) => (await t.services.users.findByEmail(email))!.id;
    const [ra, rb] = await Promise.all([
      call(t, "PATCH", `/users/${await idOf(b.email)}`, { token: a.access, json: { role: "user" } }),
      call(t, "PATCH", `/users/${await idOf(a.email)}`, { token: b.access, json: { disabled: true } }),
    ]);
    // The loser is refused by the guard (409) or, if it ran after the other change, by its lost rights (401/403).
    expect([ra, rb].filter((r) => r.status === 200)).toHaveLength(1);
    expect([401, 403, 409]).toContain((ra.status === 200 ? rb : ra).status);
    const admins = (await list(t, ra.status === 200 ? a.access : b.access)).body.users.filter((u: Json) => u.role === "admin" && !u.disabled);
    expect(admins).toHaveLength(1);
  });

  test("the repository guard holds when two last-admin changes run at once", async () => {
    const t = await buildTestApp();
    const mk = (email: string) => t.services.users.create({ email, passwordHash: "x", role: "admin", emailVerified: true });
    const [a, b] = [await mk("ga@example.com"), await mk("gb@example.com")];
    const results = await Promise.all([
      t.services.users.updateGuarded(a.id, { role: "user" }),
      t.services.users.deleteGuarded(b.id),
    ]);
    expect(results.filter((r) => "error" in r && r.error === "last_admin")).toHaveLength(1);
  });

  test("an admin deleting themself (another admin remains) ends their own sessions", async () => {
    const t = await buildTestApp();
    const a = await signInAdmin(t);
    await signInAdmin(t);
    const id = (await t.services.users.findByEmail(a.email))!.id;
    expect((await call(t, "DELETE", `/users/${id}`, { token: a.access })).status).toBe(204);
    expect((await list(t, a.access)).status).toBe(401);
  });

  test("a disabled admin does not count as an active admin", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const second = await create(t, admin.access, { email: "second@example.com", password: PASSWORD, role: "admin", emailVerified: true });
    expect((await call(t, "PATCH", `/users/${second.body.id}`, { token: admin.access, json: { disabled: true } })).status).toBe(200);
    const id = (await t.services.users.findByEmail(admin.email))!.id;
    expect((await call(t, "PATCH", `/users/${id}`, { token: admin.access, json: { role: "user" } })).body.code).toBe("last_admin");
    // Removing the disabled admin is allowed; so is demoting yourself once another admin is active.
    expect((await call(t, "PATCH", `/users/${second.body.id}`, { token: admin.access, json: { disabled: false } })).status).toBe(200);
    expect((await call(t, "PATCH", `/users/${id}`, { token: admin.access, json: { role: "user" } })).status).toBe(200);
    expect((await list(t, admin.access)).status).toBe(403);
  });
});
