import { beforeEach, describe, test } from "bun:test";
import fc from "fast-check";
import { anyValue, assertProperty, bodyFor, fixture, sendAndCheck, type Fixture } from "./fuzz-support";

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
  ["POST", "/auth/mfa/verify", ["mfa_token", "method", "code"]],
  ["POST", "/users/me/mfa/totp", ["password"]],
  ["POST", "/users/me/mfa/totp/confirm", ["code"]],
  ["POST", "/users/me/mfa/recovery-codes", ["code"]],
  ["DELETE", "/users/me/mfa/totp", ["code"]],
  ["DELETE", "/users/:id/mfa", []],
  ["DELETE", "/users/me/sessions/:id", []],
  ["DELETE", "/users/:id/sessions", []],
];

// A fresh app per property: an earlier endpoint's logout-all or delete must not starve the next one.
let f: Fixture;
beforeEach(async () => {
  f = await fixture();
}, 30_000);

// Mostly signed in, so the bodies get past authentication to the validators and the database.
const who = fc.constantFrom("user", "user", "admin", "admin", "totp", "nobody");
const token = (w: string) => (w === "user" ? f.user.access : w === "admin" ? f.admin.access : w === "totp" ? f.totpUser.access : undefined);
const idFor = (pick: string) => (pick === "user" ? f.user.user.id : pick === "admin" ? claimsSub(f.admin.access) : pick === "totp" ? f.totpUser.user.id : pick);
const claimsSub = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).sub as string;
const realRefresh = fc.option(fc.constantFrom("live", "ended"), { freq: 2 });
const refreshOf = (which: string) => (which === "live" ? f.user.refresh : f.endedRefresh);
const pathId = fc.oneof(fc.constantFrom("user", "admin", "totp"), fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent));

describe("random JSON bodies on every endpoint", () => {
  for (const [method, route, fields] of JSON_ENDPOINTS) {
    test(`${method} ${route}`, async () => {
      await assertProperty(
        fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: bodyFor(fields) }, { weight: 1, arbitrary: anyValue }), who, pathId, realRefresh, async (body, w, id, real) => {
          const bearer = token(w);
          if (real && body && typeof body === "object" && "refresh_token" in body) (body as Record<string, unknown>).refresh_token = refreshOf(real);
          // A live mfa_token, so the second step's code checks run (and must reject without a state change).
          if (real && body && typeof body === "object" && "mfa_token" in body) (body as Record<string, unknown>).mfa_token = f.mfaToken;
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
    const field = fc.oneof(anyValue.map((v) => (typeof v === "string" ? v : JSON.stringify(v))), fc.constantFrom("password", "refresh_token", "authorization_code"), fc.constantFrom("live", "ended").map(refreshOf));
    const form = fc.dictionary(
      fc.constantFrom("grant_type", "username", "password", "refresh_token", "scope", "client_id", "extra", "code", "code_verifier", "redirect_uri"),
      field, { maxKeys: 6 },
    );
    await assertProperty(
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
