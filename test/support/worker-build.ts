import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeStaticAssets } from "../../src/web/scalar";

export const ROOT = new URL("../..", import.meta.url).pathname;

export type WorkerBuild = {
  /** wrangler's exit code and output (the dry run is the precondition of every Workers test). */
  exitCode: number;
  output: string;
  /** The minified bundle as wrangler would upload it. */
  code: string;
  /** Every source file esbuild put into the bundle (paths relative to the repository). */
  inputs: string[];
  /** Modules the bundle imports at run time instead of bundling them. */
  externalImports: string[];
};

let pending: Promise<WorkerBuild> | undefined;

/** `wrangler deploy --dry-run --minify` into a temp dir, once per test process. Needs Node 22. */
export function buildWorker(): Promise<WorkerBuild> {
  pending ??= (async () => {
    // wrangler.toml's [assets] directory must exist: what `bun run build:web` writes there.
    await writeStaticAssets();
    const dir = mkdtempSync(join(tmpdir(), "edge-auth-worker-"));
    const meta = join(dir, "meta.json");
    const proc = Bun.spawn(["sh", "src/entry/with-node22.sh", "wrangler", "deploy", "--dry-run", "--minify", "--outdir", dir, "--metafile", meta], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const output = stdout + stderr;
    try {
      if (exitCode !== 0) return { exitCode, output, code: "", inputs: [], externalImports: [] };
      const metafile = JSON.parse(readFileSync(meta, "utf8")) as {
        outputs: Record<string, { inputs?: Record<string, unknown>; imports?: { path: string; external?: boolean }[]; entryPoint?: string }>;
      };
      const main = Object.entries(metafile.outputs).find(([file]) => file.endsWith("worker.js"))![1];
      return {
        exitCode,
        output,
        code: readFileSync(join(dir, "worker.js"), "utf8"),
        inputs: Object.keys(main.inputs ?? {}),
        externalImports: (main.imports ?? []).filter((i) => i.external).map((i) => i.path),
      };
    } finally {
      // Everything is read into memory: the build dir goes now (bun test runs no exit hooks).
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return pending;
}
