// RFC 8725's forgeries against a server with JWT_SIGNING_KEYS, in-process; the same table runs
// inside workerd (test/worker/keys.workerd.ts).
import { beforeAll, describe, expect, test } from "bun:test";
import { buildTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { call, signUp } from "../support/http";
import { freshKeys, keySet, partsOf } from "../support/jwt-keys";
import { controls, forgeries, forgeryNames, type ForgeryContext } from "../support/key-forgeries";

type Session = Awaited<ReturnType<typeof signUp>>;
let t: TestApp;
let victim: Session;
let x: ForgeryContext;

beforeAll(async () => {
  const [ours, attacker] = await Promise.all([freshKeys(), freshKeys()]);
  // JWT_SECRET stays set: a token signed with it must still be refused once keys are configured.
  t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0", JWT_SIGNING_KEYS: keySet(ours.ES256, ours.EdDSA) } });
  victim = await signUp(t, "victim@example.com");
  x = {
    es256: ours.ES256,
    eddsa: ours.EdDSA,
    attacker: { es256: attacker.ES256, eddsa: attacker.EdDSA },
    jwtSecret: TEST_SECRET,
    claims: () => {
      const now = Math.floor(t.clock.now() / 1000);
      return { ...partsOf(victim.access).payload, iat: now, exp: now + 600, jti: crypto.randomUUID() };
    },
  };
}, 30_000);

const stillSignedIn = async () => expect((await call(t, "GET", "/users/me", { token: victim.access })).status).toBe(200);

describe("with JWT_SIGNING_KEYS, forged access tokens get 401 invalid_token and revoke nothing", () => {
  test("a real token names the current key: alg ES256, typ at+jwt, its kid", () => {
    expect(partsOf(victim.access).header).toEqual({ alg: "ES256", typ: "at+jwt", kid: x.es256.kid });
  });

  // Titles now, tokens later: the keys exist only after beforeAll.
  forgeryNames().forEach((name, i) => {
    test(name, async () => {
      const token = await forgeries(x)[i]![1]();
      for (const [method, path] of [["GET", "/users/me"], ["POST", "/auth/logout-all"]] as const) {
        const res = await call(t, method, path, { token });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("invalid_token");
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      }
      await stillSignedIn();
    });
  });

  test("the controls: the same claims signed by either configured key under its own kid are accepted", async () => {
    for (const [name, make] of controls(x)) {
      const res = await call(t, "GET", "/users/me", { token: await make() });
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
    }
  });

  test("an HS256 token the same server issued before keys were configured is refused; its refresh token still works", async () => {
    const before = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "0" }, db: t.db, store: t.store, keepData: true });
    const s = await signUp(before);
    expect(partsOf(s.access).header.alg).toBe("HS256");
    expect((await call(t, "GET", "/users/me", { token: s.access })).status).toBe(401);
    // API.md: refresh tokens are unaffected, so a switch costs clients one refresh.
    const fresh = await call(t, "POST", "/auth/refresh", { json: { refresh_token: s.refresh } });
    expect(fresh.status).toBe(200);
    expect(partsOf(fresh.body.access_token).header.kid).toBe(x.es256.kid);
    expect((await call(t, "GET", "/users/me", { token: fresh.body.access_token })).status).toBe(200);
  });
});
