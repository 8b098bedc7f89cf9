import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "validation_failed"
  | "invalid_credentials"
  | "invalid_token"
  | "invalid_code"
  | "invalid_passkey"
  | "invalid_redirect"
  | "email_not_verified"
  | "mfa_required"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "email_taken"
  | "last_admin"
  | "last_credential"
  | "mfa_already_enabled"
  | "mfa_not_enabled"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "unavailable"
  | "internal";

export type FieldError = { path: string; message: string };

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An error the HTTP layer answers as an RFC 9457 problem document. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    readonly detail: string,
    /** `fields`: members added to the problem document (mfa_required's `mfa_token` and `methods`). */
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(detail);
  }
}

export const invalidToken = (detail = "The token is missing, invalid, expired or revoked.") =>
  new ApiError(401, "invalid_token", detail, { headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });

/** A wrong email or password, and an unknown email alike: one answer, so nothing is probed. */
export const invalidCredentials = () => new ApiError(401, "invalid_credentials", "Email or password is incorrect.");

export const rateLimited = (retryAfterSeconds: number, detail = "Too many attempts. Try again later.") =>
  new ApiError(429, "rate_limited", detail, { headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) } });

/** Renders an ApiError as `application/problem+json`. */
export function problem(c: Context, error: ApiError): Response {
  const body: Record<string, unknown> = {
    type: "about:blank",
    title: TITLES[error.status] ?? "Error",
    status: error.status,
    code: error.code,
    detail: error.detail,
  };
  if (error.extra.errors) body.errors = error.extra.errors;
  if (error.extra.fields) Object.assign(body, error.extra.fields);
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) c.header(name, value);
  c.header("Content-Type", "application/problem+json");
  return c.body(JSON.stringify(body), error.status);
}
