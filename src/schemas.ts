import { z } from "@hono/zod-openapi";
import type { UserListRow } from "./db/schema";

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "at most 254 characters")
  .pipe(z.email("must be a valid email address"))
  .openapi({ type: "string", format: "email", example: "ada@example.com" });

/** 8 to 72 bytes: 72 is bcrypt's limit, and a longer password is refused, never silently cut. */
export const Password = z
  .string()
  .refine((s) => utf8Bytes(s) >= 8, "must be at least 8 bytes")
  .refine((s) => utf8Bytes(s) <= 72, "must be at most 72 bytes (bcrypt's limit)")
  .openapi({ type: "string", format: "password", minLength: 8, maxLength: 72, example: "correct horse battery" });

/** Postgres text cannot hold U+0000: refused at the door (400), not by the database (500). */
export const noNul = (s: string) => !s.includes("\u0000");

export const Name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "at most 100 characters")
  .refine(noNul, "must not contain NUL characters")
  .openapi({ type: "string", example: "Ada" });

export const Code = z
  .string()
  .trim()
  .regex(/^\d{6}$/, "must be 6 digits")
  .openapi({ type: "string", example: "123456" });

export const Role = z.enum(["user", "admin"]);

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: Role,
    emailVerified: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User");

export type PublicUser = z.infer<typeof User>;

/** The public view: the only shape in which a user ever leaves the server (no hash, ever). */
export function toPublicUser(row: UserListRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.emailVerified,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const TokenPair = z
  .object({
    access_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int(),
    refresh_token: z.string(),
    refresh_expires_in: z.number().int(),
  })
  .openapi("TokenPair");

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    // Only on 403 mfa_required: the handle for POST /auth/mfa/verify, and the methods it takes.
    mfa_token: z.string().optional(),
    methods: z.array(z.enum(["totp", "recovery_code"])).optional(),
  })
  .openapi("Problem");

export const Empty = z.object({}).openapi("Empty");

/** A JSON request body; unknown fields are refused so typos do not pass silently. */
export function jsonBody<T extends z.ZodRawShape>(shape: T) {
  return { required: true, content: { "application/json": { schema: z.strictObject(shape) } } } as const;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const problemContent = { "application/problem+json": { schema: Problem } };

/** Documented problem responses for a route, by status. */
export function problems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Validation failed, or a wrong code",
    401: "Invalid credentials or token",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    429: "Rate limited",
    503: "A backend is unavailable",
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: descriptions[s] ?? "Error", content: problemContent }]));
}
