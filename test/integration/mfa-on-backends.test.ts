import { afterAll, beforeAll, describe, test } from "bun:test";
import { canRun, postgresFixture, redisStoreFixture, truncateUsers } from "../support/backend-fixtures";
import { buildTestApp, type TestApp } from "../support/app";
import { signUp } from "../support/http";
import { parallelConfirm, parallelOneMfaToken, parallelRecoveryCode, parallelTotpOneCode, totpLifecycle } from "../support/mfa-scenarios";

// The two-step sign-in on the servers and on the edge drivers: the one-statement writes (data-modifying
// CTEs, conditional UPDATEs) on Bun SQL and Neon HTTP, the budget and tokens on Redis and Upstash,
// and every "exactly one wins" race against real concurrency.
const combos = [
  { name: "servers (Postgres + Redis)", db: postgresFixture(), store: redisStoreFixture() },
  { name: "edge drivers (Neon HTTP + Upstash)", db: postgresFixture(true), store: redisStoreFixture(true) },
];

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`two-step sign-in on ${combo.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      await Promise.all([combo.db.open(), combo.store.open()]);
      await truncateUsers(combo.db.db());
      t = await buildTestApp({ db: combo.db.db(), store: combo.store.store(), env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
    }, 60_000);
    afterAll(() => Promise.all([combo.db.close(), combo.store.close()]));

    test("enroll, TOTP, replay refused, recovery code, refresh, regenerate, turn off", () => totpLifecycle(t), 30_000);
    test("one TOTP code on ten mfa_tokens: exactly one 200", () => parallelTotpOneCode(t), 30_000);
    test("one mfa_token, ten second steps: one session", () => parallelOneMfaToken(t), 30_000);
    test("one recovery code on ten mfa_tokens: exactly one 200", () => parallelRecoveryCode(t), 30_000);
    test("ten confirms of one enrollment: exactly one turns TOTP on", () => parallelConfirm(t, (x) => signUp(x)), 30_000);
  });
}
