import { Encoder } from "cbor-x";

/**
 * A WebAuthn authenticator in software, for tests: P-256 keys through WebCrypto, attestation
 * "none", discoverable credentials, and every flag and counter under the test's control.
 * It answers in the WebAuthn JSON forms (what `PublicKeyCredential.toJSON()` gives a server),
 * building the bytes a real authenticator would: authenticatorData, the CBOR attestation
 * object with a COSE key, and ES256 signatures in DER. Runs on Bun and inside workerd.
 */

// Canonical-enough CBOR as WebAuthn wants it: byte strings untagged, maps as maps, no records.
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true, mapsAsObjects: false } as never);

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export type CreationOptions = { challenge: string; rp: { id?: string }; user: { id: string } };
export type RequestOptions = { challenge: string; rpId?: string };

/** What a test may change from an honest authenticator's answer. */
export type Overrides = {
  origin?: string;
  rpId?: string;
  /** User verification (default true); `userPresent` likewise. */
  userVerified?: boolean;
  userPresent?: boolean;
  /** The signature counter to report (default: the credential's, incremented unless it counts from 0 always). */
  counter?: number;
  type?: string;
  /** Which stored credential answers a get() (default: the latest). */
  credentialId?: string;
  /** Report no user handle in the assertion. */
  omitUserHandle?: boolean;
};

type Credential = {
  id: string;
  keys: CryptoKeyPair;
  rpId: string;
  userHandle: string;
  counter: number;
  /** Synced passkeys report 0 on every use. */
  alwaysZero: boolean;
  backedUp: boolean;
};

const enc = new TextEncoder();

export function b64u(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromB64u(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
const uint32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** WebCrypto's ECDSA signature is r||s (64 bytes); WebAuthn wants an ASN.1 DER SEQUENCE of two INTEGERs. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export class SoftwareAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(readonly origin: string) {}

  /** navigator.credentials.create(): a new discoverable P-256 credential. */
  async create(
    options: CreationOptions,
    over: Overrides & { alwaysZero?: boolean; backupEligible?: boolean; backedUp?: boolean; reuseIdOf?: SoftwareAuthenticator } = {},
  ): Promise<Record<string, any>> {
    const rpId = over.rpId ?? options.rp.id!;
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    // reuseIdOf: a broken or hostile authenticator presenting another one's credential id.
    const idBytes = over.reuseIdOf ? fromB64u(over.reuseIdOf.credentials.at(-1)!.id) : crypto.getRandomValues(new Uint8Array(32));
    const id = b64u(idBytes);
    const backedUp = over.backedUp ?? false;
    const credential: Credential = { id, keys, rpId, userHandle: options.user.id, counter: 0, alwaysZero: over.alwaysZero ?? false, backedUp };
    const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
    const coseKey = cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, fromB64u(jwk.x!)], [-3, fromB64u(jwk.y!)]]));
    const counter = over.counter ?? 0;
    const flags = this.flags(over) | FLAG.AT | (over.backupEligible || backedUp ? FLAG.BE : 0) | (backedUp ? FLAG.BS : 0);
    const attested = concat(new Uint8Array(16), new Uint8Array([idBytes.length >> 8, idBytes.length & 255]), idBytes, new Uint8Array(coseKey));
    const authData = concat(await sha256(enc.encode(rpId)), new Uint8Array([flags]), uint32(counter), attested);
    const clientData = this.clientData(over.type ?? "webauthn.create", options.challenge, over.origin);
    const attestationObject = cbor.encode({ fmt: "none", attStmt: {}, authData });
    this.credentials.push(credential);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: { clientDataJSON: b64u(clientData), attestationObject: b64u(new Uint8Array(attestationObject)), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get(): an assertion by the latest (or the named) credential. */
  async get(options: RequestOptions, over: Overrides = {}): Promise<Record<string, any>> {
    const credential = over.credentialId ? this.credentials.find((c) => c.id === over.credentialId) : this.credentials.at(-1);
    if (!credential) throw new Error("no credential on this authenticator");
    const rpId = over.rpId ?? options.rpId ?? credential.rpId;
    if (over.counter !== undefined) credential.counter = over.counter;
    else if (!credential.alwaysZero) credential.counter += 1;
    const flags = this.flags(over) | (credential.backedUp ? FLAG.BE | FLAG.BS : 0);
    const authData = concat(await sha256(enc.encode(rpId)), new Uint8Array([flags]), uint32(credential.counter));
    const clientData = this.clientData(over.type ?? "webauthn.get", options.challenge, over.origin);
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.keys.privateKey, signed as BufferSource));
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientData),
        authenticatorData: b64u(authData),
        signature: b64u(rawToDer(raw)),
        ...(over.omitUserHandle ? {} : { userHandle: credential.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  private flags(over: Overrides): number {
    return (over.userPresent === false ? 0 : FLAG.UP) | (over.userVerified === false ? 0 : FLAG.UV);
  }

  private clientData(type: string, challenge: string, origin = this.origin): Uint8Array {
    return enc.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
