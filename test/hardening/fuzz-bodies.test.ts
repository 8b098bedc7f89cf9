import { beforeEach, describe, test } from "bun:test";
import fc from "fast-check";
import { anyValue, bodyFor, fixture, INTROSPECTION_AUTH, sendAndCheck, type Fixture } from "./fuzz-support";

/** Every endpoint of API.md that reads a JSON body, with the fields it knows. */
const JSON_ENDPOINTS: [string, string, string[]][] = [
  ["POST", "/auth/register", ["email", "password", "name"]],
  ["POST", "/auth/verify", ["email", "code"]],
  ["POST", "/auth/verify/resend", ["email"]],
  ["POST", "/auth/login", ["email", "password"]],
  ["POST", "/auth/refresh", ["refresh_token"]],
  ["POST", "/auth/logout", ["refresh_token"]],
  ["POST", "/auth/logout-all", []],
  ["POST", "/auth/password/forgot", ["email"]],
  ["POST", "/auth/password/reset", ["email", "code", "password"]],
  ["PATCH", "/users/me", ["name"]],
  ["POST", "/users/me/password", ["currentPassword", "newPassword"]],
  ["DELETE", "/users/me", ["password"]],
  ["POST", "/users", ["email", "password", "name", "role", "emailVerified"]],
  ["PATCH", "/users/:id", ["name", "role", "disabled", "emailVerified"]],
  ["DELETE", "/users/:id", []],
];

// A fresh app per property: an earlier endpoint's logout-all or delete must not starve the next one.
let f: Fixture;
beforeEach(async () => {
  f = await fixture();
}, 30_000);

// Mostly signed in, so the bodies get past authentication to the validators and the database.
const who = fc.constantFrom("user", "user", "admin", "admin", "nobody");
const token = (w: string) => (w === "user" ? f.user.access : w === "admin" ? f.admin.access : undefined);
const idFor = (pick: string) => (pick === "user" ? f.user.user.id : pick === "admin" ? claimsSub(f.admin.access) : pick);
const claimsSub = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).sub as string;
const realRefresh = fc.option(fc.constantFrom("live", "ended"), { freq: 2 });
const refreshOf = (which: string) => (which === "live" ? f.user.refresh : f.endedRefresh);
const pathId = fc.oneof(fc.constantFrom("user", "admin"), fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent));

describe("random JSON bodies on every endpoint", () => {
  for (const [method, route, fields] of JSON_ENDPOINTS) {
    test(`${method} ${route}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: bodyFor(fields) }, { weight: 1, arbitrary: anyValue }), who, pathId, realRefresh, async (body, w, id, real) => {
          const bearer = token(w);
          if (real && body && typeof body === "object" && "refresh_token" in body) (body as Record<string, unknown>).refresh_token = refreshOf(real);
          await sendAndCheck(f, {
            method,
            path: route.replace(":id", idFor(id)),
            headers: { "content-type": "application/json", "x-test-client": "fuzz", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
            body: JSON.stringify(body),
          });
        }),
        { numRuns: 50 },
      );
    }, 60_000);
  }
});

describe("form bodies on /auth/token", () => {
  test("random grants and fields", async () => {
    const field = fc.oneof(anyValue.map((v) => (typeof v === "string" ? v : JSON.stringify(v))), fc.constantFrom("password", "refresh_token"), fc.constantFrom("live", "ended").map(refreshOf));
    const form = fc.dictionary(fc.constantFrom("grant_type", "username", "password", "refresh_token", "scope", "client_id", "extra"), field, { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(form, async (fields) => {
        await sendAndCheck(f, {
          method: "POST",
          path: "/auth/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields).toString(),
        });
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe("form bodies on /auth/introspect", () => {
  test("random tokens and hints, with and without the client's credentials", async () => {
    const token = fc.oneof(anyValue.map((v) => (typeof v === "string" ? v : JSON.stringify(v))), fc.constantFrom("access", "refresh", "ended"));
    const form = fc.dictionary(fc.constantFrom("token", "token_type_hint", "extra"), token, { maxKeys: 3 });
    const auth = fc.constantFrom(INTROSPECTION_AUTH, INTROSPECTION_AUTH, undefined, "Basic Zm9vOmJhcg==");
    await fc.assert(
      fc.asyncProperty(form, auth, async (fields, authorization) => {
        const real: Record<string, string> = { access: f.user.access, refresh: f.user.refresh, ended: f.endedRefresh };
        if (fields.token && real[fields.token]) fields.token = real[fields.token]!;
        await sendAndCheck(f, {
          method: "POST",
          path: "/auth/introspect",
          headers: { "content-type": "application/x-www-form-urlencoded", ...(authorization ? { authorization } : {}) },
          body: new URLSearchParams(fields).toString(),
        });
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
