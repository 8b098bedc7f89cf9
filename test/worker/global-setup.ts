// Runs in Node 22 (vitest), not Bun: the Bun-based backends support is started as a `bun` child
// process (test/support/local-backends-cli.ts) that prints its env as one JSON line.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";
import { generateSigningKey } from "../../src/auth/key-generate";
import { startMailCatcher } from "../support/mail-catcher";
import { startOidcProvider } from "../support/oidc-provider";
import { workerBackendBindings } from "../support/worker-bindings";

const root = new URL("../..", import.meta.url).pathname;

/** Starts Postgres + Redis behind the Neon/Upstash protocol endpoints, and a mail catcher. */
export default async function setup(project: TestProject) {
  const backends = spawn("bun", ["test/support/local-backends-cli.ts"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  // If vitest exits without running the teardown, the backends still go (they stop on SIGTERM).
  const killOnExit = () => backends.kill("SIGTERM");
  process.once("exit", killOnExit);
  const stopBackends = () =>
    new Promise<void>((resolve) => {
      if (backends.exitCode !== null || backends.signalCode !== null) return resolve();
      backends.once("exit", () => resolve());
      backends.kill("SIGTERM");
    });
  let env: Record<string, string>;
  try {
    env = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: backends.stdout! });
      lines.on("line", (line) => {
        if (line.trim().startsWith("{")) resolve(JSON.parse(line));
      });
      backends.once("exit", (code) => reject(new Error(`local-backends-cli exited (${code}) before printing its env`)));
      backends.once("error", reject);
    });
  } catch (error) {
    await stopBackends();
    throw error;
  }
  const mail = await startMailCatcher();
  // A real OpenID Connect provider on 127.0.0.1 (oauth2-mock-server, in this Node process).
  const oidc = await startOidcProvider();

  project.provide("mailCatcherUrl", mail.url);
  // Signed with a key set (ES256 first, EdDSA second) so the JWKS, kid checks and forgeries run in workerd.
  const signingKeys = JSON.stringify({ keys: [await generateSigningKey("ES256"), await generateSigningKey("EdDSA")] });
  const introspectionClient = `gateway:${crypto.randomUUID()}${crypto.randomUUID()}`;
  project.provide("signingKeys", signingKeys);
  project.provide("introspectionClient", introspectionClient);
  project.provide("bindings", {
    ...workerBackendBindings(env),
    NODE_ENV: "test",
    JWT_SECRET: "workerd-test-secret-that-is-at-least-32-bytes", // set, yet refused: JWT_SIGNING_KEYS signs
    JWT_SIGNING_KEYS: signingKeys,
    INTROSPECTION_CLIENTS: introspectionClient,
    PUBLIC_URL: "http://edge-auth.test", // the origin helpers.ts calls: issuer, discovery and iss agree
    DATA_ENCRYPTION_KEY: "workerd-test-data-key-that-is-at-least-32-bytes",
    BCRYPT_COST: "4", // the lowest cost: these tests check behaviour, not hashing strength
    REFRESH_REUSE_GRACE: "0", // strict single use, so reuse detection is checked without waiting
    MAIL_TRANSPORT: "webhook",
    MAIL_WEBHOOK_URL: `${mail.url}/mail`,
    ADMIN_EMAIL: "root@example.com",
    ADMIN_PASSWORD: "workerd admin password",
    OAUTH_PROVIDERS: "mock",
    OAUTH_MOCK_CLIENT_ID: "workerd-client",
    OAUTH_MOCK_CLIENT_SECRET: "workerd-client-secret",
    OAUTH_MOCK_ISSUER: oidc.issuer,
    OAUTH_REDIRECT_URLS: "https://app.example.com/callback",
    // The passkey tests' software authenticator signs for this origin (RP ID localhost).
    WEBAUTHN_ORIGINS: "http://localhost:8787",
  });
  project.provide("oidcIssuer", oidc.issuer);

  return async () => {
    await mail.stop();
    await oidc.stop();
    await stopBackends();
  };
}

