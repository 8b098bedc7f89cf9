/** The email is already registered (unique violation on users.email). */
export class EmailTakenError extends Error {
  override name = "EmailTakenError";
}

/** The database cannot be reached (connection refused, closed, timed out, shutting down). */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  constructor(cause?: unknown) {
    super("The database cannot be reached", { cause });
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ConnectionRefused",
  // Bun SQL: refused (server down), closed (server went away mid-query), timeouts.
  "ERR_POSTGRES_CONNECTION_REFUSED", "ERR_POSTGRES_CONNECTION_CLOSED", "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT", "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
]);

/** SQLSTATE of a driver error, wherever the driver put it (postgres-js/PGlite/Neon: `code`; Bun SQL: `errno`). */
function sqlState(e: Record<string, unknown>): string | undefined {
  for (const field of ["code", "errno"] as const) {
    const v = e[field];
    if (typeof v === "string" && /^[0-9A-Z]{5}$/.test(v)) return v;
  }
  return undefined;
}

/**
 * Maps any driver's error to the app's: the one place that knows how each driver reports a
 * unique violation or a lost connection. Walks `cause` because drizzle wraps driver errors.
 */
export function mapDbError(error: unknown): unknown {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const rec = e as Record<string, unknown>;
    const state = sqlState(rec);
    if (state === "23505") return new EmailTakenError("Email already registered");
    // Class 08: connection exceptions; 57P0x: server shutting down; 53300: too many connections.
    if (state && (state.startsWith("08") || /^57P0[1-3]$/.test(state) || state === "53300")) {
      return new DatabaseUnavailableError(error);
    }
    const code = rec.code ?? rec.errno;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return new DatabaseUnavailableError(error);
    // fetch() failures (Neon over HTTP) surface as TypeError or a NeonDbError wrapping one.
    if (e instanceof TypeError && /fetch|network|connect/i.test(e.message)) return new DatabaseUnavailableError(error);
    // Neon over HTTP: a 5xx from the endpoint (compute unreachable, gateway down) has no SQLSTATE.
    if (e instanceof Error && e.name === "NeonDbError" && /^(Server error \(HTTP status 5\d\d\)|Error connecting to database)/.test(e.message)) {
      return new DatabaseUnavailableError(error);
    }
    if (e instanceof Error && /ECONNREFUSED|connection (refused|closed|terminated)|Connection terminated|socket hang up|server closed the connection/i.test(e.message)) {
      return new DatabaseUnavailableError(error);
    }
    e = rec.cause ?? rec.sourceError;
  }
  return error;
}
