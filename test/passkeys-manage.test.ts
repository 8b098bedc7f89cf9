import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditEvents, identities, passkeys } from "../src/db/schema";
import { buildTestApp, type TestApp } from "./support/app";
import { call, signUp } from "./support/http";
import { addPasskey, passkeyLogin, PASSKEY_ENV, PASSKEY_ORIGIN } from "./support/passkeys";
import { SoftwareAuthenticator } from "./support/software-authenticator";

const newApp = () => buildTestApp({ env: PASSKEY_ENV });
const list = (t: TestApp, access: string) => call(t, "GET", "/users/me/passkeys", { token: access });
const rename = (t: TestApp, access: string, id: string, name: unknown) => call(t, "PATCH", `/users/me/passkeys/${id}`, { token: access, json: { name } });
const remove = (t: TestApp, access: string, id: string) => call(t, "DELETE", `/users/me/passkeys/${id}`, { token: access });

async function userWith(t: TestApp, count: number) {
  const u = await signUp(t);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    // Ids are UUIDv7: a later millisecond sorts later (the fake clock stands still otherwise).
    t.clock.advance(5);
    const added = await addPasskey(t, u.access, new SoftwareAuthenticator(PASSKEY_ORIGIN), {}, `Key ${i + 1}`);
    ids.push(added.body.id);
  }
  return { ...u, ids };
}

describe("GET /users/me/passkeys", () => {
  test("the caller's passkeys only, oldest first, as Passkey objects (no key material)", async () => {
    const t = await newApp();
    const a = await userWith(t, 2);
    const b = await userWith(t, 1);
    const res = await list(t, a.access);
    expect(res.status).toBe(200);
    expect(res.body.passkeys.map((p: { name: string }) => p.name)).toEqual(["Key 1", "Key 2"]);
    expect(Object.keys(res.body.passkeys[0]).sort()).toEqual(["backedUp", "createdAt", "id", "lastUsedAt", "name"]);
    expect((await list(t, b.access)).body.passkeys.map((p: { id: string }) => p.id)).toEqual(b.ids);
    expect((await call(t, "GET", "/users/me/passkeys")).status).toBe(401);
  });
});

describe("PATCH /users/me/passkeys/{id}", () => {
  test("renames the caller's passkey; another user's id, an unknown id or a non-uuid is 404", async () => {
    const t = await newApp();
    const a = await userWith(t, 1);
    const b = await userWith(t, 1);
    const res = await rename(t, a.access, a.ids[0]!, "  Phone ");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: a.ids[0], name: "Phone" });
    for (const id of [b.ids[0]!, crypto.randomUUID(), "nope", "1%27%20or%201%3D1"]) {
      const other = await rename(t, a.access, id, "Mine now");
      expect(other.status).toBe(404);
      expect(other.body.code).toBe("not_found");
    }
    expect((await list(t, b.access)).body.passkeys[0].name).toBe("Key 1");
    for (const name of ["", "   ", "x".repeat(101), 5, null, "a\u0000b"]) {
      expect((await rename(t, a.access, a.ids[0]!, name)).body.code).toBe("validation_failed");
    }
    expect((await list(t, a.access)).body.passkeys[0].name).toBe("Phone");
  });
});

describe("DELETE /users/me/passkeys/{id}", () => {
  test("204, the passkey no longer signs in, audited; another user's id is 404 and stays", async () => {
    const t = await newApp();
    const device = new SoftwareAuthenticator(PASSKEY_ORIGIN);
    const a = await signUp(t);
    const added = await addPasskey(t, a.access, device);
    const b = await userWith(t, 1);
    expect((await remove(t, a.access, b.ids[0]!)).status).toBe(404);
    expect((await list(t, b.access)).body.passkeys).toHaveLength(1);
    expect((await remove(t, a.access, added.body.id)).status).toBe(204);
    expect((await remove(t, a.access, added.body.id)).status).toBe(404);
    expect((await list(t, a.access)).body.passkeys).toEqual([]);
    expect((await passkeyLogin(t, device)).status).toBe(401);
    let types: string[] = [];
    for (let i = 0; i < 50 && !types.includes("passkey_removed"); i++) {
      await Bun.sleep(10);
      types = (await t.db.select().from(auditEvents).where(eq(auditEvents.userId, a.user.id))).map((r) => r.type);
    }
    expect(types).toContain("passkey_removed");
  });

  test("409 last_credential for the only way into a password-less account; fine once there is another", async () => {
    const t = await newApp();
    const u = await userWith(t, 2);
    await t.services.users.update(u.user.id, { passwordHash: null });
    expect((await remove(t, u.access, u.ids[0]!)).status).toBe(204);
    const last = await remove(t, u.access, u.ids[1]!);
    expect(last.status).toBe(409);
    expect(last.body.code).toBe("last_credential");
    expect((await list(t, u.access)).body.passkeys).toHaveLength(1);
    // A linked identity is a way in too.
    await t.db.insert(identities).values({ id: crypto.randomUUID(), userId: u.user.id, provider: "github", subject: "42" });
    expect((await remove(t, u.access, u.ids[1]!)).status).toBe(204);
  });

  test("with a password the last passkey can go", async () => {
    const t = await newApp();
    const u = await userWith(t, 1);
    expect((await remove(t, u.access, u.ids[0]!)).status).toBe(204);
  });

  test("parallel deletes of a password-less account's last two passkeys: exactly one goes", async () => {
    const t = await newApp();
    const u = await userWith(t, 2);
    await t.services.users.update(u.user.id, { passwordHash: null });
    const replies = await Promise.all(u.ids.map((id) => remove(t, u.access, id)));
    expect(replies.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await t.db.select().from(passkeys).where(eq(passkeys.userId, u.user.id))).toHaveLength(1);
  });
});
