// Passkeys inside workerd: @simplewebauthn/server on the Workers runtime's WebCrypto, the
// challenges in Redis behind Upstash REST, the passkeys in Postgres behind Neon HTTP. The
// software authenticator (WebCrypto + cbor-x) runs here too.
import { beforeAll, describe, expect, it } from "vitest";
import { SoftwareAuthenticator } from "../support/software-authenticator";
import { call, mailedCode, uniqueEmail, untilReady } from "./helpers";

const ORIGIN = "http://localhost:8787";

async function signedUp() {
  const email = uniqueEmail("passkey");
  const password = "correct horse battery";
  expect((await call("POST", "/auth/register", { json: { email, password } })).status).toBe(201);
  const verified = await call("POST", "/auth/verify", { json: { email, code: await mailedCode(email) } });
  expect(verified.status).toBe(200);
  return { email, access: verified.body.access_token as string, userId: verified.body.user.id as string };
}

async function register(access: string, device: SoftwareAuthenticator, over: Parameters<SoftwareAuthenticator["create"]>[1] = {}) {
  const options = await call("POST", "/users/me/passkeys/options", { token: access, json: {} });
  expect(options.status).toBe(200);
  return call("POST", "/users/me/passkeys", { token: access, json: { credential: await device.create(options.body, over) } });
}

async function assertion(device: SoftwareAuthenticator, over: Parameters<SoftwareAuthenticator["get"]>[1] = {}) {
  const options = await call("POST", "/auth/passkey/options", { json: {} });
  expect(options.status).toBe(200);
  return device.get(options.body, over);
}

const login = (credential: unknown) => call("POST", "/auth/passkey/login", { json: { credential } });
const claims = (jwt: string) => JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(jwt.split(".")[1]!.length / 4) * 4, "=")));

describe("passkeys in workerd", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("registers, signs in with amr hwk / aal2, lists, renames; a replay is refused", async () => {
    const u = await signedUp();
    const device = new SoftwareAuthenticator(ORIGIN);
    const added = await register(u.access, device);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ lastUsedAt: null, backedUp: false });
    const credential = await assertion(device);
    const signedIn = await login(credential);
    expect(signedIn.status).toBe(200);
    expect(claims(signedIn.body.access_token)).toMatchObject({ sub: u.userId, amr: ["hwk"], aal: "aal2" });
    const replay = await login(credential);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_credentials");
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: signedIn.body.refresh_token } });
    expect(claims(refreshed.body.access_token)).toMatchObject({ amr: ["hwk"], aal: "aal2" });
    const renamed = await call("PATCH", `/users/me/passkeys/${added.body.id}`, { token: u.access, json: { name: "Laptop" } });
    expect(renamed.body.name).toBe("Laptop");
    const listed = await call("GET", "/users/me/passkeys", { token: u.access });
    expect(listed.body.passkeys).toHaveLength(1);
    expect(listed.body.passkeys[0].lastUsedAt).not.toBeNull();
  });

  it("refuses a wrong origin, a wrong RP ID, no user verification, a registration challenge and a counter regression", async () => {
    const u = await signedUp();
    const device = new SoftwareAuthenticator(ORIGIN);
    expect((await register(u.access, device, { origin: "https://evil.example" })).body.code).toBe("invalid_passkey");
    expect((await register(u.access, device, { userVerified: false })).body.code).toBe("invalid_passkey");
    expect((await register(u.access, device)).status).toBe(201);
    for (const over of [{ origin: "https://evil.example" }, { rpId: "evil.example" }, { userVerified: false }]) {
      expect((await login(await assertion(device, over))).status).toBe(401);
    }
    const reg = await call("POST", "/users/me/passkeys/options", { token: u.access, json: {} });
    expect((await login(await device.get({ challenge: reg.body.challenge, rpId: "localhost" }))).status).toBe(401);
    expect((await login(await assertion(device, { counter: 10 }))).status).toBe(200);
    expect((await login(await assertion(device, { counter: 9 }))).status).toBe(401);
  });

  it("another user's passkey is 404; its owner removes it", async () => {
    const a = await signedUp();
    const b = await signedUp();
    const added = await register(b.access, new SoftwareAuthenticator(ORIGIN));
    expect((await call("DELETE", `/users/me/passkeys/${added.body.id}`, { token: a.access })).status).toBe(404);
    expect((await call("DELETE", `/users/me/passkeys/${added.body.id}`, { token: b.access })).status).toBe(204);
  });
});
