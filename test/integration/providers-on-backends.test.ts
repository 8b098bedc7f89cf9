// Provider sign-in on the deployable backends: Postgres + Redis over TCP, and the edge drivers
// (Neon HTTP + Upstash REST) in front of them. The flow state and the hand-off codes live in Redis
// here, so their single use (getAndDelete) is proven on the real store under parallel requests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { totpFactors } from "../../src/db/schema";
import { buildTestApp, type TestApp } from "../support/app";
import { canRun, postgresFixture, redisStoreFixture, truncateUsers } from "../support/backend-fixtures";
import { startFakeGithub, type FakeGithub } from "../support/fake-github";
import { call } from "../support/http";
import { startOidcProvider, type OidcProvider } from "../support/oidc-provider";
import { atProvider, authorize, callback, exchange, pkce, providerEnv, signInAt, signInWithProvider, APP_REDIRECT } from "../support/provider-flow";

const combos = [
  { name: "Postgres + Redis", db: postgresFixture(), store: redisStoreFixture() },
  { name: "Neon HTTP + Upstash", db: postgresFixture(true), store: redisStoreFixture(true) },
];
const uniq = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}`;

for (const combo of combos) {
  if (!canRun(combo.db) || !canRun(combo.store)) continue;
  describe(`provider sign-in on ${combo.name}`, () => {
    let t: TestApp;
    let oidc: OidcProvider;
    let github: FakeGithub;
    beforeAll(async () => {
      [oidc] = await Promise.all([startOidcProvider(), combo.db.open(), combo.store.open()]);
      github = startFakeGithub();
      await truncateUsers(combo.db.db());
      t = await buildTestApp({ db: combo.db.db(), store: combo.store.store(), env: { ...providerEnv(oidc, github), RATE_LIMIT_AUTH_PER_MINUTE: "1000000" } });
    }, 60_000);
    afterAll(async () => {
      await Promise.all([oidc.stop(), github.stop(), combo.db.close(), combo.store.close()]);
    });

    test("OIDC: new user, linked identity, the same user again; GitHub links by its verified primary email", async () => {
      const email = `${uniq("pg")}@example.com`;
      const sub = uniq("sub");
      oidc.signInAs({ sub, email, email_verified: true, name: "Ada" });
      const first = await signInWithProvider(t, "mock");
      expect(first.status).toBe(200);
      const uid = decodeJwt(first.body.access_token).sub;
      expect((await call(t, "GET", "/users/me", { token: first.body.access_token })).body).toMatchObject({ email, emailVerified: true, name: "Ada" });
      const again = await signInWithProvider(t, "mock");
      expect(decodeJwt(again.body.access_token).sub).toBe(uid);

      github.signInAs({ id: Math.floor(Math.random() * 1e9), login: "ada", name: null, emails: [{ email, primary: true, verified: true }] });
      const viaGithub = await signInWithProvider(t, "github");
      expect(viaGithub.status).toBe(200);
      expect(decodeJwt(viaGithub.body.access_token).sub).toBe(uid);
      const ids = (await call(t, "GET", "/users/me/identities", { token: first.body.access_token })).body.identities;
      expect(ids.map((i: { provider: string }) => i.provider).sort()).toEqual(["github", "mock"]);
      // Two ways in: one may go, then the last one stays (409).
      expect((await call(t, "DELETE", `/users/me/identities/${ids[0].id}`, { token: first.body.access_token })).status).toBe(204);
      const last = await call(t, "DELETE", `/users/me/identities/${ids[1].id}`, { token: first.body.access_token });
      expect(last.status).toBe(409);
      expect(last.body.code).toBe("last_credential");
    });

    test("parallel callbacks with one state, and parallel exchanges of one code: exactly one each", async () => {
      oidc.signInAs({ sub: uniq("sub"), email: `${uniq("par")}@example.com`, email_verified: true });
      const { verifier, challenge } = await pkce();
      const started = await authorize(t, "mock", { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
      const callbackUrl = await atProvider(started.headers.get("location")!);
      const callbacks = await Promise.all(Array.from({ length: 6 }, () => callback(t, callbackUrl)));
      const won = callbacks.filter((r) => r.status === 302);
      expect(won).toHaveLength(1);
      expect(callbacks.filter((r) => r.body.code === "invalid_code")).toHaveLength(5);
      const code = new URL(won[0]!.headers.get("location")!).searchParams.get("code")!;
      const exchanges = await Promise.all(Array.from({ length: 6 }, () => exchange(t, code, verifier)));
      expect(exchanges.filter((r) => r.status === 200)).toHaveLength(1);
      expect(exchanges.filter((r) => r.body.code === "invalid_code")).toHaveLength(5);
    });

    test("a wrong code_verifier burns the code; a TOTP account gets mfa_required at /auth/token", async () => {
      const email = `${uniq("mfa")}@example.com`;
      oidc.signInAs({ sub: uniq("sub"), email, email_verified: true });
      const done = await signInAt(t, "mock");
      const code = done.back!.searchParams.get("code")!;
      expect((await exchange(t, code, (await pkce()).verifier)).body.code).toBe("invalid_code");
      expect((await exchange(t, code, done.verifier)).body.code).toBe("invalid_code");

      const user = await t.services.users.findByEmail(email);
      await t.db.insert(totpFactors).values({ userId: user!.id, secretCiphertext: "x", keyId: "k" });
      const res = await signInWithProvider(t, "mock");
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("mfa_required");
    });

    test("removing the last two identities in parallel never leaves an account without a way in", async () => {
      // A slow delete (a trigger that sleeps) holds both statements open at once: each has already
      // seen the other identity, which is exactly the race the check after the delete is there for.
      const db = combo.db.db();
      await db.execute(sql`create or replace function test_slow_delete() returns trigger as $$ begin perform pg_sleep(0.2); return old; end $$ language plpgsql`);
      await db.execute(sql`create trigger test_slow_delete before delete on identities for each row execute function test_slow_delete()`);
      try {
        await raceRounds();
      } finally {
        await db.execute(sql`drop trigger test_slow_delete on identities`);
        await db.execute(sql`drop function test_slow_delete()`);
      }
    }, 30_000);

    test("a passkey and an identity, the account's last two ways in, removed in parallel: one stays", async () => {
      // Both deletes held open by a sleeping trigger: each has already seen the other credential in
      // its snapshot, so only the shared re-check after the delete (db/credentials.ts) can catch it.
      const db = combo.db.db();
      await db.execute(sql`create or replace function test_slow_delete() returns trigger as $$ begin perform pg_sleep(0.2); return old; end $$ language plpgsql`);
      for (const table of ["identities", "passkeys"]) await db.execute(sql.raw(`create trigger test_slow_delete before delete on ${table} for each row execute function test_slow_delete()`));
      try {
        for (let round = 0; round < 3; round++) {
          const user = await t.services.users.create({ email: `${uniq("mixed")}@example.com`, passwordHash: null, emailVerified: true });
          const { row: identity } = await t.services.identities.link({ userId: user.id, provider: "mock", subject: uniq("s"), email: null });
          const passkey = await t.services.passkeys.create({
            userId: user.id, credentialId: uniq("cred"), publicKey: "AQID", counter: 0, transports: [], deviceType: "singleDevice", backedUp: false, name: "key",
          });
          const [byIdentity, byPasskey] = await Promise.all([
            t.services.identities.removeUnlessLast(user.id, identity.id),
            t.services.passkeys.delete(user.id, passkey!.id),
          ]);
          const removed = [byIdentity === "removed", "deleted" in byPasskey].filter(Boolean).length;
          expect(removed).toBeLessThanOrEqual(1);
          const left = (await t.services.identities.listForUser(user.id)).length + (await t.services.passkeys.listByUser(user.id)).length;
          expect(left).toBeGreaterThanOrEqual(1);
        }
      } finally {
        for (const table of ["identities", "passkeys"]) await db.execute(sql.raw(`drop trigger test_slow_delete on ${table}`));
        await db.execute(sql`drop function test_slow_delete()`);
      }
    }, 30_000);

    async function raceRounds() {
      for (let round = 0; round < 3; round++) {
        const user = await t.services.users.create({ email: `${uniq("race")}@example.com`, passwordHash: null, emailVerified: true });
        const a = await t.services.identities.link({ userId: user.id, provider: "mock", subject: uniq("a"), email: null });
        const b = await t.services.identities.link({ userId: user.id, provider: "github", subject: uniq("b"), email: null });
        const results = await Promise.all([a, b].map(({ row }) => t.services.identities.removeUnlessLast(user.id, row.id)));
        expect(results.filter((r) => r === "removed").length).toBeLessThanOrEqual(1);
        expect(results.every((r) => r === "removed" || r === "last_credential")).toBe(true);
        expect((await t.services.identities.listForUser(user.id)).length).toBeGreaterThanOrEqual(1);
      }
    }

    test("a forged ID token is refused on these backends too", async () => {
      oidc.signInAs({ sub: uniq("sub"), email: `${uniq("forged")}@example.com`, email_verified: true });
      oidc.forgeNextIdToken();
      const done = await signInAt(t, "mock");
      expect(done.back!.searchParams.get("error")).toBe("server_error");
    });
  });
}
