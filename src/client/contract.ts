/**
 * Request and response types of the API, read from the very route definitions that validate on
 * the server (type-only imports: nothing of the server reaches a bundle). A contract change the
 * client does not follow fails the typecheck.
 */
import type { z } from "zod";
import type { authContract } from "../routes/auth";
import type { meContract } from "../routes/me";
import type { usersContract } from "../routes/users";
import type { mfaContract } from "../routes/mfa";
import type { passkeysContract } from "../routes/passkeys";
import type { providersContract } from "../routes/providers";
import type { identitiesContract } from "../routes/identities";
import type { sessionsContract } from "../routes/sessions";
import type { auditContract } from "../routes/audit";

type SchemaIn<C> = C extends { content: { [type: string]: { schema: infer S } } } ? (S extends z.ZodType ? S : never) : never;

/** The JSON (or form) body a route takes, as the caller writes it. */
export type BodyOf<R> = R extends { request: { body: infer B } } ? z.input<SchemaIn<B>> : never;
/** The query a route takes. */
export type QueryOf<R> = R extends { request: { query: infer Q } } ? (Q extends z.ZodType ? z.input<Q> : never) : never;
/** What a route answers with status S. */
export type ReplyOf<R, S extends number> = R extends { responses: { [K in S]: infer Res } } ? z.output<SchemaIn<Res>> : never;

type Auth = typeof authContract;
type Me = typeof meContract;
type Users = typeof usersContract;
type Mfa = typeof mfaContract;
type Passkeys = typeof passkeysContract;
type Providers = typeof providersContract;
type Identities = typeof identitiesContract;
type Sessions = typeof sessionsContract;
type Audit = typeof auditContract;

export type User = ReplyOf<Me["getMe"], 200>;
export type TokenPair = ReplyOf<Auth["refresh"], 200>;
export type RegisterInput = BodyOf<Auth["register"]>;
export type VerifyInput = BodyOf<Auth["verify"]>;
export type LoginInput = BodyOf<Auth["login"]>;
export type ResetInput = BodyOf<Auth["reset"]>;
export type ProfilePatch = BodyOf<Me["patchMe"]>;
export type PasswordChange = BodyOf<Me["changePassword"]>;
export type UserPage = ReplyOf<Users["listUsers"], 200>;
export type UserListQuery = QueryOf<Users["listUsers"]>;
export type NewUserInput = BodyOf<Users["createUser"]>;
export type UserPatchInput = BodyOf<Users["patchUser"]>;

export type RegisterReply = ReplyOf<Auth["register"], 201>;
export type AcceptedReply = ReplyOf<Auth["resend"], 202>;
export type ResendInput = BodyOf<Auth["resend"]>;
export type ForgotInput = BodyOf<Auth["forgot"]>;
export type TokenForm = BodyOf<Auth["token"]>;

export type MfaVerifyInput = BodyOf<Mfa["verify"]>;
export type MfaMethod = MfaVerifyInput["method"];
export type MfaStatus = ReplyOf<Mfa["status"], 200>;
export type TotpEnrollInput = BodyOf<Mfa["enroll"]>;
export type TotpEnrollment = ReplyOf<Mfa["enroll"], 200>;
export type TotpConfirmInput = BodyOf<Mfa["confirm"]>;
export type TotpConfirmed = ReplyOf<Mfa["confirm"], 200>;
export type RecoveryCodesInput = BodyOf<Mfa["regenerate"]>;
export type RecoveryCodes = ReplyOf<Mfa["regenerate"], 200>;
export type TotpDisableInput = BodyOf<Mfa["disable"]>;

export type PasskeyCreationOptions = ReplyOf<Passkeys["registrationOptions"], 200>;
export type PasskeyRequestOptions = ReplyOf<Passkeys["loginOptions"], 200>;
export type NewPasskeyInput = BodyOf<Passkeys["addPasskey"]>;
export type RegistrationCredentialJSON = NewPasskeyInput["credential"];
export type Passkey = ReplyOf<Passkeys["addPasskey"], 201>;
export type PasskeyList = ReplyOf<Passkeys["listPasskeys"], 200>;
export type PasskeyRename = BodyOf<Passkeys["renamePasskey"]>;
export type PasskeyLoginInput = BodyOf<Passkeys["passkeyLogin"]>;
export type AuthenticationCredentialJSON = PasskeyLoginInput["credential"];

export type ProviderList = ReplyOf<Providers["listProviders"], 200>;
export type Provider = ProviderList["providers"][number];
export type AuthorizeQuery = QueryOf<Providers["authorize"]>;

export type IdentityList = ReplyOf<Identities["list"], 200>;
export type Identity = IdentityList["identities"][number];

export type SessionList = ReplyOf<Sessions["listMine"], 200>;
export type DeviceSession = SessionList["sessions"][number];
export type UserSessionList = ReplyOf<Sessions["listUsers"], 200>;

export type ActivityQuery = QueryOf<Audit["activity"]>;
export type ActivityPage = ReplyOf<Audit["activity"], 200>;
export type ActivityEvent = ActivityPage["events"][number];
export type AuditQuery = QueryOf<Audit["audit"]>;
export type AuditPage = ReplyOf<Audit["audit"], 200>;
export type AuditEvent = AuditPage["events"][number];
