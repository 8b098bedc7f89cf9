import { type Context, Hono, type Next } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../services";
import { css, docsHtml, docsJs, faviconBase64, html, js, version } from "../web/assets.generated";

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

/**
 * The API reference's CSP (/docs): the UI's for scripts (this origin's files only: Scalar's bundle
 * and the start script, no inline code, no CDN), fonts from this origin or data: URLs, and inline
 * styles allowed: Scalar's Vue components, its theme and its toasts add <style> elements and style
 * attributes at run time, without a nonce. Styles run no code; the page shows only our own document.
 */
export const DOCS_CSP = WEB_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("img-src 'self' data:", "img-src 'self' data:; font-src 'self' data:");

const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the web UI at `/`, `/app.js` and `/app.css`, the API reference's page at `/docs` with its
 * start script, and `/favicon.ico`, from strings built into the bundle (the same on Bun and
 * Workers). Scalar's own script is a static file (src/web/scalar.ts). Nothing else: every other
 * path stays the API's 404/405.
 */
export const webRoutes = new Hono<AppEnv>();

for (const path of ["/", "/app.js", "/app.css", "/docs", "/docs/docs.js", "/favicon.ico"]) webRoutes.use(path, etag(), pageHeaders);

/** Only on the pages' own paths: the API's answers keep their own headers. */
async function pageHeaders(c: Context<AppEnv>, next: Next) {
  await next();
  c.header("Content-Security-Policy", c.req.path === "/docs" ? DOCS_CSP : WEB_CSP);
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
}

const assetCache = (c: Context<AppEnv>) => (c.req.query("v") === version ? IMMUTABLE : "no-cache");

// The page itself is revalidated every time, so a deploy is seen at once; its assets are versioned.
// The page says whether this server has passkeys on, so it never asks a route that would only
// answer 404 (a failed request, and a console error, on every load of a server without them).
const pages = { on: html.replaceAll("__PASSKEYS__", "on"), off: html.replaceAll("__PASSKEYS__", "off") };
webRoutes.get("/", (c) =>
  c.body(c.get("frame").config.webauthn ? pages.on : pages.off, 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" }),
);
webRoutes.get("/app.js", (c) => c.body(js, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": assetCache(c) }));
webRoutes.get("/app.css", (c) => c.body(css, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": assetCache(c) }));
webRoutes.get("/docs/docs.js", (c) => c.body(docsJs, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": assetCache(c) }));
webRoutes.get("/docs", (c) => c.body(docsHtml, 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" }));

const favicon = Uint8Array.from(atob(faviconBase64), (ch) => ch.charCodeAt(0));
webRoutes.get("/favicon.ico", (c) =>
  c.body(favicon, 200, { "Content-Type": "image/x-icon", "Cache-Control": c.req.query("v") === version ? IMMUTABLE : "public, max-age=86400" }),
);
