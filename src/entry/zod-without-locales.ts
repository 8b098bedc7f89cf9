// Workers bundle only (wrangler.toml [alias]): zod exactly as "zod" exports it, minus the 40+
// locale packs. @hono/zod-openapi passes the whole `z` namespace to extendZodWithOpenApi(z), which
// keeps every export alive, `z.locales` and `z.core.locales` included (~260 KB minified); the app
// only speaks English. Local exports shadow the star re-exports, so the bundler drops the packs.
// The relative paths dodge the alias itself (it rewrites "zod/..." too).
export * from "../../node_modules/zod/v4/classic/external.js";
import * as z from "./zod-without-locales";
import * as core from "./zod-core-without-locales";
export { core, z, z as default };
/** Empty: see above. */
export const locales = {};
