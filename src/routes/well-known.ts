import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { loadKeyring } from "../auth/keys";
import type { AppEnv } from "../services";

const tags = ["Tokens for other services"];

// Public keys and metadata change only with a deployment; caches may keep them 5 minutes, which is
// the wait between the steps of a key rotation (README). Not under /auth or /users: no no-store here.
const CACHEABLE = "public, max-age=300";

const Jwk = z
  .object({ kty: z.enum(["EC", "OKP"]), crv: z.enum(["P-256", "Ed25519"]), x: z.string(), y: z.string().optional(), kid: z.string(), alg: z.enum(["ES256", "EdDSA"]), use: z.literal("sig") })
  .openapi("PublicJwk");
const Jwks = z.object({ keys: z.array(Jwk) }).openapi("JwkSet");
const Metadata = z
  .object({
    issuer: z.string(),
    jwks_uri: z.string(),
    token_endpoint: z.string(),
    introspection_endpoint: z.string().optional(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.literal("S256")),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  })
  .openapi("AuthorizationServerMetadata");

const jwks = createRoute({
  method: "get", path: "/.well-known/jwks.json", tags, summary: "The public halves of the signing keys (empty with HS256)",
  responses: { 200: { description: "JWK Set", content: { "application/jwk-set+json": { schema: Jwks } } } },
});
const metadataRoute = (path: string, summary: string) =>
  createRoute({ method: "get", path, tags, summary, responses: { 200: { description: "RFC 8414 metadata", content: { "application/json": { schema: Metadata } } } } });
const openidConfiguration = metadataRoute("/.well-known/openid-configuration", "Discovery (the same metadata as oauth-authorization-server)");
const authorizationServer = metadataRoute("/.well-known/oauth-authorization-server", "Authorization server metadata (RFC 8414)");

/** RFC 8414 metadata: issuer exactly the tokens' `iss`; endpoints under PUBLIC_URL, else this request's origin. */
function metadata(c: Context<AppEnv>): z.infer<typeof Metadata> {
  const { config } = c.get("frame");
  const base = config.publicUrl ?? new URL(c.req.url).origin;
  const introspection = config.introspectionClients.length > 0;
  return {
    issuer: config.jwt.issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    token_endpoint: `${base}/auth/token`,
    // Advertised only when it answers: without INTROSPECTION_CLIENTS the endpoint is 404.
    ...(introspection ? { introspection_endpoint: `${base}/auth/introspect` } : {}),
    grant_types_supported: ["password", "refresh_token", "authorization_code"],
    response_types_supported: ["code"],
    code_challenge_methods_supported: ["S256"],
    // Public clients (browsers, mobile apps): the token endpoint takes no client authentication.
    token_endpoint_auth_methods_supported: ["none"],
    ...(introspection ? { introspection_endpoint_auth_methods_supported: ["client_secret_basic"] } : {}),
  };
}

function cacheableJson(c: Context<AppEnv>, body: unknown, type: string) {
  return c.body(JSON.stringify(body), 200, { "Content-Type": type, "Cache-Control": CACHEABLE });
}

export const wellKnownRoutes = new OpenAPIHono<AppEnv>()
  .openapi(jwks, async (c) => {
    const keys = c.get("frame").config.jwt.keys;
    // The keyring's JWKS is built from publicHalf only: no private member can get in.
    const set = keys ? (await loadKeyring(keys)).jwks : { keys: [] };
    return cacheableJson(c, set, "application/jwk-set+json") as never;
  })
  .openapi(openidConfiguration, (c) => cacheableJson(c, metadata(c), "application/json") as never)
  .openapi(authorizationServer, (c) => cacheableJson(c, metadata(c), "application/json") as never);
