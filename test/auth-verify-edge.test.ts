import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { call } from "./support/http";

const register = (t: TestApp, email: string) => call(t, "POST", "/auth/register", { json: { email, password: "correct horse battery" } });
const verify = (t: TestApp, email: string, code: string) => call(t, "POST", "/auth/verify", { json: { email, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("disabled accounts and codes", () => {
  test("a disabled account's valid code is 403 forbidden, and resend sends it nothing", async () => {
    const t = await buildTestApp();
    const email = "off@example.com";
    const reg = await register(t, email);
    await t.services.users.update(reg.body.user.id, { disabled: true });
    const res = await verify(t, email, t.mailer.lastCode(email));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect(res.body.access_token).toBeUndefined();
    t.clock.advanceSeconds(61);
    await t.services.users.update(reg.body.user.id, { emailVerified: false });
    expect((await call(t, "POST", "/auth/verify/resend", { json: { email } })).status).toBe(202);
    expect(t.mailer.count(email)).toBe(1);
  });
});

describe("races", () => {
  test("the same email registered twice at once: one 201, one 409", async () => {
    const t = await buildTestApp();
    const replies = await Promise.all([register(t, "race@example.com"), register(t, "RACE@example.com")]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  test("one code presented twice at once signs in once", async () => {
    const t = await buildTestApp();
    await register(t, "twice@example.com");
    const code = t.mailer.lastCode("twice@example.com");
    const replies = await Promise.all([verify(t, "twice@example.com", code), verify(t, "twice@example.com", code)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  test("parallel wrong guesses use up the budget: the right code then fails", async () => {
    const t = await buildTestApp();
    await register(t, "guess@example.com");
    const code = t.mailer.lastCode("guess@example.com");
    await Promise.all(Array.from({ length: 8 }, () => verify(t, "guess@example.com", wrong(code))));
    expect((await verify(t, "guess@example.com", code)).body.code).toBe("invalid_code");
  });
});
