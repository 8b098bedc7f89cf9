import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditEvents, passkeys } from "../src/db/schema";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { addPasskey, PASSKEY_ENV, PASSKEY_ORIGIN } from "./support/passkeys";
import { SoftwareAuthenticator } from "./support/software-authenticator";

const newApp = () => buildTestApp({ env: PASSKEY_ENV });
const device = () => new SoftwareAuthenticator(PASSKEY_ORIGIN);
const options = (t: TestApp, access: string) => call(t, "POST", "/users/me/passkeys/options", { token: access, json: {} });
const register = (t: TestApp, access: string, credential: unknown, name?: string) =>
  call(t, "POST", "/users/me/passkeys", { token: access, json: { credential, ...(name ? { name } : {}) } });
const rowsOf = (t: TestApp, userId: string) => t.db.select().from(passkeys).where(eq(passkeys.userId, userId));

async function auditTypes(t: TestApp, userId: string): Promise<string[]> {
  // Audit rows are written after the response: give the background write a moment.
  for (let i = 0; i < 50; i++) {
    const rows = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, userId));
    if (rows.some((r) => r.type.startsWith("passkey_"))) return rows.map((r) => r.type);
    await Bun.sleep(10);
  }
  return [];
}

describe("registration options", () => {
  test("RP from config, discoverable, user verification required, no attestation, own passkeys excluded", async () => {
    const t = await newApp();
    const u = await signUp(t, undefined, undefined, "Ada");
    const first = await options(t, u.access);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      rp: { id: "localhost", name: "edge-auth" },
      user: { name: u.email, displayName: "Ada" },
      attestation: "none",
      timeout: 300_000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
    });
    expect(first.body.challenge).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const a = device();
    expect((await register(t, u.access, await a.create(first.body as never))).status).toBe(201);
    // Another user's passkeys are never listed.
    const other = await signUp(t);
    expect((await options(t, other.access)).body.excludeCredentials).toEqual([]);
    const second = await options(t, u.access);
    expect(second.body.excludeCredentials).toEqual([{ id: a.credentials[0]!.id, type: "public-key", transports: ["internal"] }]);
  });

  test("a Host or Origin header never changes the RP", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const res = await call(t, "POST", "/users/me/passkeys/options", {
      token: u.access, json: {}, headers: { host: "evil.example", origin: "https://evil.example", "x-forwarded-host": "evil.example" },
    });
    expect(res.body.rp.id).toBe("localhost");
  });

  test("an empty body is accepted as {}", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const res = await call(t, "POST", "/users/me/passkeys/options", { token: u.access });
    expect(res.status).toBe(200);
    expect((await call(t, "POST", "/users/me/passkeys/options", { token: u.access, json: { x: 1 } })).status).toBe(400);
  });
});

describe("POST /users/me/passkeys", () => {
  test("201 Passkey, stored with its key, counter, transports and flags; named after the device; audited", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15";
    const opts = await options(t, u.access);
    const credential = await device().create(opts.body as never, { backupEligible: true, backedUp: true, counter: 7 });
    const res = await call(t, "POST", "/users/me/passkeys", { token: u.access, json: { credential }, headers: { "user-agent": mac } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), name: "Passkey on Mac", createdAt: expect.any(String), lastUsedAt: null, backedUp: true });
    const [row] = await rowsOf(t, u.user.id);
    expect(row).toMatchObject({ credentialId: credential.id, counter: 7, transports: ["internal"], deviceType: "multiDevice", backedUp: true });
    expect(row!.publicKey.length).toBeGreaterThan(60);
    expect(await auditTypes(t, u.user.id)).toContain("passkey_added");
    const named = await addPasskey(t, u.access, device(), {}, "  Work laptop ");
    expect(named.body.name).toBe("Work laptop");
  });

  test("the challenge works once: a second registration with it is 400 invalid_passkey", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const opts = await options(t, u.access);
    const a = device();
    expect((await register(t, u.access, await a.create(opts.body as never))).status).toBe(201);
    const again = await register(t, u.access, await a.create(opts.body as never));
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_passkey");
    expect(await rowsOf(t, u.user.id)).toHaveLength(1);
  });

  test("parallel registrations on one challenge: exactly one is stored", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const opts = await options(t, u.access);
    const creds = await Promise.all(Array.from({ length: 5 }, () => device().create(opts.body as never)));
    const replies = await Promise.all(creds.map((c) => register(t, u.access, c)));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400]);
    expect(await rowsOf(t, u.user.id)).toHaveLength(1);
  });

  test("a new options call replaces the pending one", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const old = await options(t, u.access);
    const current = await options(t, u.access);
    expect((await register(t, u.access, await device().create(old.body as never))).body.code).toBe("invalid_passkey");
    // The failed attempt used the pending challenge up too: start again.
    expect((await register(t, u.access, await device().create(current.body as never))).status).toBe(400);
    expect((await addPasskey(t, u.access, device())).status).toBe(201);
  });

  test("expired after 5 minutes", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const opts = await options(t, u.access);
    const credential = await device().create(opts.body as never);
    t.clock.advanceSeconds(301);
    expect((await register(t, u.access, credential)).body.code).toBe("invalid_passkey");
  });

  test("user A's challenge cannot register a passkey for user B", async () => {
    const t = await newApp();
    const a = await signUp(t);
    const b = await signUp(t);
    const aOptions = await options(t, a.access);
    // B has no pending challenge, then B has its own: A's challenge serves neither.
    expect((await register(t, b.access, await device().create(aOptions.body as never))).body.code).toBe("invalid_passkey");
    await options(t, b.access);
    expect((await register(t, b.access, await device().create(aOptions.body as never))).body.code).toBe("invalid_passkey");
    expect(await rowsOf(t, b.user.id)).toHaveLength(0);
    // A's own challenge was never touched by B's attempts.
    expect((await register(t, a.access, await device().create(aOptions.body as never))).status).toBe(201);
  });

  test("a login challenge cannot register a passkey", async () => {
    const t = await newApp();
    const u = await signUp(t);
    await options(t, u.access);
    const login = await call(t, "POST", "/auth/passkey/options", { json: {} });
    const reg = await options(t, u.access);
    const credential = await device().create({ ...(reg.body as { rp: { id: string }; user: { id: string } }), challenge: login.body.challenge });
    expect((await register(t, u.access, credential)).body.code).toBe("invalid_passkey");
  });

  test.each([
    ["wrong origin", { origin: "https://evil.example" }],
    ["a look-alike origin", { origin: "http://localhost:8788" }],
    ["wrong RP ID", { rpId: "evil.example" }],
    ["no user verification", { userVerified: false }],
    ["no user presence", { userPresent: false }],
    ["a login's clientData type", { type: "webauthn.get" }],
  ])("%s → 400 invalid_passkey, nothing stored", async (_, over) => {
    const t = await newApp();
    const u = await signUp(t);
    const res = await addPasskey(t, u.access, device(), over);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_passkey");
    expect(await rowsOf(t, u.user.id)).toHaveLength(0);
    const logged = t.logger.events("auth.passkey_rejected");
    expect(logged).toHaveLength(1);
    // A fixed word for the reason: nothing the client sent ends up in the log.
    expect(String(logged[0]!.reason)).toMatch(/^registration:[a-z_]+$/);
  });

  test("a credential id already registered (to anyone) is 400 invalid_passkey", async () => {
    const t = await newApp();
    const a = await signUp(t);
    const b = await signUp(t);
    const first = { ...(await options(t, a.access)), device: device() };
    const credential = await first.device.create(first.body as never);
    expect((await register(t, a.access, credential)).status).toBe(201);
    // An authenticator presenting the same credential id under B's own challenge: the unique id refuses it.
    const bOptions = await options(t, b.access);
    const res = await register(t, b.access, await device().create(bOptions.body as never, { reuseIdOf: first.device }));
    expect(res.body.code).toBe("invalid_passkey");
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe("credential_exists");
    // And a response whose id is not the one its authenticator data attests.
    const cOptions = await options(t, b.access);
    const other = await device().create(cOptions.body as never);
    expect((await register(t, b.access, { ...other, id: credential.id, rawId: credential.id })).body.code).toBe("invalid_passkey");
    expect(t.logger.events("auth.passkey_rejected").at(-1)?.reason).toBe("registration:id_mismatch");
    expect(await rowsOf(t, b.user.id)).toHaveLength(0);
  });
});

describe("bad input changes nothing", () => {
  const creds = (valid: Record<string, any>) => [
    "a string",
    null,
    [],
    { ...valid, extra: true },
    { ...valid, type: "password" },
    { ...valid, id: 42 },
    { ...valid, id: "not base64url!" },
    { ...valid, id: "A".repeat(5000) },
    { ...valid, response: "x" },
    { ...valid, response: { ...valid.response, clientDataJSON: undefined } },
    { ...valid, response: { ...valid.response, attestationObject: "A".repeat(20_000) } },
    { ...valid, response: { ...valid.response, clientDataJSON: "AAAA" } },
    { ...valid, response: { ...valid.response, attestationObject: "AAAA" } },
  ];

  test("malformed, mistyped and huge credentials → 400 (validation_failed or invalid_passkey), no row", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const opts = await options(t, u.access);
    const valid = await device().create(opts.body as never);
    for (const credential of creds(valid)) {
      const res = await call(t, "POST", "/users/me/passkeys", { token: u.access, json: { credential } });
      expect([400, 413]).toContain(res.status);
      expect(["validation_failed", "invalid_passkey", "payload_too_large"]).toContain(res.body.code);
    }
    for (const body of [{}, { credential: valid, name: "" }, { credential: valid, name: "x".repeat(101) }, { credential: valid, other: 1 }]) {
      expect((await call(t, "POST", "/users/me/passkeys", { token: u.access, json: body })).body.code).toBe("validation_failed");
    }
    expect(await rowsOf(t, u.user.id)).toHaveLength(0);
  });

  test("a body that fails validation leaves the pending challenge usable", async () => {
    const t = await newApp();
    const u = await signUp(t);
    const opts = await options(t, u.access);
    const valid = await device().create(opts.body as never);
    expect((await call(t, "POST", "/users/me/passkeys", { token: u.access, json: { credential: { ...valid, extra: 1 } } })).status).toBe(400);
    expect((await register(t, u.access, valid)).status).toBe(201);
  });
});

describe("without WEBAUTHN_ORIGINS (outside development)", () => {
  test("every passkey route is 404", async () => {
    const t = await buildTestApp();
    const u = await signUp(t);
    const id = crypto.randomUUID();
    for (const [method, path] of [
      ["POST", "/users/me/passkeys/options"], ["POST", "/users/me/passkeys"], ["GET", "/users/me/passkeys"],
      ["PATCH", `/users/me/passkeys/${id}`], ["DELETE", `/users/me/passkeys/${id}`],
      ["POST", "/auth/passkey/options"], ["POST", "/auth/passkey/login"],
    ] as const) {
      const res = await call(t, method, path, { token: u.access, json: method === "GET" || method === "DELETE" ? undefined : {} });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
  });
});
