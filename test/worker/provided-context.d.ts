// What test/worker/global-setup.ts provides to the workerd tests (and to vitest.config.ts).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Worker's bindings: local backends behind the Neon/Upstash protocols, mail catcher, secrets. */
    bindings: Record<string, string>;
    /** Base URL of the mail catcher (GET /mail?to=… lists what an address got). */
    mailCatcherUrl: string;
    /** The local OpenID Connect provider (POST /__test/account sets who signs in next). */
    oidcIssuer: string;
    /** The Worker's JWT_SIGNING_KEYS: [ES256 (signs), EdDSA], private JWKs, so tests can sign as the server does. */
    signingKeys: string;
    /** The `id:secret` of the Worker's one INTROSPECTION_CLIENTS entry. */
    introspectionClient: string;
  }
}
