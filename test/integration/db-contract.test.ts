import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { EmailTakenError } from "../../src/db/errors";
import { createUserRepo, type UserRepo } from "../../src/db/users";
import { canRun, pgliteFixture, postgresFixture, truncateUsers, type DbFixture } from "../support/backend-fixtures";
import { createFakeClock } from "../support/clock";

// One contract, every database driver: what the routes rely on from the users repository.
const fixtures: DbFixture[] = [pgliteFixture(), postgresFixture(), postgresFixture(true)];

for (const f of fixtures) {
  if (!canRun(f)) continue;
  describe(`db contract: ${f.name}`, () => {
    const clock = createFakeClock();
    let repo: UserRepo;
    beforeAll(async () => {
      await f.open();
      repo = createUserRepo(f.db(), clock);
    }, 30_000);
    afterAll(() => f.close());
    beforeEach(() => truncateUsers(f.db()));

    const newUser = (email: string, extra: Partial<Parameters<UserRepo["create"]>[0]> = {}) =>
      repo.create({ email, passwordHash: "$2b$04$not-a-real-hash", ...extra });

    test("create fills defaults; find by id and by email; null when missing", async () => {
      const u = await newUser("a@example.com", { name: "Ann" });
      expect(u).toMatchObject({ email: "a@example.com", name: "Ann", role: "user", emailVerified: false, disabled: false });
      expect(u.createdAt).toBeInstanceOf(Date);
      expect(u.createdAt.getTime()).toBe(clock.now());
      expect(await repo.findById(u.id)).toEqual(u);
      expect(await repo.findByEmail("a@example.com")).toEqual(u);
      expect(await repo.findByEmail("nobody@example.com")).toBeNull();
      expect(await repo.findById("00000000-0000-7000-8000-000000000000")).toBeNull();
    });

    test("a second account with the same email is EmailTakenError", async () => {
      await newUser("dup@example.com");
      await expect(newUser("dup@example.com")).rejects.toBeInstanceOf(EmailTakenError);
    });

    test("10 concurrent creates of one email: exactly one succeeds, the rest are EmailTakenError", async () => {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => newUser("race@example.com")));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(rejected).toHaveLength(9);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(EmailTakenError);
      expect(await repo.list({ limit: 50 })).toHaveLength(1);
    });

    test("a listing reads every public column and never the password hash", async () => {
      const created = await newUser("listed@example.com");
      const [row] = await repo.list({ limit: 1 });
      const { passwordHash, ...rest } = created;
      expect(passwordHash).toStartWith("$2");
      expect(row).toEqual(rest);
      expect(Object.keys(row!)).not.toContain("passwordHash");
    });

    test("update changes the fields and updatedAt; null for a missing user", async () => {
      const u = await newUser("up@example.com");
      clock.advanceSeconds(5);
      const updated = await repo.update(u.id, { name: "New", emailVerified: true });
      expect(updated).toMatchObject({ name: "New", emailVerified: true, email: "up@example.com" });
      expect(updated!.updatedAt.getTime()).toBe(u.updatedAt.getTime() + 5000);
      expect(await repo.update("00000000-0000-7000-8000-000000000000", { name: "x" })).toBeNull();
    });

    test("guarded update and delete never leave no active admin", async () => {
      const a = await newUser("admin1@example.com", { role: "admin" });
      expect(await repo.updateGuarded(a.id, { role: "user" })).toEqual({ error: "last_admin" });
      expect(await repo.updateGuarded(a.id, { disabled: true })).toEqual({ error: "last_admin" });
      expect(await repo.deleteGuarded(a.id)).toEqual({ error: "last_admin" });
      expect(await repo.updateGuarded(a.id, { name: "Still admin" })).toMatchObject({ user: { name: "Still admin" } });
      const b = await newUser("admin2@example.com", { role: "admin" });
      expect(await repo.updateGuarded(a.id, { role: "user" })).toMatchObject({ user: { role: "user" } });
      expect(await repo.deleteGuarded(b.id)).toEqual({ error: "last_admin" });
      expect(await repo.deleteGuarded(a.id)).toEqual({ deleted: true });
      expect(await repo.deleteGuarded(a.id)).toEqual({ error: "not_found" });
      expect(await repo.updateGuarded(a.id, { name: "x" })).toEqual({ error: "not_found" });
    });

    test("two concurrent demotions of the last two admins: exactly one succeeds", async () => {
      const a = await newUser("c1@example.com", { role: "admin" });
      const b = await newUser("c2@example.com", { role: "admin" });
      const results = await Promise.all([repo.updateGuarded(a.id, { role: "user" }), repo.updateGuarded(b.id, { role: "user" })]);
      expect(results.filter((r) => "user" in r)).toHaveLength(1);
      expect(results.filter((r) => "error" in r && r.error === "last_admin")).toHaveLength(1);
    });

    test("list pages by id in creation order and searches by prefix (wildcards are literal)", async () => {
      const emails = ["a_b@example.com", "axb@example.com", "bob@example.com", "carol@example.com"];
      for (const email of emails) {
        clock.advance(1);
        await newUser(email, { name: email.startsWith("c") ? "Zed" : null });
      }
      const first = await repo.list({ limit: 2 });
      expect(first.map((u) => u.email)).toEqual(emails.slice(0, 2));
      const second = await repo.list({ limit: 2, after: first[1]!.id });
      expect(second.map((u) => u.email)).toEqual(emails.slice(2));
      expect((await repo.list({ limit: 10, q: "a_" })).map((u) => u.email)).toEqual(["a_b@example.com"]);
      expect((await repo.list({ limit: 10, q: "zed" })).map((u) => u.email)).toEqual(["carol@example.com"]);
    });

    test("ping answers", async () => {
      await repo.ping();
    });
  });
}
