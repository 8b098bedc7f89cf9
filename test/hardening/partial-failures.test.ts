import { expect, test } from "bun:test";
import { DatabaseUnavailableError } from "../../src/db/errors";
import { userCacheKey } from "../../src/auth/user-cache";
import { StoreUnavailableError } from "../../src/store/store";
import { buildTestApp } from "../support/app";
import { call, signUp } from "../support/http";

// A request that fails with 503 must not leave half of its work behind (found by `bun run soak`).

test("a refresh answered 503 (database down) leaves the token unused: the retry after the outage is not 'reuse'", async () => {
  const t = await buildTestApp();
  const u = await signUp(t);
  // The user's cached copy would spare the database read; drop it so the outage is felt.
  await t.store.delete(userCacheKey(u.user.id));
  const findById = t.services.users.findById;
  t.services.users.findById = async () => {
    throw new DatabaseUnavailableError(new Error("connection refused"));
  };
  const during = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
  expect(during.status).toBe(503);
  expect(during.body.code).toBe("unavailable");
  t.services.users.findById = findById;
  t.clock.advanceSeconds(t.services.config.refreshReuseGrace + 5); // the retry comes well after the grace
  const after = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
  expect(after.status).toBe(200);
  expect(t.logger.events("auth.refresh_reuse_detected")).toEqual([]);
  expect((await call(t, "GET", "/users/me", { token: after.body.access_token })).status).toBe(200);
}, 30_000);

test("a registration answered 503 (store down) leaves no account behind: the retry registers", async () => {
  const t = await buildTestApp();
  const { setIfAbsent, delete: del } = t.store;
  // The whole store is down, deletes included (the undo must not depend on it).
  t.store.setIfAbsent = async () => {
    throw new StoreUnavailableError();
  };
  t.store.delete = async () => {
    throw new StoreUnavailableError();
  };
  const body = { email: "outage@example.com", password: "correct horse battery" };
  const during = await call(t, "POST", "/auth/register", { json: body });
  expect(during.status).toBe(503);
  expect(await t.services.users.findByEmail(body.email)).toBeNull();
  expect(t.logger.events("auth.register_undo_failed")).toEqual([]);
  t.store.setIfAbsent = setIfAbsent;
  t.store.delete = del;
  expect((await call(t, "POST", "/auth/register", { json: body })).status).toBe(201);
  const code = t.mailer.lastCode(body.email, "verify-email");
  expect((await call(t, "POST", "/auth/verify", { json: { email: body.email, code } })).status).toBe(200);
}, 30_000);
