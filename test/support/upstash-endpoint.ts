/**
 * A local emulation of Upstash Redis's REST API, for tests and fully offline local work: the real
 * `@upstash/redis` client talks to it as to Upstash, and every command runs on a real Redis
 * server through Bun's RedisClient.
 *
 * Protocol, as @upstash/redis 1.x speaks it:
 * - `Authorization: Bearer <token>` on every request, else 401 `{error}`;
 * - `POST /` with a JSON command array (`["SET", "k", "v", "EX", 60]`) → `{result}`, or 400
 *   `{error: "ERR ..."}`;
 * - `POST /pipeline` with an array of commands → 200 `[{result} | {error}, ...]`;
 * - `POST /multi-exec`: the same, run as MULTI/EXEC on a connection of its own;
 * - `Upstash-Encoding: base64`: every string in a result (at any depth) is base64 encoded,
 *   except "OK" (the client decodes everything else).
 * The Redis server unreachable: 503 `{error}` (the client throws; the store reports it as
 * StoreUnavailableError). Never expose it beyond 127.0.0.1.
 */
import { RedisClient } from "bun";
import { REDIS_CLIENT_OPTIONS, redisSender } from "../../src/store/redis";

export type UpstashEndpoint = { url: string; token: string; port: number; stop(): Promise<void> };

type Command = (string | number | boolean | null)[];
type Reply = { result: unknown } | { error: string };

const toBase64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function encode(value: unknown, base64: boolean): unknown {
  if (typeof value === "string") return base64 && value !== "OK" ? toBase64(value) : value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  // RESP3 maps (HGETALL and friends) come back as objects; Upstash answers flat [k, v, ...] arrays.
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [encode(k, base64), encode(v, base64)]);
  return value ?? null;
}

const isReplyError = (e: unknown) => (e as { code?: string })?.code === "ERR_REDIS_SERVER_ERROR";
const message = (e: unknown) => String((e as Error)?.message ?? e);

/** Starts the emulated REST endpoint on 127.0.0.1 and a random port, in front of the Redis at `redisUrl`. */
export async function startUpstashEndpoint(redisUrl: string): Promise<UpstashEndpoint> {
  const token = crypto.randomUUID().replaceAll("-", "");
  const client = new RedisClient(redisUrl, REDIS_CLIENT_OPTIONS);
  const send = redisSender(client);
  const args = (cmd: Command) => cmd.slice(1).map((a) => (a === null ? "" : String(a)));

  async function one(cmd: Command): Promise<Reply> {
    try {
      return { result: await send(String(cmd[0]), args(cmd)) };
    } catch (error) {
      if (isReplyError(error)) return { error: message(error) };
      throw error;
    }
  }

  // MULTI/EXEC needs a connection of its own: on the shared, auto-pipelined one, other requests'
  // commands would be queued into the transaction.
  async function multiExec(cmds: Command[]): Promise<Reply[]> {
    const own = new RedisClient(redisUrl, { ...REDIS_CLIENT_OPTIONS, enableAutoPipelining: false });
    const sendOwn = redisSender(own);
    try {
      await sendOwn("MULTI", []);
      for (const cmd of cmds) await sendOwn(String(cmd[0]), args(cmd));
      const results = (await sendOwn("EXEC", [])) as unknown[] | null;
      if (!results) return cmds.map(() => ({ error: "EXECABORT Transaction discarded" }));
      return results.map((r) => (r instanceof Error ? { error: r.message } : { result: r }));
    } finally {
      own.close();
    }
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      // Constant-time enough for a local test endpoint; the real service checks tokens itself.
      if (request.headers.get("authorization") !== `Bearer ${token}`) return Response.json({ error: "Unauthorized" }, { status: 401 });
      if (request.method !== "POST") return Response.json({ error: "Method not allowed" }, { status: 405 });
      const base64 = request.headers.get("upstash-encoding") === "base64";
      const path = new URL(request.url).pathname;
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return Response.json({ error: "ERR failed to parse command" }, { status: 400 });
      }
      try {
        if (path === "/pipeline" || path === "/multi-exec") {
          const cmds = body as Command[];
          const replies = path === "/pipeline" ? await Promise.all(cmds.map(one)) : await multiExec(cmds);
          return Response.json(replies.map((r) => ("result" in r ? { result: encode(r.result, base64) } : r)));
        }
        if (path !== "/") return Response.json({ error: "Not found" }, { status: 404 });
        const reply = await one(body as Command);
        return "result" in reply ? Response.json({ result: encode(reply.result, base64) }) : Response.json(reply, { status: 400 });
      } catch (error) {
        return Response.json({ error: `Service unavailable: ${message(error)}` }, { status: 503 });
      }
    },
  });
  const port = server.port!;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    async stop() {
      await server.stop(true);
      client.close();
    },
  };
}
