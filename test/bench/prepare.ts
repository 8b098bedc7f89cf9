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

/** `work` over `items`, four at a time (each one costs bcrypt runs on the shared cores); results in item order. */
async function fourAtATime<T, R>(items: T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 4) results.push(...(await Promise.all(items.slice(i, i + 4).map((item, k) => work(item, i + k)))));
  return results;
}

/**
 * `count` users through the public API, the way a person would: register, read the code from the
 * mail catcher, verify (session 1), log in (session 2). Returns one access token per user (from
 * session 1, for `me`) and one refresh token per user (session 2: one rotation chain each).
 */
export async function prepareApiUsers(base: string, mail: MailCatcher, count: number, runId: string) {
  const emails = Array.from({ length: count }, (_, i) => `api-${runId}-${i}@bench.test`);
  const pairs = await fourAtATime(emails, async (email, i) => {
    await post(`${base}/auth/register`, { email, password: BENCH_PASSWORD, name: `Bench ${i}` }, 201);
    const verified: Pair = await post(`${base}/auth/verify`, { email, code: await mail.codeFor(email) }, 200);
    const second = await login(base, email, BENCH_PASSWORD);
    return { access: verified.access_token, refresh: second.refresh_token };
  });
  return { access: pairs.map((p) => p.access), refresh: pairs.map((p) => p.refresh), emails };
}

/** A fresh refresh token per user (one login each): a new round's rotation chains, none ever replayed. */
export async function freshRefreshTokens(base: string, emails: string[]): Promise<string[]> {
  return fourAtATime(emails, async (email) => (await login(base, email, BENCH_PASSWORD)).refresh_token);
}

/** A fresh token pair per user (one login each): for a second server that signs differently. */
export async function freshPairs(base: string, emails: string[]): Promise<Pair[]> {
  return fourAtATime(emails, (email) => login(base, email, BENCH_PASSWORD));
}
