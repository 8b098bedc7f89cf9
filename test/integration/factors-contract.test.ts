import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createFactorRepo, type FactorRepo } from "../../src/db/factors";
import { createUserRepo, type UserRepo } from "../../src/db/users";
import { canRun, pgliteFixture, postgresFixture, truncateUsers, type DbFixture } from "../support/backend-fixtures";
import { createFakeClock } from "../support/clock";

// One contract, every database driver: what the second-factor routes rely on from the factor repo,
// above all that each one-statement write is atomic (data-modifying CTEs, conditional UPDATEs).
const fixtures: DbFixture[] = [pgliteFixture(), postgresFixture(), postgresFixture(true)];
const sealed = { ciphertext: "c1pher", keyId: "k1" };
const hashes = (tag: string) => Array.from({ length: 10 }, (_, i) => `${tag}-hash-${i}`);

for (const f of fixtures) {
  if (!canRun(f)) continue;
  describe(`factor repo contract: ${f.name}`, () => {
    const clock = createFakeClock();
    let repo: FactorRepo;
    let users: UserRepo;
    let uid: string;
    beforeAll(async () => {
      await f.open();
      repo = createFactorRepo(f.db(), clock);
      users = createUserRepo(f.db(), clock);
    }, 30_000);
    afterAll(() => f.close());
    beforeEach(async () => {
      await truncateUsers(f.db());
      uid = (await users.create({ email: `f-${crypto.randomUUID().slice(0, 6)}@example.com`, passwordHash: "x" })).id;
    });

    test("enabling writes the factor and its codes once; a second enable and an unknown user write nothing", async () => {
      expect(await repo.hasTotp(uid)).toBe(false);
      expect(await repo.findTotp(uid)).toBeNull();
      expect(await repo.enableTotp(uid, sealed, 5, hashes("a"))).toBe(true);
      expect(await repo.hasTotp(uid)).toBe(true);
      expect(await repo.findTotp(uid)).toEqual({ ciphertext: "c1pher", keyId: "k1", lastStep: 5 });
      expect(await repo.recoveryCodesRemaining(uid)).toBe(10);
      expect(await repo.enableTotp(uid, { ciphertext: "other", keyId: "k2" }, 9, hashes("b"))).toBe(false);
      expect(await repo.findTotp(uid)).toEqual({ ciphertext: "c1pher", keyId: "k1", lastStep: 5 });
      expect(await repo.useRecoveryCode(uid, "b-hash-0")).toBe(false);
      expect(await repo.useRecoveryCode(uid, "a-hash-0")).toBe(true);
      const ghost = "00000000-0000-7000-8000-000000000000";
      expect(await repo.enableTotp(ghost, sealed, 1, hashes("g"))).toBe(false);
      expect(await repo.hasTotp(ghost)).toBe(false);
    });

    test("ten concurrent enables: exactly one wins, with one set of 10 codes", async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => repo.enableTotp(uid, sealed, i + 1, hashes(`r${i}`))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repo.recoveryCodesRemaining(uid)).toBe(10);
    });

    test("a step is accepted only when later than every accepted one; of ten concurrent, one", async () => {
      await repo.enableTotp(uid, sealed, 100, hashes("a"));
      expect(await repo.acceptTotpStep(uid, 100)).toBe(false);
      expect(await repo.acceptTotpStep(uid, 99)).toBe(false);
      expect(await repo.acceptTotpStep(uid, 101)).toBe(true);
      expect(await repo.acceptTotpStep(uid, 101)).toBe(false);
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.acceptTotpStep(uid, 102)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await repo.findTotp(uid))!.lastStep).toBe(102);
      expect(await repo.acceptTotpStep(crypto.randomUUID(), 500)).toBe(false);
    });

    test("a recovery code is used once, also by ten concurrent callers", async () => {
      await repo.enableTotp(uid, sealed, 1, hashes("a"));
      expect(await repo.useRecoveryCode(uid, "a-hash-1")).toBe(true);
      expect(await repo.useRecoveryCode(uid, "a-hash-1")).toBe(false);
      expect(await repo.useRecoveryCode(uid, "nope")).toBe(false);
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.useRecoveryCode(uid, "a-hash-2")));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repo.recoveryCodesRemaining(uid)).toBe(8);
    });

    test("replacing the codes: the old stop working, the new work; with TOTP off nothing is written", async () => {
      await repo.enableTotp(uid, sealed, 1, hashes("a"));
      await repo.useRecoveryCode(uid, "a-hash-0");
      expect(await repo.replaceRecoveryCodes(uid, hashes("b"))).toBe(true);
      expect(await repo.recoveryCodesRemaining(uid)).toBe(10);
      expect(await repo.useRecoveryCode(uid, "a-hash-3")).toBe(false);
      expect(await repo.useRecoveryCode(uid, "b-hash-3")).toBe(true);
      expect(await repo.removeTotp(uid)).toBe(true);
      expect(await repo.replaceRecoveryCodes(uid, hashes("c"))).toBe(false);
      expect(await repo.recoveryCodesRemaining(uid)).toBe(0);
    });

    test("removing takes the factor and every code, once; deleting the user takes them too", async () => {
      await repo.enableTotp(uid, sealed, 1, hashes("a"));
      expect(await repo.removeTotp(uid)).toBe(true);
      expect(await repo.removeTotp(uid)).toBe(false);
      expect(await repo.hasTotp(uid)).toBe(false);
      expect(await repo.useRecoveryCode(uid, "a-hash-4")).toBe(false);
      expect(await repo.enableTotp(uid, sealed, 2, hashes("d"))).toBe(true);
      expect(await users.deleteGuarded(uid)).toEqual({ deleted: true });
      expect(await repo.hasTotp(uid)).toBe(false);
      expect(await repo.recoveryCodesRemaining(uid)).toBe(0);
    });
  });
}
