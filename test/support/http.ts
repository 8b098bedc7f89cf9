import type { TestApp } from "./app";

export type Json = Record<string, any>;
export type Reply = { status: number; headers: Headers; body: Json; text: string };

/** Sends one request to the in-process app and parses the answer. */
export async function call(
  t: Pick<TestApp, "app">,
  method: string,
  path: string,
  options: { json?: unknown; token?: string; headers?: Record<string, string>; body?: BodyInit; form?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  if (options.form) {
    headers["content-type"] ??= "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await t.app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: Json = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Registers and verifies a user through the API; returns its tokens and user. */
export async function signUp(t: TestApp, email = `user-${crypto.randomUUID().slice(0, 8)}@example.com`, password = "correct horse battery", name?: string) {
  const reg = await call(t, "POST", "/auth/register", { json: { email, password, ...(name ? { name } : {}) } });
  if (reg.status !== 201) throw new Error(`register ${reg.status}: ${reg.text}`);
  const code = t.mailer.lastCode(email, "verify-email");
  const verified = await call(t, "POST", "/auth/verify", { json: { email, code } });
  if (verified.status !== 200) throw new Error(`verify ${verified.status}: ${verified.text}`);
  return { email: email.toLowerCase(), password, user: verified.body.user, access: verified.body.access_token as string, refresh: verified.body.refresh_token as string };
}

/** Creates a verified admin directly through the repository (as ADMIN_EMAIL seeding would) and logs in. */
export async function signInAdmin(t: TestApp, email = `admin-${crypto.randomUUID().slice(0, 8)}@example.com`, password = "admin password 1") {
  await t.services.users.create({ email, passwordHash: await t.services.hasher.hash(password, 4), role: "admin", emailVerified: true });
  const res = await call(t, "POST", "/auth/login", { json: { email, password } });
  if (res.status !== 200) throw new Error(`admin login ${res.status}: ${res.text}`);
  return { email, password, access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}
