import { expect } from "bun:test";
import type { Reply } from "./http";

/** An RFC 9457 problem document with this status and code (API.md's error shape). */
export function expectProblem(res: Reply, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/problem+json");
  expect(res.body).toMatchObject({ type: "about:blank", status, code });
  expect(typeof res.body.title).toBe("string");
  expect(typeof res.body.detail).toBe("string");
}

/** 401 invalid_token with the WWW-Authenticate header API.md requires. */
export function expectInvalidToken(res: Reply): void {
  expect(res.status).toBe(401);
  expect(res.body.code).toBe("invalid_token");
  expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
}

/** A TokenPair with API.md's field names and the default lifetimes. */
export function expectTokenPair(body: Record<string, unknown>): void {
  expect(body).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 2_592_000 });
  expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(body.refresh_token).toMatch(/^[\w-]{43}$/);
}

/** The (unverified) claims of a JWT, to compare sessions and roles. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}
