import type { MailCatcher } from "./mail-catcher";

export const BENCH_PASSWORD = "bench-password-1";

type Pair = { access_token: string; refresh_token: string };

async function post(url: string, body: unknown, expect: number): Promise<any> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== expect) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** Logs in through the API and returns the token pair. */
export function login(base: string, email: string, password: string): Promise<Pair> {
  return post(`${base}/auth/login`, { email, password }, 200);
}

/**
 * `count` users through the public API, the way a person would: register, read the code from the
 * mail catcher, verify (session 1), log in (session 2). Returns one access token per user (from
 * session 1, for `me`) and one refresh token per user (session 2: one rotation chain each).
 */
export async function prepareApiUsers(base: string, mail: MailCatcher, count: number, runId: string) {
  const access: string[] = [];
  const refresh: string[] = [];
  const one = async (i: number) => {
    const email = `api-${runId}-${i}@bench.test`;
    await post(`${base}/auth/register`, { email, password: BENCH_PASSWORD, name: `Bench ${i}` }, 201);
    const verified: Pair = await post(`${base}/auth/verify`, { email, code: await mail.codeFor(email) }, 200);
    const second = await login(base, email, BENCH_PASSWORD);
    access.push(verified.access_token);
    refresh.push(second.refresh_token);
  };
  // A few at a time: each one costs three bcrypt runs (register, login) on the shared cores.
  for (let i = 0; i < count; i += 4) await Promise.all([0, 1, 2, 3].filter((k) => i + k < count).map((k) => one(i + k)));
  return { access, refresh, emails: Array.from({ length: count }, (_, i) => `api-${runId}-${i}@bench.test`) };
}

/** A fresh refresh token per user (one login each): a new round's rotation chains, none ever replayed. */
export async function freshRefreshTokens(base: string, emails: string[]): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < emails.length; i += 4) {
    const pairs = await Promise.all(emails.slice(i, i + 4).map((email) => login(base, email, BENCH_PASSWORD)));
    tokens.push(...pairs.map((p) => p.refresh_token));
  }
  return tokens;
}
