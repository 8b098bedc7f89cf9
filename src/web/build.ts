/** `bun run build:web`: writes src/web/assets.generated.ts (run before dev, start, test and the worker build). */
import { buildWebAssets, GENERATED } from "./build-assets";

const built = await buildWebAssets();
const file = Bun.file(GENERATED);
// Only write when something changed, so --watch does not loop and git sees no churn.
if (!(await file.exists()) || (await file.text()) !== built.source) await Bun.write(GENERATED, built.source);
console.log(`web UI: ${(built.jsBytes / 1024).toFixed(1)} KiB js, ${(built.cssBytes / 1024).toFixed(1)} KiB css (v${built.version})`);
