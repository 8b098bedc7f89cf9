/**
 * The API reference's browser bundle: @scalar/api-reference's standalone build, at the version the
 * lockfile holds, served from this origin (never a CDN: /docs takes passwords in its Authorize
 * dialog, so it runs no code the lockfile does not pin). Too big for the Worker bundle (~1.4 MB
 * gzip), so it is a static file: Workers Static Assets serve STATIC_DIR (wrangler.toml [assets]),
 * and the Bun server serves the same file at the same path (src/entry/bun-static.ts).
 * Build time and Bun only: nothing in the Worker imports this.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
/** What wrangler.toml's [assets] directory points at; generated, not committed. */
export const STATIC_DIR = join(ROOT, "dist/static");

/** The installed package: its version (the lockfile's) and its standalone script. */
export function scalarPackage(): { version: string; scriptFile: string } {
  // Its exports map hides package.json and dist/browser: find the package from its main entry.
  const root = join(dirname(Bun.resolveSync("@scalar/api-reference", ROOT)), "..");
  const { name, version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
  if (name !== "@scalar/api-reference") throw new Error(`expected @scalar/api-reference at ${root}, found ${name}`);
  return { version, scriptFile: join(root, "dist/browser/standalone.js") };
}

/** The URL of the script for a version: the version in the name, so it can be cached for good. */
export const scalarScriptPath = (version: string) => `/docs/assets/scalar-${version}.js`;

/** Headers of the static files, the same on both runtimes (on Workers through STATIC_DIR/_headers). */
export const STATIC_HEADERS = {
  "Cache-Control": "public, max-age=31536000, immutable",
  "X-Content-Type-Options": "nosniff",
} as const;

/** Writes STATIC_DIR afresh: the script at its path, and the _headers file Workers applies to it. */
export async function writeStaticAssets(dir = STATIC_DIR): Promise<void> {
  const { version, scriptFile } = scalarPackage();
  rmSync(dir, { recursive: true, force: true });
  const target = join(dir, scalarScriptPath(version));
  mkdirSync(dirname(target), { recursive: true });
  await Bun.write(target, Bun.file(scriptFile));
  const headers = Object.entries(STATIC_HEADERS).map(([k, v]) => `  ${k}: ${v}`).join("\n");
  writeFileSync(join(dir, "_headers"), `/docs/assets/*\n${headers}\n`);
}
