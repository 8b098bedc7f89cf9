// The Worker bundle: what wrangler would upload holds none of the Bun-only code and stays small.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { docsHtml, scalarVersion } from "../../src/web/assets.generated";
import { scalarScriptPath, STATIC_DIR } from "../../src/web/scalar";
import { available, requires } from "../support/requirements";
import { buildWorker, type WorkerBuild } from "../support/worker-build";

// 400 KiB (issue 13): @simplewebauthn/server with its ASN.1/X.509 stack (asn1js, @peculiar/*,
// tsyringe, reflect-metadata, tiny-cbor) took the bundle from 209 to 306 KiB gzip (705 -> 1054 KiB
// minified); the other capabilities' libraries (otpauth, jose, openid-client) need room too.
const BUDGET_BYTES = 400 * 1024;

if (requires("node22", available.node22(), "wrangler needs Node >= 22.12: run bun install (it brings Node 22 as the optional dependency node-<os>-<cpu>), or install Node >= 22.12")) {
  describe("the Worker bundle", () => {
    let build: WorkerBuild;
    beforeAll(async () => {
      build = await buildWorker();
    }, 120_000);

    test("wrangler builds it", () => {
      if (build.exitCode !== 0) console.error(build.output);
      expect(build.exitCode).toBe(0);
      expect(build.inputs).toContain("src/entry/worker.ts");
    });

    test("bundles no PGlite, Bun, node:fs or TCP driver", () => {
      // Sources: the embedded database, the TCP drivers and everything behind the Bun entry.
      const forbidden = /@electric-sql\/pglite|node_modules\/(postgres|pg|pg-[\w-]+|ioredis|redis)\/|src\/db\/(pglite|postgres)\.ts|src\/store\/redis\.ts|src\/entry\/bun/;
      expect(build.inputs.filter((file) => forbidden.test(file))).toEqual([]);
      // Run-time imports left outside the bundle: none at all (no nodejs_compat, no bun:*).
      expect(build.externalImports).toEqual([]);
      // And the code itself: no import of bun or node:fs, no Bun SQL / RedisClient / PGlite use.
      expect(build.code).not.toMatch(/(?:from|import|require)\s*\(?\s*["'](?:bun(?::\w+)?|node:fs(?:\/promises)?|fs|net|node:net|tls|node:tls)["']/);
      expect(build.code).not.toMatch(/RedisClient|new PGlite|PGlite\b|Bun\.SQL|\bnew SQL\(/);
    });

    test("the API reference's script is a static asset beside it, not in it", () => {
      // wrangler read the [assets] directory; the file the /docs page names is there, with its headers.
      expect(build.output).toMatch(/Read \d+ files from the assets directory/);
      const script = join(STATIC_DIR, scalarScriptPath(scalarVersion));
      expect(statSync(script).size).toBeGreaterThan(1_000_000);
      expect(readFileSync(join(STATIC_DIR, "_headers"), "utf8")).toContain("/docs/assets/*");
      expect(docsHtml).toContain(`<script src="${scalarScriptPath(scalarVersion)}"></script>`);
      // Scalar's code itself (its Tailwind stylesheet, its Vue runtime) stays out of the bundle.
      expect(build.code).not.toContain("tailwindcss v4");
      expect(build.code).not.toMatch(/vuejs\.org\/error-reference/);
    });

    test(`gzips under ${BUDGET_BYTES / 1024} KiB`, () => {
      const gzipped = gzipSync(build.code, { level: 9 }).length;
      console.log(`Worker bundle: ${(build.code.length / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzip (budget ${BUDGET_BYTES / 1024} KiB)`);
      expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    });
  });
}
