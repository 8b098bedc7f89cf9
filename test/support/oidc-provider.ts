// A real OpenID Connect provider on 127.0.0.1 (oauth2-mock-server): discovery, JWKS, authorize
// (redirects straight back with a code), a token endpoint that checks PKCE and signs ID tokens with
// its own RSA key. Runs on Bun (in-process tests, e2e) and on Node (the workerd suite's setup).
import { generateKeyPairSync, sign } from "node:crypto";
import { Events, OAuth2Server, type MutableResponse, type MutableToken } from "oauth2-mock-server";

/** Who the provider says signs in next: the ID token's claims (`sub` plus what is given). */
export type MockAccount = { sub: string; email?: string; email_verified?: boolean; name?: string };

export type OidcProvider = {
  /** The issuer URL (http://127.0.0.1:<port>). */
  issuer: string;
  /** The account the next ID tokens name. */
  signInAs(account: MockAccount): void;
  /** Changes the next ID token's claims (after the account's), e.g. a wrong aud, iss, nonce or exp. */
  tamperNextIdToken(change: (payload: Record<string, unknown>) => void): void;
  /** The next ID token is signed by another key that claims the provider's key id. */
  forgeNextIdToken(): void;
  /** The number of token requests served (to prove a flow never reached the provider). */
  tokenRequests(): number;
  stop(): Promise<void>;
};

const isIdToken = (token: MutableToken) => !("scope" in token.payload);

export async function startOidcProvider(): Promise<OidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  const issuer = server.issuer.url!.replace(/\/$/, "");
  let account: MockAccount = { sub: "someone" };
  let tokenCount = 0;
  // Every ID token names the current account; the access token keeps the mock's own claims.
  server.service.on(Events.BeforeTokenSigning, (token: MutableToken) => {
    if (isIdToken(token)) Object.assign(token.payload, account);
  });
  server.service.on(Events.BeforeResponse, () => void tokenCount++);
  // The user info names the same account (the mock's own answer is a fixed "johndoe").
  server.service.on(Events.BeforeUserinfo, (response: MutableResponse) => {
    response.body = { ...account };
  });
  const provider: OidcProvider = {
    issuer,
    signInAs(next) {
      account = next;
    },
    tamperNextIdToken(change) {
      const hook = (token: MutableToken) => {
        if (!isIdToken(token)) return void server.service.once(Events.BeforeTokenSigning, hook);
        // Runs after the account hook above (registered first), so the change wins.
        change(token.payload);
      };
      server.service.once(Events.BeforeTokenSigning, hook);
    },
    forgeNextIdToken() {
      // Another RSA key; the hook below is synchronous (the mock does not await it), as is node:crypto's sign.
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      server.service.once(Events.BeforeResponse, (response: MutableResponse) => {
        const body = response.body as Record<string, unknown>;
        const [header, payload] = String(body.id_token).split(".");
        // Same header (the provider's kid), same claims, another key: only the signature can tell.
        const signature = sign("sha256", Buffer.from(`${header}.${payload}`), privateKey).toString("base64url");
        body.id_token = `${header}.${payload}.${signature}`;
      });
    },
    tokenRequests: () => tokenCount,
    stop: () => server.stop(),
  };
  // For tests that run elsewhere (inside workerd): the same controls over HTTP, on this test-only server.
  server.service.addRoute("POST", "/__test/account", (req, res) => {
    provider.signInAs((req as unknown as { body: MockAccount }).body);
    res.writeHead(204).end();
  });
  server.service.addRoute("POST", "/__test/forge-next", (_req, res) => {
    provider.forgeNextIdToken();
    res.writeHead(204).end();
  });
  return provider;
}
