import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditEvents, passkeys } from "../src/db/schema";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signInAdmin, signUp } from "./support/http";
import { addPasskey, claimsOf, passkeyLogin, PASSKEY_ENV, PASSKEY_ORIGIN } from "./support/passkeys";
import { SoftwareAuthenticator } from "./support/software-authenticator";

const newApp = () => buildTestApp({ env: PASSKEY_ENV });
const loginOptions = (t: TestApp) => call(t, "POST", "/auth/passkey/options", { json: {} });
const login = (t: TestApp, credential: unknown) => call(t, "POST", "/auth/passkey/login", { json: { credential } });
const expectRefused = (res: { status: number; body: Record<string, unknown> }) => {
  expect(res.status).toBe(401);
  expect(res.body.code).toBe("invalid_credentials");
};

/** A verified user with one passkey on a fresh software authenticator. */
async function withPasskey(t: TestApp, over: Parameters<SoftwareAuthenticator["create"]>[1] = {}) {
  const u = await signUp(t);
  const device = new SoftwareAuthenticator(PASSKEY_ORIGIN);
  const added = await addPasskey(t, u.access, device, over);
  if (added.status !== 201) throw new Error(`add ${added.status}: ${added.text}`);
  return { ...u, device, passkeyId: added.body.id as string };
}

describe("POST /auth/passkey/options", () => {
  test("no allowCredentials, user verification required, RP ID from config, a fresh challenge each time", async () => {
    const t = await newApp();
    const a = await loginOptions(t);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ rpId: "localhost", userVerification: "required", timeout: 300_000 });
    expect(a.body.allowCredentials).toBeUndefined();
    expect((await loginOptions(t)).body.challenge).not.toBe(a.body.challenge);
  });
});

describe("POST /auth/passkey/login", () => {
  test("a TokenPair with amr hwk and aal2; lastUsedAt and the counter are saved", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const res = await passkeyLogin(t, u.device);
    expect(res.status).toBe(200);
    const access = res.body.access_token as string;
    expect(typeof access).toBe("string");
    expect(res.body).toMatchObject({ token_type: "bearer", refresh_token: expect.any(String) });
    const claims = claimsOf(access);
    expect(claims).toMatchObject({ sub: u.user.id, amr: ["hwk"], aal: "aal2" });
    expect(claims.auth_time).toBe(Math.floor(t.clock.now() / 1000));
    expect((await call(t, "GET", "/users/me", { token: access })).body.id).toBe(u.user.id);
    const [row] = await t.db.select().from(passkeys).where(eq(passkeys.id, u.passkeyId));
    expect(row!.counter).toBe(1);
    expect(row!.lastUsedAt?.getTime()).toBe(t.clock.now());
    const listed = await call(t, "GET", "/users/me/passkeys", { token: u.access });
    expect(listed.body.passkeys[0].lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  test("a passkey-only account (no password) signs in", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    await t.services.users.update(u.user.id, { passwordHash: null });
    expect((await passkeyLogin(t, u.device)).status).toBe(200);
  });

  test("the refreshed session keeps amr hwk and aal2", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const signedIn = await passkeyLogin(t, u.device);
    t.clock.advanceSeconds(60);
    const refreshed = await call(t, "POST", "/auth/refresh", { json: { refresh_token: signedIn.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    const before = claimsOf(signedIn.body.access_token);
    expect(claimsOf(refreshed.body.access_token)).toMatchObject({ amr: ["hwk"], aal: "aal2", auth_time: before.auth_time, sid: before.sid });
  });

  test("TOTP on the account does not ask a passkey for a second step", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    t.services.factors.hasTotp = async () => true;
    expect((await passkeyLogin(t, u.device)).status).toBe(200);
    const password = await call(t, "POST", "/auth/login", { json: { email: u.email, password: u.password } });
    expect(password.body.code).toBe("mfa_required");
  });

  test("a replayed assertion is refused, sequentially and in parallel", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const credential = await u.device.get((await loginOptions(t)).body as never);
    expect((await login(t, credential)).status).toBe(200);
    expectRefused(await login(t, credential));
    const fresh = await u.device.get((await loginOptions(t)).body as never);
    const replies = await Promise.all(Array.from({ length: 6 }, () => login(t, fresh)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  test("a login challenge expires after 5 minutes", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const credential = await u.device.get((await loginOptions(t)).body as never);
    t.clock.advanceSeconds(301);
    expectRefused(await login(t, credential));
  });

  test("a registration challenge cannot sign in (its own user's, pending or not)", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const reg = await call(t, "POST", "/users/me/passkeys/options", { token: u.access, json: {} });
    expectRefused(await login(t, await u.device.get({ challenge: reg.body.challenge, rpId: "localhost" })));
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe("unknown_challenge");
  });

  test("a challenge that was never issued is refused", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    expectRefused(await login(t, await u.device.get({ challenge: "A".repeat(43), rpId: "localhost" })));
  });

  test.each([
    ["wrong origin", { origin: "https://evil.example" }, "authentication:wrong_origin"],
    ["wrong RP ID", { rpId: "evil.example" }, "authentication:wrong_rp_id"],
    ["no user verification", { userVerified: false }, "authentication:no_user_verification"],
    ["a registration's clientData type", { type: "webauthn.create" }, "authentication:wrong_type"],
  ])("%s → 401 invalid_credentials, nothing saved", async (_, over, reason) => {
    const t = await newApp();
    const u = await withPasskey(t);
    expectRefused(await passkeyLogin(t, u.device, over));
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe(reason);
    const [row] = await t.db.select().from(passkeys).where(eq(passkeys.id, u.passkeyId));
    expect(row!.lastUsedAt).toBeNull();
  });

  test("a bad signature, an unknown credential and another user's handle are refused", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const other = await withPasskey(t);
    const credential = await u.device.get((await loginOptions(t)).body as never);
    const signature = credential.response.signature as string;
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
    expectRefused(await login(t, { ...credential, response: { ...credential.response, signature: flipped } }));
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toMatch(/^authentication:/);
    const stranger = new SoftwareAuthenticator(PASSKEY_ORIGIN);
    await stranger.create({ challenge: "AAAAAAAAAAAAAAAAAAAAAA", rp: { id: "localhost" }, user: { id: "AAAA" } });
    expectRefused(await passkeyLogin(t, stranger));
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe("unknown_credential");
    const mixed = await u.device.get((await loginOptions(t)).body as never);
    const otherHandle = (await other.device.get((await loginOptions(t)).body as never)).response.userHandle;
    expectRefused(await login(t, { ...mixed, response: { ...mixed.response, userHandle: otherHandle } }));
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe("user_handle_mismatch");
    // Without a user handle the credential id alone names the passkey.
    expect((await passkeyLogin(t, u.device, { omitUserHandle: true })).status).toBe(200);
  });

  test("a counter that went backwards (or did not move) is refused and logged", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    expect((await passkeyLogin(t, u.device, { counter: 5 })).status).toBe(200);
    expectRefused(await passkeyLogin(t, u.device, { counter: 3 }));
    expectRefused(await passkeyLogin(t, u.device, { counter: 5 }));
    expectRefused(await passkeyLogin(t, u.device, { counter: 0 }));
    expect(t.logger.events("auth.passkey_counter_regression")).toHaveLength(3);
    expect(t.logger.events("auth.passkey_counter_regression")[0]).toMatchObject({ reason: "counter_regression", userId: u.user.id, passkeyId: u.passkeyId });
    let types: string[] = [];
    for (let i = 0; i < 50 && types.filter((x) => x === "login_failed").length < 3; i++) {
      await Bun.sleep(10);
      types = (await t.db.select().from(auditEvents).where(eq(auditEvents.userId, u.user.id))).map((r) => r.type);
    }
    expect(types.filter((x) => x === "login_failed")).toHaveLength(3);
    const [row] = await t.db.select().from(passkeys).where(eq(passkeys.id, u.passkeyId));
    expect(row!.counter).toBe(5);
    expect((await passkeyLogin(t, u.device, { counter: 6 })).status).toBe(200);
  });

  test("a synced passkey that always reports 0 keeps working", async () => {
    const t = await newApp();
    const u = await withPasskey(t, { alwaysZero: true, backedUp: true });
    for (let i = 0; i < 3; i++) expect((await passkeyLogin(t, u.device)).status).toBe(200);
    const [row] = await t.db.select().from(passkeys).where(eq(passkeys.id, u.passkeyId));
    expect(row).toMatchObject({ counter: 0, backedUp: true });
  });

  test("a passkey removed while its sign-in runs leaves no session behind", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    // The removal lands between the verified assertion and the session's start.
    const recordUse = t.services.passkeys.recordUse;
    t.services.passkeys.recordUse = async (...args) => {
      const ok = await recordUse(...args);
      await t.db.delete(passkeys).where(eq(passkeys.id, u.passkeyId));
      return ok;
    };
    const res = await passkeyLogin(t, u.device);
    expectRefused(res);
    expect(res.body.access_token).toBeUndefined();
    // Only the session of the sign-up remains.
    expect(await t.store.setMembers(`us:${u.user.id}`)).toHaveLength(1);
  });

  test("a disabled account is refused by the sign-in gate (403 forbidden), no session", async () => {
    const t = await newApp();
    const admin = await signInAdmin(t);
    const u = await withPasskey(t);
    await call(t, "PATCH", `/users/${u.user.id}`, { token: admin.access, json: { disabled: true } });
    const res = await passkeyLogin(t, u.device);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect(res.body.access_token).toBeUndefined();
  });

  test("malformed, mistyped and huge credentials → 400 validation_failed or 401, nothing changes", async () => {
    const t = await newApp();
    const u = await withPasskey(t);
    const options = (await loginOptions(t)).body;
    const valid = await u.device.get(options as never);
    const bad: unknown[] = [
      null, "x", [], { ...valid, extra: 1 }, { ...valid, type: "other" }, { ...valid, id: ["a"] },
      { ...valid, response: { ...valid.response, signature: "A".repeat(3000) } },
      { ...valid, response: { ...valid.response, clientDataJSON: "not base64url!" } },
      { ...valid, response: { ...valid.response, userHandle: 5 } },
    ];
    for (const credential of bad) expect((await login(t, credential)).body.code).toBe("validation_failed");
    for (const clientDataJSON of ["AAAA", btoa("{}"), btoa('{"challenge":5}'), btoa(JSON.stringify({ challenge: "x".repeat(500) }))]) {
      expectRefused(await login(t, { ...valid, response: { ...valid.response, clientDataJSON: clientDataJSON.replace(/=+$/, "") } }));
    }
    expect((await call(t, "POST", "/auth/passkey/login", { json: { credential: valid, more: 1 } })).body.code).toBe("validation_failed");
    // None of that used the challenge up: the honest credential still signs in.
    expect((await login(t, valid)).status).toBe(200);
  });
});
