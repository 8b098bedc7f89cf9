import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import type { Hasher } from "../src/auth/hasher";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp } from "./support/http";

/**
 * A real hasher whose verify waits at a gate: the test changes the account while a login is
 * between "password checked" and "session started", the window a revocation must not miss.
 */
function gatedApp(t: TestApp) {
  let entered!: () => void;
  let release!: () => void;
  const inVerify = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  const hasher: Hasher = {
    hash: t.services.hasher.hash,
    async verify(password, hash) {
      const ok = await t.services.hasher.verify(password, hash);
      entered();
      await gate;
      return ok;
    },
  };
  return { app: { app: createApp({ ...t.services, hasher }) }, inVerify, release };
}

describe("requests in flight cannot outlive or undo a password reset, change or disable that lands meanwhile", () => {
  test("password reset during a login with the old password", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const g = gatedApp(t);
    const login = call(g.app, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    await g.inVerify;
    const reset = await call(t, "POST", "/auth/password/reset", {
      json: { email: u.email, code: t.mailer.lastCode(u.email, "reset-password"), password: "the new password" },
    });
    expect(reset.status).toBe(204);
    g.release();
    const res = await login;
    // Either refused outright, or its session is already gone: never a live session on the old password.
    if (res.status === 200) expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).status).toBe(401);
    else expect(res.body.code).toBe("invalid_credentials");
  });

  test("an admin disabling the account during a login", async () => {
    const t = await buildTestApp();
    const admin = await signInAdmin(t);
    const u = await signUp(t);
    const g = gatedApp(t);
    const login = call(g.app, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    await g.inVerify;
    expect((await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: true } })).status).toBe(200);
    g.release();
    const res = await login;
    if (res.status === 200) expect((await call(t, "POST", "/auth/refresh", { json: { refresh_token: res.body.refresh_token } })).status).toBe(401);
    else expect(res.body.code).toBe("forbidden");
  });

  test("a password change elsewhere during a login keeps only the changer's session", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const g = gatedApp(t);
    const login = call(g.app, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    await g.inVerify;
    const change = await call(t, "POST", "/users/me/password", { token: u.access, json: { currentPassword: u.password, newPassword: "the new password" } });
    expect(change.status).toBe(204);
    g.release();
    const res = await login;
    if (res.status === 200) expect((await call(t, "GET", "/users/me", { token: res.body.access_token })).status).toBe(401);
    expect((await call(t, "GET", "/users/me", { token: u.access })).status).toBe(200);
  });

  test("a bcrypt cost upgrade at login never overwrites a password reset that landed meanwhile", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const g = gatedApp(await buildTestApp({ env: { BCRYPT_COST: "5" }, keepData: true }));
    const login = call(g.app, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    await g.inVerify;
    const code = t.mailer.lastCode(u.email, "reset-password");
    expect((await call(t, "POST", "/auth/password/reset", { json: { email: u.email, code, password: "the new password" } })).status).toBe(204);
    g.release();
    await login;
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: "the new password" } })).status).toBe(200);
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } })).status).toBe(401);
  });

  test("a password change in flight never overwrites a reset that landed meanwhile", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    await call(t, "POST", "/auth/password/forgot", { json: { email: u.email } });
    const g = gatedApp(t);
    const change = call(g.app, "POST", "/users/me/password", { token: u.access, json: { currentPassword: u.password, newPassword: "the thief's password" } });
    await g.inVerify;
    const code = t.mailer.lastCode(u.email, "reset-password");
    expect((await call(t, "POST", "/auth/password/reset", { json: { email: u.email, code, password: "the owner's password" } })).status).toBe(204);
    g.release();
    expect((await change).status).toBe(401);
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: "the owner's password" } })).status).toBe(200);
    expect((await call(t, "POST", "/auth/login", { json: { email: u.email, password: "the thief's password" } })).status).toBe(401);
  });

  test("a login that races nothing is unaffected, including a bcrypt cost upgrade", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const t5 = await buildTestApp({ env: { BCRYPT_COST: "5" }, keepData: true });
    const [a, b] = await Promise.all([
      call(t5, "POST", "/auth/login", { json: { email: u.email, password: u.password } }),
      call(t5, "POST", "/auth/login", { json: { email: u.email, password: u.password } }),
    ]);
    for (const res of [a, b]) {
      expect(res.status).toBe(200);
      expect((await call(t5, "GET", "/users/me", { token: res.body.access_token })).status).toBe(200);
    }
  });
});
