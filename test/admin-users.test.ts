import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp, type Json } from "./support/http";

const PASSWORD = "correct horse battery";
const create = (t: TestApp, access: string, json: Json) => call(t, "POST", "/users", { token: access, json });
const list = (t: TestApp, access: string, query = "") => call(t, "GET", `/users${query}`, { token: access });
const emails = (body: Json) => (body.users as Json[]).map((u) => u.email as string);

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

describe("GET /users: keyset pagination and search", () => {
  test("walking every page while users are inserted: no duplicates, no pre-existing user skipped", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    for (let i = 0; i < 23; i++) {
      t.clock.advance(1);
      await create(t, admin.access, { email: `pre-${String(i).padStart(2, "0")}@example.com`, password: PASSWORD });
    }
    const before = new Set([admin.email, ...Array.from({ length: 23 }, (_, i) => `pre-${String(i).padStart(2, "0")}@example.com`)]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res: Awaited<ReturnType<typeof list>> = await list(t, admin.access, `?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(5);
      seen.push(...emails(res.body));
      cursor = res.body.nextCursor;
      // Inserts between page fetches, some timestamped before the page just read.
      t.clock.advance(page % 2 === 0 ? 1 : -30);
      await create(t, admin.access, { email: `mid-${page++}@example.com`, password: PASSWORD });
    } while (cursor && page < 50);
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    for (const email of before) expect(seen).toContain(email);
  });

  test("the last page has nextCursor null; limit defaults to 50 and is bounded to 1..100", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    for (let i = 0; i < 3; i++) await create(t, admin.access, { email: `u${i}@example.com`, password: PASSWORD });
    const all = await list(t, admin.access);
    expect(all.body.users).toHaveLength(4);
    expect(all.body.nextCursor).toBeNull();
    const exact = await list(t, admin.access, "?limit=4");
    expect(exact.body.nextCursor).toBeNull();
    expect((await list(t, admin.access, "?limit=1")).body.users).toHaveLength(1);
    expect((await list(t, admin.access, "?limit=100")).status).toBe(200);
    for (const q of ["?limit=0", "?limit=101", "?limit=abc", "?limit=1.5", "?limit=-1"]) {
      const res = await list(t, admin.access, q);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.errors[0].path).toBe("limit");
    }
  });

  test("a bad cursor is 400 validation_failed", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    for (const cursor of ["garbage!", btoa("not-a-uuid"), "%%%"]) {
      const res = await list(t, admin.access, `?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("validation_failed");
    }
  });

  test("q filters by email or name prefix, case-insensitively, with % and _ taken literally", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t, "root@admins.example");
    const users: [string, string | undefined][] = [
      ["alice@example.com", "Zed"],
      ["alfred@example.com", undefined],
      ["bob@example.com", "Alpha Bob"],
      ["a_b@example.com", undefined],
      ["axb@example.com", undefined],
      // zod's email check refuses %, so the % cases go through names.
      ["percent@example.com", "100% Done"],
      ["thousand@example.com", "1000 Done"],
    ];
    for (const [email, name] of users) await create(t, admin.access, { email, password: PASSWORD, ...(name ? { name } : {}) });
    const search = async (q: string) => emails((await list(t, admin.access, `?q=${encodeURIComponent(q)}`)).body).sort();
    expect(await search("al")).toEqual(["alfred@example.com", "alice@example.com", "bob@example.com"]);
    expect(await search("AL")).toEqual(["alfred@example.com", "alice@example.com", "bob@example.com"]);
    expect(await search("a_")).toEqual(["a_b@example.com"]);
    expect(await search("100%")).toEqual(["percent@example.com"]);
    expect(await search("100")).toEqual(["percent@example.com", "thousand@example.com"]);
    expect(await search("%")).toEqual([]);
    expect(await search("example")).toEqual([]);
    expect(await search("zed")).toEqual(["alice@example.com"]);
    expect(await search("a_b@example.com")).toEqual(["a_b@example.com"]);
    expect((await search("")).length).toBe(8);
  });

  test("q pages with the same keyset cursor", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    for (let i = 0; i < 5; i++) await create(t, admin.access, { email: `page${i}@example.com`, password: PASSWORD });
    const first = await list(t, admin.access, "?q=page&limit=3");
    expect(first.body.users).toHaveLength(3);
    const second = await list(t, admin.access, `?q=page&limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.users).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...emails(first.body), ...emails(second.body)]).size).toBe(5);
  });

  test("unknown query parameters are refused", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    expect((await list(t, admin.access, "?sort=email")).status).toBe(400);
  });
});
