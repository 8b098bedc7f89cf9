import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { WebAuthnConfig } from "../config-settings";
import type { NewPasskey } from "../db/passkeys";
import type { PasskeyRow, UserRow } from "../db/schema";
import type { Services } from "../services";
import { base64url } from "./crypto";
import { fromBase64url } from "./crypto";
import { reasonOf, signedChallenge, userHandle, userHandleText } from "./passkey-bytes";

type Deps = Pick<Services, "store" | "passkeys">;
type RelyingParty = NonNullable<WebAuthnConfig>;

// Loaded on the first ceremony, not at start: it and its ASN.1 stack cost ~60 ms to evaluate on
// Bun, and a Worker isolate that only refreshes tokens never needs it (esbuild keeps the module
// in the bundle but runs it lazily).
let library: Promise<typeof import("@simplewebauthn/server")> | undefined;
const webauthn = () => (library ??= import("@simplewebauthn/server"));

/** 5 minutes to finish a ceremony (API.md): the options' timeout and the challenge's life. */
export const CHALLENGE_TTL_SECONDS = 300;

// Two key spaces: a registration challenge lives under its user (one pending per user, never
// readable by another user or by a login), a login challenge under itself (whoever holds it).
const registrationKey = (userId: string) => `pkr:${userId}`;
const loginKey = (challenge: string) => `pkl:${challenge}`;

// Ed25519, ES256, RS256: what platform authenticators and security keys offer.
const ALGORITHMS = [-8, -7, -257];
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

/** Why a ceremony failed, for the log only (the client gets one answer whatever the reason). */
export class PasskeyRejected extends Error {
  override name = "PasskeyRejected";
  /** The passkey the attempt named, once it is known (for the log and the audit trail). */
  constructor(readonly reason: string, readonly passkey?: Pick<PasskeyRow, "id" | "userId">) {
    super(reason);
  }
}

/** Creation options for a new passkey of `user` (its existing ones excluded), pending 5 minutes. */
export async function startRegistration(
  deps: Deps,
  rp: RelyingParty,
  user: UserRow,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await deps.passkeys.listByUser(user.id);
  const { generateRegistrationOptions } = await webauthn();
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userID: userHandle(user.id),
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  // set, not setIfAbsent: a new call replaces the pending one (a retry after a cancelled prompt).
  await deps.store.set(registrationKey(user.id), options.challenge, CHALLENGE_TTL_SECONDS);
  return options;
}

/**
 * Verifies a registration against the user's pending challenge, which it uses up first
 * (getAndDelete: of parallel attempts, one gets it). Returns the row to store.
 */
export async function finishRegistration(
  deps: Deps,
  rp: RelyingParty,
  userId: string,
  response: RegistrationResponseJSON,
): Promise<Omit<NewPasskey, "name">> {
  const challenge = await deps.store.getAndDelete(registrationKey(userId));
  if (!challenge) throw new PasskeyRejected("no_pending_challenge");
  const { verifyRegistrationResponse } = await webauthn();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: "webauthn.create",
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (error) {
    throw new PasskeyRejected(`registration:${reasonOf(error)}`);
  }
  if (!verified.verified) throw new PasskeyRejected("registration:not_verified");
  const info = verified.registrationInfo;
  // The id the client named must be the one the authenticator attested (the library reads the latter).
  if (info.credential.id !== response.id || response.rawId !== response.id) throw new PasskeyRejected("registration:id_mismatch");
  return {
    userId,
    credentialId: info.credential.id,
    publicKey: base64url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: (response.response.transports ?? []).filter((t) => TRANSPORTS.has(t)),
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  };
}

/** Request options for a sign-in: no allowCredentials (the browser offers its discoverable passkeys). */
export async function startLogin(deps: Deps, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthn();
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    userVerification: "required",
  });
  await deps.store.set(loginKey(options.challenge), "1", CHALLENGE_TTL_SECONDS);
  return options;
}

/**
 * Verifies a sign-in: the challenge it signed is used up first (getAndDelete, so a replayed or
 * parallel assertion finds nothing), then the signature, origin, RP ID and user verification,
 * then the counter is saved by one conditional UPDATE. Returns the passkey's row.
 */
export async function finishLogin(deps: Deps, rp: RelyingParty, response: AuthenticationResponseJSON): Promise<PasskeyRow> {
  const challenge = signedChallenge(response.response.clientDataJSON);
  if (!challenge) throw new PasskeyRejected("malformed_client_data");
  if ((await deps.store.getAndDelete(loginKey(challenge))) === null) throw new PasskeyRejected("unknown_challenge");
  const passkey = await deps.passkeys.findByCredentialId(response.id);
  if (!passkey) throw new PasskeyRejected("unknown_credential");
  // The user handle, when the authenticator sends one, must name the passkey's owner.
  if (response.response.userHandle && response.response.userHandle !== userHandleText(passkey.userId)) {
    throw new PasskeyRejected("user_handle_mismatch", passkey);
  }
  const { verifyAuthenticationResponse } = await webauthn();
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: "webauthn.get",
      requireUserVerification: true,
      // Counter 0 here on purpose: the library's own check would be a read-then-write; the
      // conditional UPDATE below is the atomic one (and tells a regression apart for the log).
      credential: { id: passkey.credentialId, publicKey: fromBase64url(passkey.publicKey), counter: 0, transports: passkey.transports as never },
    });
  } catch (error) {
    throw new PasskeyRejected(`authentication:${reasonOf(error)}`, passkey);
  }
  if (!verified.verified) throw new PasskeyRejected("authentication:not_verified", passkey);
  const { newCounter, credentialBackedUp } = verified.authenticationInfo;
  if (!(await deps.passkeys.recordUse(passkey.id, newCounter, credentialBackedUp))) {
    throw new PasskeyRejected("counter_regression", passkey);
  }
  return passkey;
}
