import { describe, expect, test } from "bun:test";
import { buildTestApp, type TestApp } from "./support/app";
import { expectInvalidToken } from "./support/expect";
import { call, signUp } from "./support/http";

const refresh = (t: TestApp, token: string) => call(t, "POST", "/auth/refresh", { json: { refresh_token: token } });
const me = (t: TestApp, access: string) => call(t, "GET", "/users/me", { token: access });

describe("token expiry (fake clock)", () => {
  test("an access token expires after ACCESS_TOKEN_TTL; the refresh token still works", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    t.clock.advanceSeconds(899);
    expect((await me(t, u.access)).status).toBe(200);
    t.clock.advanceSeconds(1);
    expectInvalidToken(await me(t, u.access));
    const r = await refresh(t, u.refresh);
    expect(r.status).toBe(200);
    expect((await me(t, r.body.access_token)).status).toBe(200);
  });

  test("a refresh token expires after REFRESH_TOKEN_TTL, and its session with it", async () => {
    const t = await buildTestApp({ env: { REFRESH_TOKEN_TTL: "3600", ACCESS_TOKEN_TTL: "7200" } });
    const u = await signUp(t);
    t.clock.advanceSeconds(3600);
    expectInvalidToken(await refresh(t, u.refresh));
    // The access token is still within its own lifetime, but its session has ended.
    expectInvalidToken(await me(t, u.access));
  });

  test("each rotation extends the session by a full refresh lifetime", async () => {
    const t = await buildTestApp({ env: { REFRESH_TOKEN_TTL: "3600" } });
    const u = await signUp(t);
    t.clock.advanceSeconds(3000);
    const r = await refresh(t, u.refresh);
    expect(r.body.refresh_expires_in).toBe(3600);
    t.clock.advanceSeconds(3000);
    const again = await refresh(t, r.body.refresh_token);
    expect(again.status).toBe(200);
    expect((await me(t, again.body.access_token)).status).toBe(200);
  });
});

describe("logout", () => {
  test("ends the session: its refresh and access tokens fail", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const res = await call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expectInvalidToken(await me(t, u.access));
    expectInvalidToken(await refresh(t, u.refresh));
  });

  test("an already used refresh token of the session ends it too", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const r1 = await refresh(t, u.refresh);
    t.clock.advanceSeconds(60);
    expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } })).status).toBe(204);
    expectInvalidToken(await me(t, r1.body.access_token));
    expectInvalidToken(await refresh(t, r1.body.refresh_token));
  });

  test("only that session ends", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const other = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    await call(t, "POST", "/auth/logout", { json: { refresh_token: u.refresh } });
    expect((await me(t, other.body.access_token)).status).toBe(200);
  });

  test("an unknown token gets 204, whatever its length (an access token, 10,000 characters, empty)", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    for (const token of ["nope", u.access, "x".repeat(10_000), ""]) {
      expect((await call(t, "POST", "/auth/logout", { json: { refresh_token: token } })).status).toBe(204);
    }
    // None of them was this session's: it is still alive.
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
    expect((await call(t, "POST", "/auth/logout", { json: {} })).body.code).toBe("validation_failed");
  });

  test("logout-all ends every session of the user and no one else's", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const someoneElse = await signUp(t);
    const second = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    const res = await call(t, "POST", "/auth/logout-all", { token: u.access });
    expect(res.status).toBe(204);
    for (const access of [u.access, second.body.access_token]) expectInvalidToken(await me(t, access));
    for (const token of [u.refresh, second.body.refresh_token]) expectInvalidToken(await refresh(t, token));
    expect((await me(t, someoneElse.access)).status).toBe(200);
  });

  test("logout-all needs a valid bearer token", async () => {
    const t = await buildTestApp();
    expectInvalidToken(await call(t, "POST", "/auth/logout-all"));
    expectInvalidToken(await call(t, "POST", "/auth/logout-all", { token: "not.a.jwt" }));
  });
});
