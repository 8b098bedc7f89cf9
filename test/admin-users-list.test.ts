import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, type Json } from "./support/http";

const PASSWORD = "correct horse battery";
const create = (t: TestApp, access: string, json: Json) => call(t, "POST", "/users", { token: access, json });
const list = (t: TestApp, access: string, query = "") => call(t, "GET", `/users${query}`, { token: access });
const emails = (body: Json) => (body.users as Json[]).map((u) => u.email as string);

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
