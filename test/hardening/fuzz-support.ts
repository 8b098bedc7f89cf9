import { expect } from "bun:test";
import { asc } from "drizzle-orm";
import fc from "fast-check";
import { generateSigningKey } from "../../src/auth/key-generate";
import { passkeys, recoveryCodes, totpFactors, users } from "../../src/db/schema";
import { createMemoryStore } from "../../src/store/memory";
import { buildTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { createFakeClock } from "../support/clock";
import { call, signInAdmin, signUp } from "../support/http";
import { createListingStore, type ListingStore } from "../support/listing-store";
import { firstStep, signUpWithTotp, type TotpUser } from "../support/mfa";

/** API.md's error table: every code and the one status it goes with. */
export const CODE_STATUS: Record<string, number> = {
  validation_failed: 400, invalid_credentials: 401, invalid_token: 401, invalid_code: 400,
  email_not_verified: 403, forbidden: 403, not_found: 404, method_not_allowed: 405, email_taken: 409,
  last_admin: 409, mfa_required: 403, mfa_already_enabled: 409, mfa_not_enabled: 409, invalid_redirect: 400, invalid_passkey: 400,
  last_credential: 409, payload_too_large: 413, unsupported_media_type: 415, rate_limited: 429,
  unavailable: 503, internal: 500,
};
// mfa_required adds mfa_token and methods (API.md "Two-step sign-in").
const PROBLEM_KEYS = new Set(["type", "title", "status", "code", "detail", "errors", "mfa_token", "methods"]);

// Counters a rejected attempt is meant to bump (rate limits, failed logins, wrong codes): not "state".
// Passkey challenges (pkr:, pkl:) too: any attempt that names one uses it up, by design (one try per challenge).
const COUNTER_PREFIXES = ["rl:", "lf:", "otpa:", "mfaf:", "pkr:", "pkl:"];

export type Fixture = TestApp & {
  store: ListingStore;
  user: Awaited<ReturnType<typeof signUp>>;
  admin: Awaited<ReturnType<typeof signInAdmin>>;
  endedRefresh: string;
  /** A user with TOTP on, and a live mfa_token of theirs (the second step not taken). */
  totpUser: TotpUser;
  mfaToken: string;
  /** Strings that must never appear in a response: tokens, hashes, the signing key. */
  secrets(): Promise<string[]>;
};

/** The fixture's signing key (its `d` must never appear in a response) and introspection client. */
export const FUZZ_KEY = await generateSigningKey("ES256");
export const INTROSPECTION_SECRET = "fuzz-introspection-secret-32-chars!";
export const INTROSPECTION_AUTH = `Basic ${btoa(`fuzz:${INTROSPECTION_SECRET}`)}`;

/** A fresh app on a listing store, with one verified user and one admin signed in. */
export async function fixture(): Promise<Fixture> {
  const store = createListingStore(createMemoryStore(createFakeClock()));
  // The per-client limit would turn most of the run into 429s; it gets its own property below.
  // One provider (at a closed port: nothing leaves the machine), so its routes get past the 404;
  // a signing key set and an introspection client: the JWKS and POST /auth/introspect are live too.
  const provider = { OAUTH_PROVIDERS: "fuzz", OAUTH_FUZZ_CLIENT_ID: "c", OAUTH_FUZZ_CLIENT_SECRET: "s", OAUTH_FUZZ_ISSUER: "http://127.0.0.1:9" };
  const app = await buildTestApp({
    store,
    env: {
      RATE_LIMIT_AUTH_PER_MINUTE: "0", WEBAUTHN_ORIGINS: "http://localhost:8787", ...provider,
      JWT_SIGNING_KEYS: JSON.stringify({ keys: [FUZZ_KEY] }), INTROSPECTION_CLIENTS: `fuzz:${INTROSPECTION_SECRET}`,
    },
  });
  const user = await signUp(app, "fuzz-user@example.com", "correct horse battery");
  const admin = await signInAdmin(app, "fuzz-admin@example.com", "admin password 1");
  // A second session of the user, ended by logout: its refresh token is real but dead.
  const second = await call(app, "POST", "/auth/login", { json: { email: user.email, password: user.password } });
  await call(app, "POST", "/auth/logout", { json: { refresh_token: second.body.refresh_token } });
  const endedRefresh = second.body.refresh_token as string;
  const totpUser = await signUpWithTotp(app, "fuzz-totp@example.com");
  const mfaToken = await firstStep(app, totpUser.email, totpUser.password);
  const secrets = async () => {
    const hashes = (await app.db.select({ h: users.passwordHash }).from(users)).flatMap((r) => (r.h ? [r.h] : []));
    const sealed = (await app.db.select({ c: totpFactors.secretCiphertext }).from(totpFactors)).map((r) => r.c);
    const codeHashes = (await app.db.select({ h: recoveryCodes.codeHash }).from(recoveryCodes)).map((r) => r.h);
    return [
      ...hashes, TEST_SECRET, FUZZ_KEY.d, INTROSPECTION_SECRET, user.access, user.refresh, admin.access, admin.refresh,
      totpUser.secret, ...totpUser.recoveryCodes, ...sealed, ...codeHashes, totpUser.access, totpUser.refresh,
    ];
  };
  return { ...app, store, user, admin, endedRefresh, totpUser, mfaToken, secrets };
}

/** Everything a rejected request must leave untouched: every users, factor and recovery-code row, and every non-counter store key. */
export async function snapshot(f: Fixture): Promise<string> {
  const rows = await f.db.select().from(users).orderBy(asc(users.id));
  const factors = await f.db.select().from(totpFactors).orderBy(asc(totpFactors.userId));
  const codes = await f.db.select().from(recoveryCodes).orderBy(asc(recoveryCodes.id));
  const keys = await f.db.select().from(passkeys).orderBy(asc(passkeys.id));
  return JSON.stringify({ rows, factors, codes, keys, store: await f.store.dump({ ignorePrefixes: COUNTER_PREFIXES }) });
}

// Generic leak patterns, checked only when the request itself did not contain them (echoed field names are fine).
const LEAKS: [string, RegExp][] = [
  ["bcrypt hash", /\$2[aby]\$/],
  ["stack trace", /\n\s+at |at .*\.(ts|js):\d+/],
  ["SQL", /\b(select|insert into|update|delete from)\b[^"]*\b(from|set|values|where)\b|Failed query|password_hash|SQLSTATE/i],
];

export type Sent = { method: string; path: string; headers: Record<string, string>; body?: string };

/**
 * Sends the request and checks API.md's promises for any answer: no 5xx, request id and
 * nosniff everywhere, problem+json with a documented code for every error, nothing leaked,
 * and (for a rejected request) no state changed.
 */
export async function sendAndCheck(f: Fixture, sent: Sent): Promise<Response> {
  const before = await snapshot(f);
  const res = await f.app.request(sent.path, { method: sent.method, headers: sent.headers, body: sent.body });
  const text = await res.text();
  const where = `${sent.method} ${sent.path} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get("x-request-id"), where).toBeTruthy();
  expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
  const request = `${sent.path}\n${JSON.stringify(sent.headers)}\n${sent.body ?? ""}`;
  for (const secret of await f.secrets()) expect(text.includes(secret), `${where}: leaks a secret`).toBe(false);
  for (const [what, pattern] of LEAKS) {
    if (!pattern.test(request)) expect(pattern.test(text), `${where}: looks like a ${what}`).toBe(false);
  }
  // HEAD answers carry the headers of the GET but no body to check.
  if (res.status >= 400 && sent.method !== "HEAD") {
    expect(res.headers.get("content-type"), where).toStartWith("application/problem+json");
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(CODE_STATUS[String(body.code)], where).toBe(res.status);
    expect(body.status, where).toBe(res.status);
    for (const key of Object.keys(body)) expect(PROBLEM_KEYS.has(key), `${where}: unexpected key ${key}`).toBe(true);
    if (body.code === "invalid_token") expect(res.headers.get("www-authenticate"), where).toBe('Bearer error="invalid_token"');
    if (res.status === 405) expect(res.headers.get("allow"), where).toBeTruthy();
    if (res.status === 429) expect(res.headers.get("retry-after"), where).toMatch(/^\d+$/);
    expect(await snapshot(f), `${where}: a rejected request changed state`).toBe(before);
  }
  return new Response(text, { status: res.status, headers: res.headers });
}

/** encodeURIComponent that does not throw on lone surrogates (it encodes them as their WTF-8 bytes would be: invalid). */
export const encode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80";
  }
};

/** Header-safe printable ASCII (what an HTTP client can actually send). */
export const headerText = (max = 120) => fc.stringMatching(new RegExp(`^[ -~]{0,${max}}$`));

/** Hostile strings: injection, wildcards, NUL and other control characters, huge, unicode, lookalikes. */
const nastyConstants = fc.constantFrom(
  "' OR 1=1 --", "\"; drop table users; --", "%", "_", "\\", "a%_\\", "\u0000", "abc\u0000def", "\u202e", "\ud800",
  "x".repeat(300), "é".repeat(40), "😀".repeat(20), "   ", "", "null", "undefined", "__proto__", "constructor",
  "<script>alert(1)</script>", "${7*7}", "../../etc/passwd", "fuzz-user@example.com", "FUZZ-USER@EXAMPLE.COM ",
  "fuzz-admin@example.com", "correct horse battery", "admin password 1", "123456", "admin", "user",
);
// What databases choke on (NUL, lone surrogates, LIKE wildcards, quotes), given extra weight.
const dbHostile = fc.constantFrom("\u0000", "Ada\u0000", "\ud800", "a\udfffb", "%_\\", "'--", "\u0000%");
export const nasty: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: dbHostile },
  { weight: 3, arbitrary: nastyConstants },
  fc.tuple(fc.string({ maxLength: 6 }), nastyConstants, fc.string({ maxLength: 6 })).map((parts) => parts.join("")),
);

/** Any JSON value, biased toward the types and strings validators get wrong. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
);

/** An object with some of `fields` (and sometimes an extra key), each holding any value. */
export function bodyFor(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  const known = Object.fromEntries(fields.map((k) => [k, anyValue]));
  const allHostile = Object.fromEntries(fields.map((k) => [k, nasty]));
  return fc.tuple(
    fc.oneof(fc.record(known, { requiredKeys: [] }), fc.record(allHostile)),
    fc.option(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "role", "passwordHash", "id")), anyValue), { freq: 4 }),
  ).map(([record, extra]) => (extra ? { ...record, [extra[0]]: extra[1] } : record));
}

/**
 * The seed and path of a run to replay, from the environment: FC_SEED (an integer) alone replays
 * the whole run; with FC_PATH the run goes straight to that shrunk counterexample. Unset (as in
 * CI), every run draws a fresh seed: random runs are how these properties find bugs.
 */
export function replayParameters(env: Record<string, string | undefined> = process.env): { seed?: number; path?: string } {
  const seed = env.FC_SEED?.trim();
  if (!seed) return {};
  if (!/^-?\d+$/.test(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
  const path = env.FC_PATH?.trim();
  return path ? { seed: Number(seed), path } : { seed: Number(seed) };
}

/**
 * fc.assert for the properties here: runs with the replay parameters of the environment, and on
 * failure throws fast-check's report (counterexample, seed, path) plus the command line that
 * replays exactly that run.
 */
export async function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, parameters: { numRuns: number }): Promise<void> {
  const details = await fc.check(property, { ...parameters, ...replayParameters() });
  if (!details.failed) return;
  const report = (await fc.asyncDefaultReportMessage(details)) ?? "Property failed";
  const replay = `FC_SEED=${details.seed}${details.counterexamplePath ? ` FC_PATH=${details.counterexamplePath}` : ""}`;
  const error = new Error(`${report}\n\nReplay exactly this run: ${replay} bun test <this file> -t '<this test>'`);
  if (details.errorInstance instanceof Error) error.cause = details.errorInstance;
  throw error;
}
