/**
 * `edge-auth/verify`: a Hono middleware for YOUR services (on Workers or Bun) that accepts the
 * access tokens an edge-auth server issues, without holding its secret:
 *
 *   app.use("/api/*", verifyAccessTokens({ issuer: "https://auth.example.com", audience: "edge-auth" }));
 *   app.get("/api/whoami", (c) => c.json({ user: c.var.accessToken.sub }));
 *
 * It reads the server's discovery document once, verifies signatures against its JWKS (jose's
 * createRemoteJWKSet: cached, refetched at most once per cooldown when a token names an unknown
 * `kid`, which is how a key rotation reaches it), pins the algorithms to ES256 and EdDSA, and
 * checks `typ` at+jwt, `kid`, `iss`, `aud` and `exp`. With `introspection`, every request also asks
 * the server whether the session is still alive (revocation at once, one round trip per request).
 */
import type { AccessClaims } from "./auth/tokens";
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTHeaderParameters, type FlattenedJWSInput } from "jose";

export type VerifyAccessTokensOptions = {
  /** The server's issuer: its `PUBLIC_URL` (or `JWT_ISSUER`), exactly as in the tokens' `iss`. */
  issuer: string;
  /** The tokens' `aud` (the server's `JWT_AUDIENCE`, `edge-auth` by default). */
  audience: string;
  /** Where the metadata is. Default: `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl?: string;
  /** Ask the server about every token (RFC 7662): a client of its INTROSPECTION_CLIENTS. */
  introspection?: { url?: string; clientId: string; clientSecret: string };
  /** For tests or a service binding; default: the global fetch. */
  fetch?: typeof fetch;
  /** How long fetched keys are used before they are fetched again. Default 300, the JWKS's max-age. */
  cacheMaxAgeSeconds?: number;
  /** The least time between two fetches caused by an unknown `kid`. Default 30. */
  cooldownSeconds?: number;
  /** Leeway for `exp`/`nbf`/`iat` against this machine's clock. Default 5. */
  clockToleranceSeconds?: number;
};

/** The claims of a verified access token (API.md "Objects"): the very type the server signs. */
export type AccessTokenClaims = AccessClaims;

/** What the middleware sets on the context: `c.var.accessToken`. */
export type VerifyAccessTokensVariables = { accessToken: AccessTokenClaims };

type Metadata = { issuer: string; jwks_uri: string; introspection_endpoint?: string };

/** The auth server could not be reached or answered nonsense: not the caller's fault (503). */
class AuthServerUnavailable extends Error {
  override name = "AuthServerUnavailable";
}

// A token refused for what it is (signature, kid, alg, typ, claims, expiry): 401. Anything else
// (the JWKS could not be fetched, a timeout) is the auth server's trouble: 503, never a 401.
const TOKEN_ERRORS = [
  errors.JWTExpired, errors.JWTClaimValidationFailed, errors.JWSSignatureVerificationFailed, errors.JOSEAlgNotAllowed,
  errors.JWSInvalid, errors.JWTInvalid, errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported,
];

const problem = (status: 401 | 503, detail: string) =>
  new Response(
    JSON.stringify({ type: "about:blank", title: status === 401 ? "Unauthorized" : "Service Unavailable", status, code: status === 401 ? "invalid_token" : "unavailable", detail }),
    {
      status,
      headers: {
        "Content-Type": "application/problem+json",
        "Cache-Control": "no-store",
        ...(status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : { "Retry-After": "5" }),
      },
    },
  );

/** Builds the middleware; the discovery document and keys are fetched on first use, not here. */
export const verifyAccessTokens = (options: VerifyAccessTokensOptions): MiddlewareHandler<{ Variables: VerifyAccessTokensVariables }> => {
  const issuer = options.issuer;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const discoveryUrl = options.discoveryUrl ?? `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  // A mistake in the wiring, not a bad token: said once, at start, instead of a 503 per request.
  if (!/^https?:\/\//.test(discoveryUrl)) {
    throw new TypeError(`verifyAccessTokens: the issuer ${JSON.stringify(issuer)} is not a URL; set the server's PUBLIC_URL, or pass discoveryUrl`);
  }
  let discovered: Promise<{ metadata: Metadata; keys: ReturnType<typeof createRemoteJWKSet> }> | undefined;

  const discover = () => {
    discovered ??= (async () => {
      const res = await fetchImpl(discoveryUrl, { headers: { accept: "application/json" } });
      if (!res.ok) throw new AuthServerUnavailable(`discovery answered ${res.status}`);
      const metadata = (await res.json()) as Metadata;
      // RFC 8414 §3.3: the document must name the issuer we were configured with (no mix-up).
      if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== "string") throw new AuthServerUnavailable("discovery issuer mismatch");
      const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cacheMaxAge: (options.cacheMaxAgeSeconds ?? 300) * 1000,
        cooldownDuration: (options.cooldownSeconds ?? 30) * 1000,
        [customFetch]: (url, init) => fetchImpl(url, init),
      });
      return { metadata, keys };
    })();
    // A failed discovery is retried by the next request, not remembered.
    discovered.catch(() => (discovered = undefined));
    return discovered;
  };

  const introspect = async (token: string, metadata: Metadata): Promise<boolean> => {
    const client = options.introspection!;
    const url = client.url ?? metadata.introspection_endpoint;
    if (!url) throw new AuthServerUnavailable("no introspection endpoint");
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
    const basic = btoa(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`);
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
    });
    if (!res.ok) throw new AuthServerUnavailable(`introspection answered ${res.status}`);
    const answer = (await res.json()) as { active?: unknown; token_type?: unknown };
    return answer.active === true && answer.token_type === "access_token";
  };

  return async function verifyAccessTokens(c, next) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(c.req.header("authorization")?.trim() ?? "");
    if (!match) return problem(401, "A bearer access token is required.");
    const token = match[1]!;
    let claims: AccessTokenClaims;
    try {
      const { metadata, keys } = await discover();
      const { payload } = await jwtVerify(
        token,
        // RFC 8725 §3.1: a key is picked by the kid our server names; a token without one is refused
        // (jose would otherwise try the one key that fits the alg).
        (header: JWTHeaderParameters, input: FlattenedJWSInput) => {
          if (typeof header.kid !== "string") throw new errors.JWSInvalid("kid required");
          return keys(header, input);
        },
        {
          issuer,
          audience: options.audience,
          algorithms: ["ES256", "EdDSA"],
          typ: "at+jwt",
          requiredClaims: ["exp", "iat", "sub", "sid"],
          clockTolerance: options.clockToleranceSeconds ?? 5,
        },
      );
      claims = payload as unknown as AccessTokenClaims;
      if (options.introspection && !(await introspect(token, metadata))) return problem(401, "The session has ended.");
    } catch (error) {
      if (TOKEN_ERRORS.some((type) => error instanceof type)) return problem(401, "The token is missing, invalid, expired or revoked.");
      return problem(503, "The auth server cannot be reached. Try again shortly.");
    }
    c.set("accessToken", claims);
    await next();
  };
};
