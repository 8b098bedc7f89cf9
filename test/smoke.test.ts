import { expect, test } from "bun:test";
import { buildTestApp } from "./support/app";
import { call, signUp } from "./support/http";

test("register → verify → me → refresh → logout", async () => {
  const t = await buildTestApp();
  const u = await signUp(t, "Smoke@Example.com", "correct horse battery", "Smoke");
  expect(u.user.email).toBe("smoke@example.com");
  const me = await call(t, "GET", "/users/me", { token: u.access });
  expect(me.status).toBe(200);
  expect(me.body.name).toBe("Smoke");
  const r = await call(t, "POST", "/auth/refresh", { json: { refresh_token: u.refresh } });
  expect(r.status).toBe(200);
  const out = await call(t, "POST", "/auth/logout", { json: { refresh_token: r.body.refresh_token } });
  expect(out.status).toBe(204);
  expect((await call(t, "GET", "/users/me", { token: r.body.access_token })).status).toBe(401);
}, 30_000); // the first test of a run opens PGlite (seconds on a loaded machine)
