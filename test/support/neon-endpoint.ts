/**
 * A local emulation of Neon's HTTP query API (`POST /sql`), for tests and fully offline local
 * work: the real `@neondatabase/serverless` driver (and drizzle's neon-http) talks to it exactly
 * as to Neon, and it runs every query on a real Postgres server through node-postgres.
 *
 * Protocol, as @neondatabase/serverless 1.x speaks it:
 * - request body `{query, params}` (one statement) or `{queries: [{query, params}, ...]}` (a batch,
 *   run in one transaction; `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only`,
 *   `Neon-Batch-Deferrable` headers shape the BEGIN); params are already Postgres text (or null);
 * - success: 200 `{command, rowCount, fields: [{name, dataTypeID, ...}], rows: [[text | null]],
 *   rowAsArray: true}` (or `{results: [...]}` for a batch): raw Postgres text, the driver parses it
 *   by dataTypeID;
 * - a Postgres error: 400 `{message, code, severity, detail, constraint, ...}` (the driver copies
 *   these onto its NeonDbError, so `code` carries the SQLSTATE);
 * - the Postgres server unreachable: 503 with a text body (the driver throws "Server error (HTTP
 *   status 503)").
 * Not emulated: authentication (any credentials pass), `Neon-Connection-String` routing (every
 * request goes to the one server given), JWT auth. Never expose it beyond 127.0.0.1.
 */
import pg from "pg";

export type NeonEndpoint = {
  /** The value for openNeonHttp's `fetchEndpoint` (http://127.0.0.1:<port>/sql). */
  url: string;
  /** A postgres:// URL for openNeonHttp: its host:port is this endpoint's. */
  databaseUrl: string;
  port: number;
  stop(): Promise<void>;
};

type Query = { query: string; params?: unknown[] };

// Postgres text in, Postgres text out: no parsing on this side.
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

const ERROR_FIELDS = ["severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where", "schema", "table", "column", "dataType", "constraint", "file", "line", "routine"] as const;

const isPostgresError = (e: unknown): e is pg.DatabaseError => {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
};

async function run(client: pg.PoolClient | pg.Pool, q: Query) {
  const result = await client.query({ text: q.query, values: q.params ?? [], rowMode: "array", types: rawText });
  return {
    command: result.command,
    rowCount: result.rowCount,
    fields: result.fields.map((f) => ({ ...f })),
    rows: result.rows,
    rowAsArray: true,
  };
}

async function runBatch(pool: pg.Pool, queries: Query[], headers: Headers) {
  const client = await pool.connect();
  let broken = false;
  try {
    const mode = [
      headers.get("neon-batch-isolation-level") && `ISOLATION LEVEL ${isolation(headers.get("neon-batch-isolation-level")!)}`,
      headers.get("neon-batch-read-only") === "true" && "READ ONLY",
      headers.get("neon-batch-deferrable") === "true" && "DEFERRABLE",
    ].filter(Boolean);
    await client.query(`BEGIN ${mode.join(" ")}`);
    try {
      const results = [];
      for (const q of queries) results.push(await run(client, q));
      await client.query("COMMIT");
      return { results };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

function isolation(level: string): string {
  const known: Record<string, string> = {
    ReadUncommitted: "READ UNCOMMITTED", ReadCommitted: "READ COMMITTED", RepeatableRead: "REPEATABLE READ", Serializable: "SERIALIZABLE",
  };
  const sql = known[level];
  if (!sql) throw Object.assign(new Error(`unknown isolation level ${level}`), { code: "22023", severity: "ERROR" });
  return sql;
}

/** Starts the emulated endpoint on 127.0.0.1 and a random port, in front of the Postgres at `pgUrl`. */
export async function startNeonEndpoint(pgUrl: string): Promise<NeonEndpoint> {
  const pool = new pg.Pool({ connectionString: pgUrl, max: 10, connectionTimeoutMillis: 3000 });
  pool.on("error", () => {}); // an idle client lost with the server: the pool replaces it
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "POST" || path !== "/sql") return new Response("not found", { status: 404 });
      let body: Query | { queries: Query[] };
      try {
        body = (await request.json()) as typeof body;
      } catch {
        return Response.json({ message: "request body is not JSON" }, { status: 400 });
      }
      try {
        const result = "queries" in body ? await runBatch(pool, body.queries, request.headers) : await run(pool, body);
        return Response.json(result);
      } catch (error) {
        if (isPostgresError(error)) {
          const fields = Object.fromEntries(ERROR_FIELDS.map((k) => [k, (error as unknown as Record<string, unknown>)[k]]));
          return Response.json({ message: error.message, ...fields }, { status: 400 });
        }
        // Anything else means the server could not be reached (refused, reset, timed out).
        return new Response(`could not reach the database: ${(error as Error)?.message ?? error}`, { status: 503 });
      }
    },
  });
  const port = server.port!;
  return {
    url: `http://127.0.0.1:${port}/sql`,
    databaseUrl: `postgres://postgres:local@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop(true);
      await pool.end();
    },
  };
}
