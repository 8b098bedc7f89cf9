// Tests inside workerd: `vitest run --config test/worker/vitest.config.ts` with Node 22 on PATH
// (test/integration/workerd.test.ts does that, so `bun run test` covers it). Files are named
// *.workerd.ts so bun test never collects them.
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      // The real wrangler.toml: same entry, compatibility date and flags as the deployed Worker;
      // the bindings globalSetup made (local Postgres/Redis behind the Neon/Upstash protocols) win.
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: { bindings: inject<Record<string, string>>("bindings") },
    })),
  ],
  // The same zod the bundle gets (wrangler.toml [alias]), so these tests prove what deploys.
  resolve: { alias: [{ find: /^zod$/, replacement: `${root}src/entry/zod-without-locales.ts` }] },
  test: {
    include: ["test/worker/**/*.workerd.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    silent: "passed-only", // the Worker's JSON request logs only for a failing test
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
