import { type Context, Hono, type Next } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../services";
import { css, html, js, version } from "../web/assets.generated";

/**
 * The UI's CSP: only this origin's script and style files, no inline code of any kind, no frames.
 * It is what makes keeping the refresh token in localStorage acceptable (README, "Web UI").
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the web UI at `/`, `/app.js` and `/app.css` from strings built into the bundle
 * (the same on Bun and Workers). Nothing else: every other path stays the API's 404/405.
 */
export const webRoutes = new Hono<AppEnv>();

for (const path of ["/", "/app.js", "/app.css"]) webRoutes.use(path, etag(), webHeaders);

/** Only on the UI's own paths: the API's answers keep their own headers. */
async function webHeaders(c: Context<AppEnv>, next: Next) {
  await next();
  c.header("Content-Security-Policy", WEB_CSP);
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
}

const assetCache = (c: Context<AppEnv>) => (c.req.query("v") === version ? IMMUTABLE : "no-cache");

// The page itself is revalidated every time, so a deploy is seen at once; its assets are versioned.
webRoutes.get("/", (c) => c.body(html, 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" }));
webRoutes.get("/app.js", (c) => c.body(js, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": assetCache(c) }));
webRoutes.get("/app.css", (c) => c.body(css, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": assetCache(c) }));
