// The pages on Workers: /docs and /favicon.ico from the Worker, and the API reference's script
// from Workers Static Assets (wrangler.toml [assets]), which the platform serves before the Worker.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

type Assets = { fetch(input: string): Promise<Response> };

describe("pages from the Worker and its static assets", () => {
  it("/docs names a same-origin script under a CSP, and that script is a static asset with its headers", async () => {
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self';");
    const src = /<script src="(\/docs\/assets\/scalar-[\d.]+\.js)"><\/script>/.exec(page.body as string)?.[1];
    expect(src).toBeDefined();
    const script = await (env as unknown as { ASSETS: Assets }).ASSETS.fetch(`http://edge-auth.test${src}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
    const start = await call("GET", "/docs/docs.js");
    expect(start.status).toBe(200);
    expect(start.body).toContain("createApiReference");
  });

  it("/favicon.ico is an icon", async () => {
    const icon = await call("GET", "/favicon.ico");
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/x-icon");
  });
});
