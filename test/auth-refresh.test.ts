import { describe, expect, test } from "bun:test";
import { hashRefreshToken } from "../src/auth/tokens";
import { buildTestApp, type TestApp } from "./support/app";
import { expectInvalidToken, jwtClaims } from "./support/expect";
import { call, signUp } from "./support/http";

const refresh = (t: TestApp, token: string) => call(t, "POST", "/auth/refresh", { json: { refresh_token: token } });
const me = (t: TestApp, access: string) => call(t, "GET", "/users/me", { token: access });
const sid = (jwt: string) => jwtClaims(jwt).sid as string;

describe("POST /auth/refresh: rotation", () => {
  test("gives a new pair in the same session; the old access token keeps working", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const r1 = await refresh(t, u.refresh);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(u.refresh);
    expect(r1.body.access_token).not.toBe(u.access);
    expect(sid(r1.body.access_token)).toBe(sid(u.access));
    expect((await me(t, r1.body.access_token)).status).toBe(200);
    expect((await me(t, u.access)).status).toBe(200);
    expect((await refresh(t, r1.body.refresh_token)).status).toBe(200);
  });

  test("the refresh token is stored only as a hash, and a used one stays until it would expire", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const hash = await hashRefreshToken(u.refresh);
    expect(await t.store.get(`rt:${u.refresh}`)).toBeNull();
    expect(await t.store.get(`rt:${hash}`)).not.toBeNull();
    await refresh(t, u.refresh);
    expect(await t.store.get(`rt:${hash}`)).not.toBeNull();
    expect(await t.store.get(`rtu:${hash}`)).not.toBeNull();
  });

  test("unknown, garbage and empty tokens are 401 invalid_token; a missing field is 400", async () => {
    const t = await buildTestApp();
    expectInvalidToken(await refresh(t, "A".repeat(43)));
    expectInvalidToken(await refresh(t, ""));
    expect((await call(t, "POST", "/auth/refresh", { json: {} })).body.code).toBe("validation_failed");
  });

  test("a token of any length is a token: an access token or 10,000 characters sent here is 401, not 400", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (const token of [u.access, "x".repeat(201), "x".repeat(10_000), "é".repeat(1000)]) {
      expectInvalidToken(await refresh(t, token));
      expectInvalidToken(await call(t, "POST", "/auth/token", { form: { grant_type: "refresh_token", refresh_token: token } }));
    }
    // The body limit still bounds it.
    expect((await refresh(t, "x".repeat(20_000))).status).toBe(413);
    expect((await me(t, u.access)).status).toBe(200);
  });

  test("a refreshed pair carries the user's current role", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await t.services.users.update(u.user.id, { role: "admin" });
    const r = await refresh(t, u.refresh);
    expect(jwtClaims(r.body.access_token).role).toBe("admin");
  });

  test("a disabled or deleted user's refresh token is refused", async () => {
    const t = await buildTestApp();
    const a = await signUp(t);
    await t.services.users.update(a.user.id, { disabled: true });
    expectInvalidToken(await refresh(t, a.refresh));
    const b = await signUp(t);
    await t.services.users.deleteGuarded(b.user.id);
    expectInvalidToken(await refresh(t, b.refresh));
  });
});

describe("POST /auth/refresh: reuse grace (REFRESH_REUSE_GRACE, default 10 s)", () => {
  test("a reuse within the grace gets another fresh pair in the same session", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const first = await refresh(t, u.refresh);
    t.clock.advanceSeconds(10);
    const second = await refresh(t, u.refresh);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(sid(second.body.access_token)).toBe(sid(u.access));
    // Both descendants are ordinary, live tokens.
    expect((await refresh(t, first.body.refresh_token)).status).toBe(200);
    expect((await refresh(t, second.body.refresh_token)).status).toBe(200);
  });

  test("a reuse after the grace revokes the whole session: access tokens, descendants, everything", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const other = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    const r1 = await refresh(t, u.refresh);
    const r2 = await refresh(t, r1.body.refresh_token);
    t.clock.advanceSeconds(11);
    expectInvalidToken(await refresh(t, u.refresh));
    for (const access of [u.access, r1.body.access_token, r2.body.access_token]) expectInvalidToken(await me(t, access));
    expectInvalidToken(await refresh(t, r2.body.refresh_token));
    // The user's other session is untouched.
    expect((await me(t, other.body.access_token)).status).toBe(200);
    expect((await refresh(t, other.body.refresh_token)).status).toBe(200);
    expect(t.logger.events("auth.refresh_reuse_detected")).toHaveLength(1);
  });

  test("a pair handed out during the grace is used once like any other", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await refresh(t, u.refresh);
    const graced = await refresh(t, u.refresh);
    expect((await refresh(t, graced.body.refresh_token)).status).toBe(200);
    t.clock.advanceSeconds(11);
    expectInvalidToken(await refresh(t, graced.body.refresh_token));
    expectInvalidToken(await me(t, graced.body.access_token));
  });

  test("the grace counts from the first use, not from the latest reuse", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await refresh(t, u.refresh);
    t.clock.advanceSeconds(8);
    expect((await refresh(t, u.refresh)).status).toBe(200);
    t.clock.advanceSeconds(3);
    expectInvalidToken(await refresh(t, u.refresh));
  });

  test("concurrent refreshes of one token within the grace all succeed", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const replies = await Promise.all(Array.from({ length: 5 }, () => refresh(t, u.refresh)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(5);
    for (const r of replies) expect(sid(r.body.access_token)).toBe(sid(u.access));
    for (const r of replies) expect((await refresh(t, r.body.refresh_token)).status).toBe(200);
  });

  test("REFRESH_REUSE_GRACE=0 is strict single use: any reuse ends the session", async () => {
    const t = await buildTestApp({ env: { REFRESH_REUSE_GRACE: "0" } });
    const u = await signUp(t);
    const r1 = await refresh(t, u.refresh);
    expect(r1.status).toBe(200);
    expectInvalidToken(await refresh(t, u.refresh));
    expectInvalidToken(await me(t, r1.body.access_token));
    expectInvalidToken(await refresh(t, r1.body.refresh_token));
  });

  test("with grace 0, concurrent refreshes of one token: at most one wins, and the reuse still ends the session", async () => {
    const t = await buildTestApp({ env: { REFRESH_REUSE_GRACE: "0" } });
    const u = await signUp(t);
    const replies = await Promise.all(Array.from({ length: 4 }, () => refresh(t, u.refresh)));
    expect(replies.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    // The losers are a reuse: the session is gone, including any winner's tokens.
    expectInvalidToken(await me(t, u.access));
    for (const r of replies.filter((r) => r.status === 200)) {
      expectInvalidToken(await me(t, r.body.access_token));
      expectInvalidToken(await refresh(t, r.body.refresh_token));
    }
  });

  test("a logout racing a refresh of the same session leaves the session ended", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const [rotated] = await Promise.all([refresh(t, u.refresh), call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } })]);
    expectInvalidToken(await me(t, u.access));
    if (rotated.status === 200) {
      expectInvalidToken(await me(t, rotated.body.access_token));
      expectInvalidToken(await refresh(t, rotated.body.refresh_token));
    }
  });
});
