// zod's core namespace minus its locale packs, for the Workers bundle: see zod-without-locales.ts.
export * from "../../node_modules/zod/v4/core/index.js";
/** Empty: see zod-without-locales.ts. */
export const locales = {};
