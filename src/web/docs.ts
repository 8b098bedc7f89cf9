/**
 * Starts the API reference on /docs: Scalar's standalone bundle (served from this origin, see
 * src/web/scalar.ts) has defined `Scalar` by the time this runs. A separate file, not an inline
 * script, so the page's CSP needs no 'unsafe-inline' for scripts.
 */
declare const Scalar: { createApiReference(selector: string, configuration: Record<string, unknown>): unknown };

Scalar.createApiReference("#app", {
  url: "/openapi.json",
  // The Authorize dialog signs in through POST /auth/token (the document's OAuth2 password flow).
  authentication: { preferredSecurityScheme: "bearer" },
  // Nothing from anywhere else: no web fonts from Scalar's CDN, no telemetry, no hosted AI agent
  // or MCP features (the CSP would block them anyway; off, they do not even try).
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
});
