import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { finishLogin, finishRegistration, PasskeyRejected, startLogin, startRegistration } from "../auth/passkeys";
import { requireAuth } from "../auth/require-auth";
import { signIn } from "../auth/sign-in";
import { recordEvent } from "../audit";
import { ApiError } from "../errors";
import { json, Name, problems, TokenPair } from "../schemas";
import type { AppEnv } from "../services";
import { validationHook } from "../validation";
import { currentUser } from "./me";
import { AuthenticationCredential, CeremonyOptions, defaultPasskeyName, Passkey, RegistrationCredential, toPasskey } from "./passkey-schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => new ApiError(404, "not_found", "There is nothing at this path.");
const noPasskey = () => new ApiError(404, "not_found", "No such passkey.");

/** Without a configured relying party (no WEBAUTHN_ORIGINS outside development) passkeys do not exist. */
const passkeysOn = createMiddleware<AppEnv>(async function passkeysOn(c, next) {
  if (!c.get("frame").config.webauthn) throw notFound();
  await next();
});

const body = <T extends z.ZodRawShape>(shape: T, required = true) =>
  ({ required, content: { "application/json": { schema: z.strictObject(shape) } } }) as const;
const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, format: "uuid" }) });
const mine = { tags: ["Passkeys"], security: [{ bearer: [] }], middleware: [passkeysOn, requireAuth] };
const open = { tags: ["Passkeys"], middleware: [passkeysOn] };

const registrationOptions = createRoute({
  method: "post", path: "/users/me/passkeys/options", ...mine, summary: "Creation options for a new passkey (5 minutes)",
  request: { body: body({}, false) },
  responses: { 200: json(CeremonyOptions, "PublicKeyCredentialCreationOptionsJSON"), ...problems(400, 401, 404, 415, 503) },
});
const addPasskey = createRoute({
  method: "post", path: "/users/me/passkeys", ...mine, summary: "Register the passkey just created",
  request: { body: body({ credential: RegistrationCredential, name: Name.optional() }) },
  responses: { 201: json(Passkey, "Added"), ...problems(400, 401, 404, 413, 415, 503) },
});
const listPasskeys = createRoute({
  method: "get", path: "/users/me/passkeys", ...mine, summary: "The current user's passkeys",
  responses: { 200: json(z.object({ passkeys: z.array(Passkey) }), "Passkeys, oldest first"), ...problems(401, 404, 503) },
});
const renamePasskey = createRoute({
  method: "patch", path: "/users/me/passkeys/{id}", ...mine, summary: "Rename a passkey",
  request: { params: IdParam, body: body({ name: Name }) },
  responses: { 200: json(Passkey, "Renamed"), ...problems(400, 401, 404, 413, 415, 503) },
});
const removePasskey = createRoute({
  method: "delete", path: "/users/me/passkeys/{id}", ...mine, summary: "Remove a passkey (not the account's last way in)",
  request: { params: IdParam },
  responses: { 204: { description: "Removed" }, ...problems(401, 404, 409, 503) },
});
const loginOptions = createRoute({
  method: "post", path: "/auth/passkey/options", ...open, summary: "Request options for signing in with a passkey (5 minutes, once)",
  request: { body: body({}, false) },
  responses: { 200: json(CeremonyOptions, "PublicKeyCredentialRequestOptionsJSON"), ...problems(400, 404, 415, 429, 503) },
});
const passkeyLogin = createRoute({
  method: "post", path: "/auth/passkey/login", ...open, summary: "Sign in with a passkey (aal2, no second step)",
  request: { body: body({ credential: AuthenticationCredential }) },
  responses: { 200: json(TokenPair, "Signed in"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});


/**
 * Logs why (a fixed word, never the client's data) and throws what the contract says for that
 * ceremony. A refused sign-in with a known passkey is that account's login_failed.
 */
function rejected(c: Context<AppEnv>, error: unknown, answer: ApiError, userId?: string): never {
  if (!(error instanceof PasskeyRejected)) throw error;
  const s = c.get("frame");
  const event = error.reason === "counter_regression" ? "auth.passkey_counter_regression" : "auth.passkey_rejected";
  const owner = userId ?? error.passkey?.userId;
  s.logger.warn(event, { requestId: s.requestId, reason: error.reason, userId: owner, passkeyId: error.passkey?.id });
  if (!userId && error.passkey) recordEvent(c, { type: "login_failed", userId: error.passkey.userId });
  throw answer;
}

export const passkeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(registrationOptions, async (c) => {
    const s = c.get("frame");
    return c.json(await startRegistration(s, s.config.webauthn!, await currentUser(c)), 200);
  })
  .openapi(addPasskey, async (c) => {
    const s = c.get("frame");
    const user = await currentUser(c);
    const { credential, name } = c.req.valid("json");
    const invalid = new ApiError(400, "invalid_passkey", "The passkey could not be verified. Start again.");
    const verified = await finishRegistration(s, s.config.webauthn!, user.id, credential).catch((e) => rejected(c, e, invalid, user.id));
    const row = await s.passkeys.create({ ...verified, name: name ?? defaultPasskeyName(c.req.header("user-agent")) });
    // Already registered (here or on another account): excludeCredentials should have stopped it.
    if (!row) rejected(c, new PasskeyRejected("credential_exists"), invalid, user.id);
    s.logger.info("auth.passkey_added", { requestId: s.requestId, userId: user.id, passkeyId: row.id });
    recordEvent(c, { type: "passkey_added", userId: user.id, sessionId: s.auth.sessionId });
    return c.json(toPasskey(row), 201);
  })
  .openapi(listPasskeys, async (c) => {
    const s = c.get("frame");
    return c.json({ passkeys: (await s.passkeys.listByUser(s.auth.userId)).map(toPasskey) }, 200);
  })
  .openapi(renamePasskey, async (c) => {
    const s = c.get("frame");
    const { id } = c.req.valid("param");
    if (!UUID.test(id)) throw noPasskey();
    const row = await s.passkeys.rename(s.auth.userId, id.toLowerCase(), c.req.valid("json").name);
    if (!row) throw noPasskey();
    return c.json(toPasskey(row), 200);
  })
  .openapi(removePasskey, async (c) => {
    const s = c.get("frame");
    const { id } = c.req.valid("param");
    if (!UUID.test(id)) throw noPasskey();
    const result = await s.passkeys.delete(s.auth.userId, id.toLowerCase());
    if ("error" in result) {
      if (result.error === "not_found") throw noPasskey();
      throw new ApiError(409, "last_credential", "This passkey is the only way into the account. Add a password or another passkey first.");
    }
    s.logger.info("auth.passkey_removed", { requestId: s.requestId, userId: s.auth.userId, passkeyId: id });
    recordEvent(c, { type: "passkey_removed", userId: s.auth.userId, sessionId: s.auth.sessionId });
    return c.body(null, 204);
  })
  .openapi(loginOptions, async (c) => {
    const s = c.get("frame");
    return c.json(await startLogin(s, s.config.webauthn!), 200);
  })
  .openapi(passkeyLogin, async (c) => {
    const s = c.get("frame");
    const invalid = new ApiError(401, "invalid_credentials", "The passkey could not be verified.");
    const passkey = await finishLogin(s, s.config.webauthn!, c.req.valid("json").credential).catch((e) => rejected(c, e, invalid));
    const user = await s.users.findById(passkey.userId);
    if (!user) throw invalid;
    // The gate refuses a disabled account (403 forbidden), as it does after a right password.
    const { pair } = await signIn(c, user, {
      via: "hwk",
      // A passkey removed while this sign-in ran must not leave a session behind.
      stillValid: async () => (await s.passkeys.findByCredentialId(passkey.credentialId)) !== null,
    });
    return c.json(pair, 200);
  });

/** This file's route definitions: the typed client reads its request and response types from them. */
export const passkeysContract = { registrationOptions, addPasskey, listPasskeys, renamePasskey, removePasskey, loginOptions, passkeyLogin };
