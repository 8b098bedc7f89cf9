import { expect, test } from "bun:test";
import { gzipSync } from "node:zlib";

test("edge-auth/client bundles small, for browsers, with nothing of the server in it", async () => {
  const built = await Bun.build({ entrypoints: ["src/client/client.ts"], target: "browser", minify: true });
  expect(built.success).toBe(true);
  expect(built.outputs).toHaveLength(1);
  const code = await built.outputs[0]!.text();
  // Type-only imports of the route definitions: no zod, hono, drizzle or server module at run time.
  for (const marker of ["drizzle", "OpenAPIHono", "ZodError", "hono/", "bcrypt", "node:"]) expect(code).not.toContain(marker);
  const gzip = gzipSync(code).length;
  console.log(`edge-auth/client: ${code.length} bytes minified, ${gzip} bytes gzip`);
  expect(gzip).toBeLessThan(8 * 1024);
});
