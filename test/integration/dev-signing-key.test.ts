// `bun run dev` (NODE_ENV=development, nothing configured): the Bun entry makes an ES256 key under
// ./.data, so the JWKS is never empty locally, and keeps it across restarts (tokens stay valid).
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, removeDir, track, trackDir, withParentDeathSignal } from "../support/processes";

const entry = new URL("../../src/entry/bun.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "edge-auth-dev-key-"));
trackDir(dir);
afterAll(() => removeDir(dir));

const ADMIN = { email: "root@example.com", password: "dev admin password" };

/**
 * Starts the entry in development mode in `dir`, waits for /health, returns its JWKS and whether an
 * access token it signs opens GET /users/me; stops it.
 */
async function jwksOfADevServer(): Promise<{ keys: Record<string, unknown>[]; tokenKid: unknown; meStatus: number }> {
  const port = freePort();
  const proc = Bun.spawn(withParentDeathSignal("SIGKILL", ["bun", entry]), {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "development", PORT: String(port), HOST: "127.0.0.1",
      ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, BCRYPT_COST: "4",
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  track(proc);
  try {
    for (let i = 0; i < 300; i++) {
      if (proc.exitCode !== null) throw new Error(`the dev server exited: ${await new Response(proc.stderr).text()}`);
      if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
      await Bun.sleep(100);
    }
    const base = `http://127.0.0.1:${port}`;
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    const login = (await (await fetch(`${base}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) })).json()) as { access_token: string };
    const tokenKid = JSON.parse(Buffer.from(login.access_token.split(".")[0]!, "base64url").toString()).kid;
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${login.access_token}` } });
    return { keys: jwks.keys, tokenKid, meStatus: me.status };
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

test("development generates an ES256 key under ./.data, publishes it, and keeps it across restarts", async () => {
  const first = await jwksOfADevServer();
  expect(first.keys).toHaveLength(1);
  expect(first.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
  expect(first.keys[0]).not.toHaveProperty("d");
  expect(first.tokenKid).toBe(first.keys[0]!.kid);
  expect(first.meStatus).toBe(200);
  const file = join(dir, ".data/signing-keys.json");
  expect(existsSync(file)).toBe(true);
  expect(statSync(file).mode & 0o077).toBe(0); // the private key is readable by its owner only
  expect(JSON.parse(readFileSync(file, "utf8")).keys[0].kid).toBe(first.keys[0]!.kid);
  const second = await jwksOfADevServer();
  expect(second.keys.map((k) => k.kid)).toEqual([first.keys[0]!.kid]);
  expect(second.meStatus).toBe(200);
}, 60_000);
