import { beforeEach, describe, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { signUp } from "./support/http";
import { parallelConfirm, parallelOneMfaToken, parallelRecoveryCode, parallelTotpOneCode, totpLifecycle } from "./support/mfa-scenarios";

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" } });
});

describe("used once under parallel requests", () => {
  test("one TOTP code on ten mfa_tokens: exactly one 200", () => parallelTotpOneCode(t));
  test("one mfa_token, ten second steps: one session", () => parallelOneMfaToken(t));
  test("one recovery code on ten mfa_tokens: exactly one 200", () => parallelRecoveryCode(t));
  test("ten confirms of one enrollment: exactly one turns TOTP on", () => parallelConfirm(t, (x) => signUp(x)));
  test("the whole life of a second factor", () => totpLifecycle(t));
});
