/** A problem document from the API (RFC 9457), with the Retry-After of a 429/503 in seconds. */
export class ApiProblem extends Error {
  override name = "ApiProblem";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
    readonly retryAfter?: number,
    /** mfa_required's handle for the second step of that sign-in. */
    readonly mfaToken?: string,
  ) {
    super(detail);
  }
}

export type User = {
  id: string;
  email: string;
  name: string | null;
  role: "user" | "admin";
  emailVerified: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
};

export type TokenPair = { access_token: string; expires_in: number; refresh_token: string };

/** One JSON request to the API on this origin; any non-2xx answer is thrown as an ApiProblem. */
export async function request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiProblem(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  const text = await res.text();
  const data = text ? safeJson(text) : {};
  if (res.ok) return data as T;
  const retry = Number(res.headers.get("retry-after"));
  throw new ApiProblem(
    res.status,
    String(data.code ?? "unknown"),
    String(data.detail ?? `The server answered ${res.status}.`),
    Array.isArray(data.errors) ? data.errors : [],
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    typeof data.mfa_token === "string" ? data.mfa_token : undefined,
  );
}

function safeJson(text: string): Record<string, any> {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
