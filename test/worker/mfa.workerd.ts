// Two-step sign-in inside workerd (Neon HTTP + Upstash behind the Worker): the TOTP library, the
// secret box (Web Crypto AES-GCM, HKDF) and the one-statement writes all run in the Workers
// runtime. Real time here (no fake clock): codes are computed for now, and the next step on.
import { Secret, TOTP } from "otpauth";
import { beforeAll, describe, expect, it } from "vitest";
import { call, mailedCode, uniqueEmail, untilReady } from "./helpers";

const codeAt = (secret: string, ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: ms });
// Its own client address, so the per-client limit counts this file's requests apart from the others'.
const headers = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 200) + 1}` };
const claims = (jwt: string) => JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;

describe("two-step sign-in in workerd", () => {
  beforeAll(async () => {
    expect((await untilReady()).status).toBe(200);
  }, 30_000);

  it("enrolls, asks for the second step on login and the password grant, takes a TOTP code once and a recovery code once", async () => {
    const email = uniqueEmail("mfa");
    const password = "correct horse battery";
    expect((await call("POST", "/auth/register", { json: { email, password }, headers })).status).toBe(201);
    const verified = await call("POST", "/auth/verify", { json: { email, code: await mailedCode(email) }, headers });
    expect(verified.status).toBe(200);
    const access = verified.body.access_token as string;

    const enrolled = await call("POST", "/users/me/mfa/totp", { token: access, json: { password }, headers });
    expect(enrolled.status).toBe(200);
    const secret = enrolled.body.secret as string;
    expect(enrolled.body.otpauth_uri).toContain(`secret=${secret}`);
    const confirmed = await call("POST", "/users/me/mfa/totp/confirm", { token: access, json: { code: codeAt(secret, Date.now()) }, headers });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect(claims(confirmed.body.access_token)).toMatchObject({ aal: "aal2", amr: ["otp", "mfa"] });
    expect((await call("GET", "/users/me", { token: access, headers })).status).toBe(401); // the old session ended

    const login = await call("POST", "/auth/login", { json: { email, password }, headers });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ code: "mfa_required", methods: ["totp", "recovery_code"] });
    expect(login.body.access_token).toBeUndefined();
    const grant = await call("POST", "/auth/token", {
      raw: new URLSearchParams({ grant_type: "password", username: email, password }).toString(),
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(grant.status).toBe(403);
    expect(grant.body.code).toBe("mfa_required");

    // The next step's code: within one step of now, and later than the confirming one.
    const next = codeAt(secret, Date.now() + 30_000);
    const done = await call("POST", "/auth/mfa/verify", { json: { mfa_token: login.body.mfa_token, method: "totp", code: next }, headers });
    expect(done.status).toBe(200);
    expect(claims(done.body.access_token)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });
    const replay = await call("POST", "/auth/mfa/verify", { json: { mfa_token: grant.body.mfa_token, method: "totp", code: next }, headers });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe("invalid_code");

    const recovered = await call("POST", "/auth/mfa/verify", { json: { mfa_token: grant.body.mfa_token, method: "recovery_code", code: confirmed.body.recovery_codes[0] }, headers });
    expect(recovered.status).toBe(200);
    const status = await call("GET", "/users/me/mfa", { token: recovered.body.access_token, headers });
    expect(status.body).toEqual({ totp: true, recoveryCodesRemaining: 9 });
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: recovered.body.refresh_token }, headers });
    expect(refreshed.status).toBe(200);
    expect(claims(refreshed.body.access_token)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });

    // One recovery code, five second steps at once: exactly one signs in.
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await call("POST", "/auth/login", { json: { email, password }, headers })).body.mfa_token);
    const race = await Promise.all(tokens.map((t) => call("POST", "/auth/mfa/verify", { json: { mfa_token: t, method: "recovery_code", code: confirmed.body.recovery_codes[1] }, headers })));
    expect(race.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);

    const off = await call("DELETE", "/users/me/mfa/totp", { token: refreshed.body.access_token, json: { code: confirmed.body.recovery_codes[2] }, headers });
    expect(off.status).toBe(204);
    expect((await call("POST", "/auth/login", { json: { email, password }, headers })).status).toBe(200);
  });
});
