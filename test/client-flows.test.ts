// The client's multi-step sign-ins against the in-process app: password → mfa_required → the
// second step with a real TOTP code, and a provider sign-in through the local OpenID Connect
// provider (PKCE built by the client, finished from the redirect URL).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, EdgeAuthError, memoryStorage, type EdgeAuthClient, type FlowStorage } from "../src/client/client";
import type * as Contract from "../src/client/contract";
import { buildTestApp, type TestApp } from "./support/app";
import { alignToStep, codeAt, signUpWithTotp } from "./support/mfa";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider";
import { APP_REDIRECT, atProvider, callback, providerEnv } from "./support/provider-flow";

function memoryFlows(): FlowStorage & { size: () => number } {
  const map = new Map<string, string>();
  return { get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k), size: () => map.size };
}

function clientFor(t: TestApp, flowStorage: FlowStorage = memoryFlows()) {
  const storage = memoryStorage();
  const client = createClient({
    baseUrl: "http://localhost",
    storage,
    flowStorage,
    fetch: (url, init) => Promise.resolve(t.app.request(url, init)),
  });
  return { client, storage };
}

describe("the two-step sign-in through the client", () => {
  test("login → mfa_required with its methods → verifyMfa with the authenticator's code → signed in at aal2", async () => {
    const t = await buildTestApp();
    const u = await signUpWithTotp(t);
    const { client, storage } = clientFor(t);
    const first = await client.login({ email: u.email, password: u.password });
    if (first.status !== "mfa_required") throw new Error(`expected mfa_required, got ${first.status}`);
    expect(first.methods).toEqual(["totp", "recovery_code"]);
    expect(client.signedIn).toBe(false);
    expect(await storage.get()).toBeNull();

    // A wrong code: the typed error, and the same mfaToken may be tried again.
    const wrong = (await client.verifyMfa({ mfaToken: first.mfaToken, method: "totp", code: "000000" }).catch((e: unknown) => e)) as EdgeAuthError;
    expect(wrong).toBeInstanceOf(EdgeAuthError);
    expect(wrong.code).toBe("invalid_code");

    const at = alignToStep(t);
    expect(await client.verifyMfa({ mfaToken: first.mfaToken, method: "totp", code: codeAt(u.secret, at) })).toEqual({ status: "signed_in" });
    expect(client.signedIn).toBe(true);
    expect((await client.me()).email).toBe(u.email);
    const mfa = await client.mfa.status();
    expect(mfa).toEqual({ totp: true, recoveryCodesRemaining: 10 });
    const [current] = (await client.sessions.list()).filter((s) => s.current);
    expect(current!.aal).toBe("aal2");
    expect(current!.amr).toEqual(expect.arrayContaining(["pwd", "otp"]));
  });

  test("a recovery code is the other method, and it works once", async () => {
    const t = await buildTestApp();
    const u = await signUpWithTotp(t);
    const { client } = clientFor(t);
    const first = await client.login({ email: u.email, password: u.password });
    if (first.status !== "mfa_required") throw new Error("expected mfa_required");
    expect(await client.verifyMfa({ mfaToken: first.mfaToken, method: "recovery_code", code: u.recoveryCodes[0]! })).toEqual({ status: "signed_in" });
    expect((await client.mfa.status()).recoveryCodesRemaining).toBe(9);

    const again = clientFor(t).client;
    const second = await again.login({ email: u.email, password: u.password });
    if (second.status !== "mfa_required") throw new Error("expected mfa_required");
    const reused = (await again.verifyMfa({ mfaToken: second.mfaToken, method: "recovery_code", code: u.recoveryCodes[0]! }).catch((e: unknown) => e)) as EdgeAuthError;
    expect(reused.code).toBe("invalid_code");
  });
});

let oidc: OidcProvider;
beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterAll(async () => {
  await oidc.stop();
});

/** What a browser does between signInUrl and the redirect back: authorize → provider → our callback. */
async function browse(t: TestApp, signInUrl: string): Promise<string> {
  const url = new URL(signInUrl);
  const started = await t.app.request(url.pathname + url.search, {}, undefined);
  expect(started.status).toBe(302);
  const callbackUrl = await atProvider(started.headers.get("location")!);
  const back = await callback(t, callbackUrl);
  expect(back.status).toBe(302);
  return back.headers.get("location")!;
}

describe("a provider sign-in through the client", () => {
  test("signInUrl (PKCE S256) → the local OIDC provider → finish(redirect URL) → signed in with amr fed", async () => {
    const t = await buildTestApp({ env: providerEnv(oidc) });
    const flows = memoryFlows();
    const { client, storage } = clientFor(t, flows);
    expect(await client.providers.list()).toEqual([{ id: "mock", name: "Mock ID" }]);
    const email = `fed-${crypto.randomUUID().slice(0, 8)}@example.com`;
    oidc.signInAs({ sub: `sub-${crypto.randomUUID()}`, email, email_verified: true, name: "Ada" });

    const signInUrl = await client.providers.signInUrl("mock", APP_REDIRECT);
    const query = new URL(signInUrl).searchParams;
    expect(query.get("code_challenge_method")).toBe("S256");
    expect(query.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(flows.size()).toBe(1);

    const redirected = await browse(t, signInUrl);
    expect(redirected.startsWith(`${APP_REDIRECT}?`)).toBe(true);
    expect(await client.providers.finish(redirected)).toEqual({ status: "signed_in" });
    expect(flows.size()).toBe(0);
    const me = await client.me();
    expect(me).toMatchObject({ email, name: "Ada", emailVerified: true });
    expect((await client.identities.list()).map((i) => i.provider)).toEqual(["mock"]);
    expect((await client.sessions.list()).find((s) => s.current)!.amr).toEqual(["fed"]);
    expect(await storage.get()).not.toBeNull();

    // The same redirect URL again (a replayed link): its state was used up here.
    const replay = (await client.providers.finish(redirected).catch((e: unknown) => e)) as EdgeAuthError;
    expect(replay.code).toBe("invalid_state");
  });

  test("a redirect whose state this client never started is refused before any request", async () => {
    const t = await buildTestApp({ env: providerEnv(oidc) });
    const { client } = clientFor(t);
    const other = clientFor(t).client;
    oidc.signInAs({ sub: `sub-${crypto.randomUUID()}`, email: `x-${crypto.randomUUID().slice(0, 8)}@example.com`, email_verified: true });
    const planted = await browse(t, await other.providers.signInUrl("mock", APP_REDIRECT));
    const refused = (await client.providers.finish(planted).catch((e: unknown) => e)) as EdgeAuthError;
    expect(refused).toMatchObject({ code: "invalid_state" });
    expect(client.signedIn).toBe(false);
  });
});

// Type-level checks of the methods typed from the mfa, passkeys, sessions and audit routes.
function typeChecks(client: EdgeAuthClient) {
  // @ts-expect-error the second step's method is totp or recovery_code (mfa route's enum)
  void client.verifyMfa({ mfaToken: "t", method: "sms", code: "1" });
  // @ts-expect-error the audit route's type filter is one of the event types
  void client.admin.audit({ type: "no_such_event" });
  // @ts-expect-error activity's cursor is the previous page's nextCursor (a string)
  void client.activity({ cursor: 5 });
  void (async () => {
    const status = await client.mfa.status();
    // @ts-expect-error recoveryCodesRemaining is a number, not a string
    const left: string = status.recoveryCodesRemaining;
    const [session] = await client.sessions.list();
    // @ts-expect-error aal is aal1 or aal2
    const aal: "aal3" = session!.aal;
    const [passkey] = await client.passkeys.list();
    // @ts-expect-error backedUp is a boolean
    const backedUp: string = passkey!.backedUp;
    const [identity] = await client.identities.list();
    // @ts-expect-error a linked identity has no password field
    void identity!.password;
    const page = await client.activity();
    // @ts-expect-error an event's type is one of the audit types
    const type: "nothing" = page.events[0]!.type;
    const enrollment = await client.mfa.enrollTotp("pw");
    const uri: string = enrollment.otpauth_uri;
    void [left, aal, backedUp, type, uri];
  });
}
void typeChecks;

// Every type the client exports from the contract is a real shape: a lookup that stopped matching
// its route (a renamed route, a status code changed) would give `never` or `any` and pass silently.
type Vacuous<T> = 0 extends 1 & T ? true : [T] extends [never] ? true : false;
type Derived = {
  User: Contract.User;
  TokenPair: Contract.TokenPair;
  RegisterInput: Contract.RegisterInput;
  VerifyInput: Contract.VerifyInput;
  LoginInput: Contract.LoginInput;
  ResetInput: Contract.ResetInput;
  ProfilePatch: Contract.ProfilePatch;
  PasswordChange: Contract.PasswordChange;
  UserPage: Contract.UserPage;
  UserListQuery: Contract.UserListQuery;
  NewUserInput: Contract.NewUserInput;
  UserPatchInput: Contract.UserPatchInput;
  RegisterReply: Contract.RegisterReply;
  AcceptedReply: Contract.AcceptedReply;
  ResendInput: Contract.ResendInput;
  ForgotInput: Contract.ForgotInput;
  TokenForm: Contract.TokenForm;
  MfaVerifyInput: Contract.MfaVerifyInput;
  MfaMethod: Contract.MfaMethod;
  MfaStatus: Contract.MfaStatus;
  TotpEnrollInput: Contract.TotpEnrollInput;
  TotpEnrollment: Contract.TotpEnrollment;
  TotpConfirmInput: Contract.TotpConfirmInput;
  TotpConfirmed: Contract.TotpConfirmed;
  RecoveryCodesInput: Contract.RecoveryCodesInput;
  RecoveryCodes: Contract.RecoveryCodes;
  TotpDisableInput: Contract.TotpDisableInput;
  PasskeyCreationOptions: Contract.PasskeyCreationOptions;
  PasskeyRequestOptions: Contract.PasskeyRequestOptions;
  NewPasskeyInput: Contract.NewPasskeyInput;
  RegistrationCredentialJSON: Contract.RegistrationCredentialJSON;
  Passkey: Contract.Passkey;
  PasskeyList: Contract.PasskeyList;
  PasskeyRename: Contract.PasskeyRename;
  PasskeyLoginInput: Contract.PasskeyLoginInput;
  AuthenticationCredentialJSON: Contract.AuthenticationCredentialJSON;
  ProviderList: Contract.ProviderList;
  Provider: Contract.Provider;
  AuthorizeQuery: Contract.AuthorizeQuery;
  IdentityList: Contract.IdentityList;
  Identity: Contract.Identity;
  SessionList: Contract.SessionList;
  DeviceSession: Contract.DeviceSession;
  UserSessionList: Contract.UserSessionList;
  ActivityQuery: Contract.ActivityQuery;
  ActivityPage: Contract.ActivityPage;
  ActivityEvent: Contract.ActivityEvent;
  AuditQuery: Contract.AuditQuery;
  AuditPage: Contract.AuditPage;
  AuditEvent: Contract.AuditEvent;
};
type VacuousNames = { [K in keyof Derived]: Vacuous<Derived[K]> extends true ? K : never }[keyof Derived];
const noVacuousTypes: [VacuousNames] extends [never] ? true : VacuousNames = true;
void noVacuousTypes;
