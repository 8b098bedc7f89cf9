import { describe, expect, test } from "bun:test";
import { createApp } from "../src/app";
import { DatabaseUnavailableError } from "../src/db/errors";
import { StoreUnavailableError } from "../src/store/store";
import { buildTestApp } from "./support/app";
import { call } from "./support/http";
import { DOCS_CSP } from "../src/routes/web";
import { scalarVersion, version } from "../src/web/assets.generated";
import { scalarPackage, scalarScriptPath } from "../src/web/scalar";

/** Every route of API.md, as OpenAPI paths. */
const API_ROUTES: [string, string][] = [
  ["get", "/health"],
  ["get", "/ready"],
  ["post", "/auth/register"],
  ["post", "/auth/verify"],
  ["post", "/auth/verify/resend"],
  ["post", "/auth/login"],
  ["post", "/auth/token"],
  ["post", "/auth/refresh"],
  ["post", "/auth/logout"],
  ["post", "/auth/logout-all"],
  ["post", "/auth/password/forgot"],
  ["post", "/auth/password/reset"],
  ["get", "/auth/providers"],
  ["get", "/auth/oauth/{provider}/authorize"],
  ["get", "/auth/oauth/{provider}/callback"],
  ["get", "/users/me/identities"],
  ["delete", "/users/me/identities/{id}"],
  ["post", "/auth/introspect"],
  ["get", "/.well-known/jwks.json"],
  ["get", "/.well-known/openid-configuration"],
  ["get", "/.well-known/oauth-authorization-server"],
  ["get", "/users/me"],
  ["post", "/users/me/passkeys/options"],
  ["post", "/users/me/passkeys"],
  ["get", "/users/me/passkeys"],
  ["patch", "/users/me/passkeys/{id}"],
  ["delete", "/users/me/passkeys/{id}"],
  ["post", "/auth/passkey/options"],
  ["post", "/auth/passkey/login"],
  ["patch", "/users/me"],
  ["post", "/users/me/password"],
  ["delete", "/users/me"],
  ["get", "/users"],
  ["post", "/users"],
  ["get", "/users/{id}"],
  ["patch", "/users/{id}"],
  ["delete", "/users/{id}"],
  ["post", "/auth/mfa/verify"],
  ["get", "/users/me/mfa"],
  ["post", "/users/me/mfa/totp"],
  ["post", "/users/me/mfa/totp/confirm"],
  ["post", "/users/me/mfa/recovery-codes"],
  ["delete", "/users/me/mfa/totp"],
  ["delete", "/users/{id}/mfa"],
  ["get", "/users/me/sessions"],
  ["delete", "/users/me/sessions/{id}"],
  ["get", "/users/me/activity"],
  ["get", "/users/{id}/sessions"],
  ["delete", "/users/{id}/sessions"],
  ["get", "/audit"],
];

describe("health and readiness", () => {
  test("GET /health → 200 {status: ok}, touching nothing", async () => {
    const t = await buildTestApp();
    const broken = {
      app: createApp({
        ...t.services,
        users: { ...t.services.users, ping: async () => { throw new DatabaseUnavailableError(); } },
        store: { ...t.store, ping: async () => { throw new StoreUnavailableError(); } },
      }),
    };
    for (const target of [t, broken]) {
      const res = await call(target, "GET", "/health");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
    }
  });

  test("GET /ready → 200 when the database and the store answer", async () => {
    const t = await buildTestApp();
    const res = await call(t, "GET", "/ready");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", database: "ok", store: "ok" });
  });

  test("GET /ready → 503 naming what is down", async () => {
    const t = await buildTestApp();
    const dbDown = { app: createApp({ ...t.services, users: { ...t.services.users, ping: async () => { throw new DatabaseUnavailableError(); } } }) };
    const storeDown = { app: createApp({ ...t.services, store: { ...t.store, ping: async () => { throw new Error("boom"); } } }) };
    const a = await call(dbDown, "GET", "/ready");
    expect(a.status).toBe(503);
    expect(a.body).toEqual({ status: "down", database: "down", store: "ok" });
    expect(a.headers.get("retry-after")).toBeTruthy();
    const b = await call(storeDown, "GET", "/ready");
    expect(b.status).toBe(503);
    expect(b.body).toEqual({ status: "down", database: "ok", store: "down" });
    expect(b.text).not.toContain("boom");
  });
});

describe("GET /openapi.json", () => {
  test("is an OpenAPI 3.1 document of every route of API.md, and nothing more", async () => {
    const t = await buildTestApp();
    const res = await call(t, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toStartWith("3.1");
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).filter((k) => ["get", "post", "patch", "put", "delete"].includes(k)).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(API_ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  test("documents the OAuth2 password flow at /auth/token, and Bearer security on protected routes", async () => {
    const t = await buildTestApp();
    const doc = (await call(t, "GET", "/openapi.json")).body;
    const schemes = Object.values(doc.components.securitySchemes as Record<string, any>);
    const oauth = schemes.find((s) => s.type === "oauth2");
    expect(oauth.flows.password.tokenUrl).toBe("/auth/token");
    const form = doc.paths["/auth/token"].post.requestBody.content["application/x-www-form-urlencoded"].schema;
    expect(form.properties.grant_type.enum.sort()).toEqual(["authorization_code", "password", "refresh_token"]);
    for (const field of ["username", "password", "refresh_token", "code", "code_verifier", "redirect_uri"]) expect(form.properties[field]).toBeDefined();
    const protectedRoutes = API_ROUTES.filter(([, p]) => p.startsWith("/users") || p === "/auth/logout-all" || p === "/audit");
    for (const [method, path] of protectedRoutes) expect(doc.paths[path][method].security?.length).toBeGreaterThan(0);
    // Introspection takes a client's HTTP Basic credentials, not a user's bearer token.
    expect(doc.paths["/auth/introspect"].post.security).toEqual([{ introspectionClient: [] }]);
    expect(doc.components.securitySchemes.introspectionClient).toMatchObject({ type: "http", scheme: "basic" });
    const open = API_ROUTES.filter((r) => !protectedRoutes.includes(r) && r[1] !== "/auth/introspect");
    for (const [method, path] of open) expect(doc.paths[path][method].security).toBeUndefined();
  });

  test("request schemas are the ones that validate: strict bodies, password byte limits, list limits", async () => {
    const t = await buildTestApp();
    const doc = (await call(t, "GET", "/openapi.json")).body;
    const register = doc.paths["/auth/register"].post.requestBody.content["application/json"].schema;
    expect(register.additionalProperties).toBe(false);
    expect(register.required.sort()).toEqual(["email", "password"]);
    const limit = doc.paths["/users"].get.parameters.find((p: { name: string }) => p.name === "limit");
    expect(limit.schema).toMatchObject({ minimum: 1, maximum: 100 });
    const user = doc.components.schemas.User;
    expect(Object.keys(user.properties).sort()).toEqual(["createdAt", "disabled", "email", "emailVerified", "id", "name", "role", "updatedAt"]);
  });
});

describe("GET /docs", () => {
  test("serves an HTML API reference on /openapi.json, all from this origin, under a CSP without inline scripts", async () => {
    const t = await buildTestApp();
    const res = await call(t, "GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(res.headers.get("content-security-policy")).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("default-src 'self'; script-src 'self';");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    // Scripts: Scalar's bundle at the installed version, then the start script; none inline, none elsewhere.
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([` src="${scalarScriptPath(scalarVersion)}"`, ` src="/docs/docs.js?v=${version}"`]);
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(scalarVersion).toBe(scalarPackage().version);
    const start = await call(t, "GET", `/docs/docs.js?v=${version}`);
    expect(start.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(start.text).toContain("/openapi.json");
    expect(start.text).toContain("createApiReference");
  });
});
