import { beforeEach, describe, test } from "bun:test";
import fc from "fast-check";
import { call } from "../support/http";
import { SoftwareAuthenticator } from "../support/software-authenticator";
import { anyValue, assertProperty, bodyFor, fixture, INTROSPECTION_AUTH, nasty, sendAndCheck, type Fixture } from "./fuzz-support";

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
  ["POST", "/users/me/passkeys/options", []],
  ["POST", "/users/me/passkeys", ["credential", "name"]],
  ["PATCH", "/users/me/passkeys/:id", ["name"]],
  ["POST", "/auth/passkey/options", []],
  ["POST", "/auth/passkey/login", ["credential"]],
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

describe("mutated passkey credentials", () => {
  // A real credential with one field replaced, cut or re-typed: never a 5xx, never a row or a session.
  const paths = {
    registration: ["id", "rawId", "type", "response", "response.clientDataJSON", "response.attestationObject", "response.transports", "clientExtensionResults", "authenticatorAttachment"],
    login: ["id", "rawId", "type", "response", "response.clientDataJSON", "response.authenticatorData", "response.signature", "response.userHandle", "clientExtensionResults"],
  };
  const mutation = fc.oneof(
    anyValue.map((v) => () => v),
    nasty.map((v) => () => v),
    fc.nat({ max: 40 }).map((n) => (old: unknown) => (typeof old === "string" ? old.slice(0, n) : old)),
    fc.constant((old: unknown) => (typeof old === "string" ? `${old.slice(1)}${old[0] === "A" ? "B" : "A"}` : old)),
    fc.constant((old: unknown) => (typeof old === "string" ? old.repeat(40) : old)),
  );
  const mutate = (credential: Record<string, any>, path: string, change: (old: unknown) => unknown) => {
    const copy = structuredClone(credential);
    const [head, tail] = path.split(".") as [string, string?];
    if (tail) copy[head][tail] = change(copy[head][tail]);
    else copy[head] = change(copy[head]);
    return copy;
  };

  for (const kind of ["registration", "login"] as const) {
    test(kind, async () => {
      const device = new SoftwareAuthenticator("http://localhost:8787");
      if (kind === "login") {
        const options = await call(f, "POST", "/users/me/passkeys/options", { token: f.user.access, json: {} });
        await call(f, "POST", "/users/me/passkeys", { token: f.user.access, json: { credential: await device.create(options.body as never) } });
      }
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...paths[kind]), mutation, async (path, change) => {
          const registration = kind === "registration";
          const options = registration
            ? await call(f, "POST", "/users/me/passkeys/options", { token: f.user.access, json: {} })
            : await call(f, "POST", "/auth/passkey/options", { json: {} });
          const valid = registration ? await new SoftwareAuthenticator("http://localhost:8787").create(options.body as never) : await device.get(options.body as never);
          const credential = mutate(valid, path, change);
          // A mutation that changed nothing (or only what is not checked) may pass: only check the failures.
          if (JSON.stringify(credential) === JSON.stringify(valid)) return;
          const res = await sendAndCheck(f, {
            method: "POST",
            path: registration ? "/users/me/passkeys" : "/auth/passkey/login",
            headers: { "content-type": "application/json", ...(registration ? { authorization: `Bearer ${f.user.access}` } : {}) },
            body: JSON.stringify({ credential }),
          });
          // Bytes after the attestation object's CBOR map are ignored by the decoder (nothing reads or
          // signs them; refusing them would risk real authenticators with unusual CBOR): only appending may pass.
          const mutated: unknown = credential.response?.attestationObject;
          const appended = path === "response.attestationObject" && typeof mutated === "string" && mutated.startsWith(valid.response.attestationObject);
          if (res.status < 400 && !appended && !["clientExtensionResults", "authenticatorAttachment", "response.transports", "response.userHandle"].includes(path)) {
            throw new Error(`${kind}: a credential with ${path} changed was accepted (${res.status})`);
          }
        }),
        { numRuns: 60 },
      );
    }, 60_000);
  }
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
