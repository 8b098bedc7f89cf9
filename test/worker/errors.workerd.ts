// Error answers from the Worker: problem+json with stable codes, nothing leaked.
import { beforeAll, describe, expect, it } from "vitest";
import { call, uniqueEmail, untilReady } from "./helpers";

const isProblem = (r: { headers: Headers }) => expect(r.headers.get("content-type")).toContain("application/problem+json");

describe("errors from the Worker", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("404 for an unknown path", async () => {
    const r = await call("GET", "/nowhere");
    expect(r.status).toBe(404);
    isProblem(r);
    expect(r.body).toMatchObject({ status: 404, code: "not_found" });
  });

  it("405 with Allow for a known path and another method", async () => {
    const r = await call("GET", "/auth/login");
    expect(r.status).toBe(405);
    isProblem(r);
    expect(r.body.code).toBe("method_not_allowed");
    expect(r.headers.get("allow")).toContain("POST");
  });

  it("400 validation_failed names the bad field and echoes no password", async () => {
    const r = await call("POST", "/auth/register", { json: { email: "not-an-email", password: "short" } });
    expect(r.status).toBe(400);
    isProblem(r);
    expect(r.body.code).toBe("validation_failed");
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["email", "password"]));
    expect(JSON.stringify(r.body)).not.toContain("short");
  });

  it("400 for malformed JSON", async () => {
    const r = await call("POST", "/auth/login", { headers: { "content-type": "application/json" }, raw: '{"email": ' });
    expect(r.status).toBe(400);
    isProblem(r);
    expect(r.body.code).toBe("validation_failed");
  });

  it("401 invalid_credentials for a wrong password, the same as for an unknown email", async () => {
    const email = uniqueEmail("wrong");
    expect((await call("POST", "/auth/register", { json: { email, password: "correct horse battery" } })).status).toBe(201);
    const wrong = await call("POST", "/auth/login", { json: { email, password: "incorrect horse" } });
    const unknown = await call("POST", "/auth/login", { json: { email: uniqueEmail("nobody"), password: "incorrect horse" } });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      isProblem(r);
      expect(r.body.code).toBe("invalid_credentials");
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it("401 invalid_token with WWW-Authenticate for a missing or forged bearer token", async () => {
    for (const token of [undefined, "not.a.jwt"]) {
      const r = await call("GET", "/users/me", { token });
      expect(r.status).toBe(401);
      isProblem(r);
      expect(r.body.code).toBe("invalid_token");
      expect(r.headers.get("www-authenticate")).toContain("invalid_token");
    }
  });
});
