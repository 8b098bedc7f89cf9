import { createApp } from "../../src/app";
import type { TestApp } from "./app";
import { jwtClaims } from "./expect";
import { call, signUp, type Reply } from "./http";

/** The same services and store, with every bcrypt verify counted. */
export function countingVerifies(t: TestApp): { app: TestApp["app"]; verifies: () => number } {
  let count = 0;
  const { hasher } = t.services;
  const app = createApp({ ...t.services, hasher: { hash: (p, c) => hasher.hash(p, c), verify: (p, h) => (count++, hasher.verify(p, h)) } });
  return { app, verifies: () => count };
}

/** `n` logins for one email at once, each from its own client address (the per-client limit is not under test). */
export function parallelLogins(app: TestApp["app"], email: string, passwords: (i: number) => string, n: number): Promise<Reply[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      call({ app }, "POST", "/auth/login", { json: { email, password: passwords(i) }, headers: { "x-test-client": `10.9.${Math.floor(i / 250)}.${i % 250}` } }),
    ),
  );
}

/**
 * The two halves of the failed-login limit under concurrency, for one store: `n` parallel wrong
 * passwords get at most `limit` bcrypt checks (the rest 429), and `n` parallel correct ones all get
 * in, each with its own session. Returns what the test asserts on.
 */
export async function loginBursts(t: TestApp, n: number) {
  const { app, verifies } = countingVerifies(t);
  const victim = await signUp(t);
  const wrong = await parallelLogins(app, victim.email, (i) => `wrong guess ${i}`, n);
  const wrongVerifies = verifies();
  const afterWrong = await call({ app }, "POST", "/auth/login", { json: { email: victim.email, password: victim.password } });

  const owner = await signUp(t);
  const right = await parallelLogins(app, owner.email, () => owner.password, n);
  const sessions = new Set(right.filter((r) => r.status === 200).map((r) => jwtClaims(r.body.access_token).sid as string));
  const alive = await Promise.all(right.filter((r) => r.status === 200).map((r) => call({ app }, "GET", "/users/me", { token: r.body.access_token })));
  return { wrong, wrongVerifies, afterWrong, right, sessions, alive };
}
