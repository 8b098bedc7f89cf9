/** Every failure the client reports: the server's RFC 9457 problem, or a network failure (status 0). */
export class EdgeAuthError extends Error {
  override name = "EdgeAuthError";
  constructor(
    readonly status: number,
    /** The problem's stable `code` (API.md), or `network` / `unsupported` from the client itself. */
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
    /** Retry-After of a 429 or 503, in seconds. */
    readonly retryAfter?: number,
    /** The problem's other members (mfa_required carries `mfa_token` and `methods`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

/** Reads a non-2xx answer into an EdgeAuthError. */
export async function problemFrom(res: Response): Promise<EdgeAuthError> {
  let data: Record<string, unknown> = {};
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): status alone.
  }
  const retry = Number(res.headers.get("retry-after"));
  const { type: _t, title: _ti, status: _s, code, detail, errors, ...fields } = data;
  return new EdgeAuthError(
    res.status,
    typeof code === "string" ? code : "unknown",
    typeof detail === "string" ? detail : `The server answered ${res.status}.`,
    Array.isArray(errors) ? (errors as EdgeAuthError["errors"]) : [],
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    fields,
  );
}
