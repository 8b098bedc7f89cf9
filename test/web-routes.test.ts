import { expect, test } from "bun:test";
import { WEB_CSP } from "../src/routes/web";
import { version } from "../src/web/assets.generated";
import { buildTestApp } from "./support/app";

test("GET / serves the UI page with a strict CSP, no-cache and versioned asset links", async () => {
  const { app } = await buildTestApp();
  const res = await app.request("/");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("content-security-policy")).toBe(WEB_CSP);
  expect(WEB_CSP).toContain("default-src 'self'");
  expect(WEB_CSP).not.toContain("unsafe-inline");
  expect(res.headers.get("cache-control")).toBe("no-cache");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  const html = await res.text();
  expect(html).toContain(`/app.js?v=${version}`);
  expect(html).toContain(`/app.css?v=${version}`);
  // No inline script or style for the CSP to block.
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|style=/);
}, 30_000); // the first app of the file opens the embedded database

test("assets have their content types; the current version is cached for good, others revalidated", async () => {
  const { app } = await buildTestApp();
  const js = await app.request(`/app.js?v=${version}`);
  expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect((await js.text()).length).toBeGreaterThan(1000);
  const css = await app.request("/app.css?v=stale");
  expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  expect(css.headers.get("cache-control")).toBe("no-cache");
  const etag = css.headers.get("etag");
  expect(etag).toBeTruthy();
  expect((await app.request("/app.css", { headers: { "if-none-match": etag! } })).status).toBe(304);
});

test("the UI takes only its own paths: other paths keep the API's 404/405 problems and headers", async () => {
  const { app } = await buildTestApp();
  const unknown = await app.request("/app.json");
  expect(unknown.status).toBe(404);
  expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  expect(unknown.headers.get("content-security-policy")).toBeNull();
  const post = await app.request("/", { method: "POST" });
  expect(post.status).toBe(405);
  expect(post.headers.get("allow")).toContain("GET");
  const api = await app.request("/health");
  expect(api.headers.get("content-security-policy")).toBeNull();
});

test("the committed assets.generated.ts is what src/web builds to (run `bun run build:web` if not)", async () => {
  const { buildWebAssets, GENERATED } = await import("../src/web/build-assets");
  expect((await buildWebAssets()).source).toBe(await Bun.file(GENERATED).text());
});

test("/favicon.ico is a 32x32 icon, linked from both pages (the browser asks for it on every page)", async () => {
  const { app } = await buildTestApp();
  const res = await app.request(`/favicon.ico?v=${version}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/x-icon");
  expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  const bytes = new Uint8Array(await res.arrayBuffer());
  // ICONDIR: reserved 0, type 1 (icon), one image of 32x32 whose data is a PNG.
  expect([...bytes.slice(0, 8)]).toEqual([0, 0, 1, 0, 1, 0, 32, 32]);
  expect([...bytes.slice(22, 26)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect((await app.request("/favicon.ico")).status).toBe(200);
  for (const path of ["/", "/docs"]) expect(await (await app.request(path)).text()).toContain(`<link rel="icon" href="/favicon.ico?v=${version}">`);
});

test("the page says whether passkeys are on, so the UI never asks a passkey route that would 404", async () => {
  const off = await (await (await buildTestApp()).app.request("/")).text();
  expect(off).toContain('<meta name="edge-auth-passkeys" content="off">');
  const on = await (await (await buildTestApp({ env: { WEBAUTHN_ORIGINS: "http://localhost:8787" } })).app.request("/")).text();
  expect(on).toContain('<meta name="edge-auth-passkeys" content="on">');
  expect(on).not.toContain("__PASSKEYS__");
});
