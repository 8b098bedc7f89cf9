/**
 * `bun run build:web`: writes src/web/assets.generated.ts, and dist/static (the API reference's
 * script, for Workers Static Assets). Runs before dev, start, test and the worker scripts.
 */
import { buildWebAssets, GENERATED } from "./build-assets";
import { STATIC_DIR, writeStaticAssets } from "./scalar";

const built = await buildWebAssets();
const file = Bun.file(GENERATED);
// Only write when something changed, so --watch does not loop and git sees no churn.
if (!(await file.exists()) || (await file.text()) !== built.source) await Bun.write(GENERATED, built.source);
await writeStaticAssets();
console.log(`web UI: ${(built.jsBytes / 1024).toFixed(1)} KiB js, ${(built.cssBytes / 1024).toFixed(1)} KiB css (v${built.version}); static files in ${STATIC_DIR}`);
