import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { neon } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis";
import { routeNeonHttp } from "../../src/db/neon";
import { UPSTASH_CLIENT_OPTIONS } from "../../src/store/upstash";
import { startNeonEndpoint, type NeonEndpoint } from "../support/neon-endpoint";
import { startPostgres, type LocalPostgres } from "../support/postgres";
import { startRedis, type LocalRedis } from "../support/redis";
import { available, requires } from "../support/requirements";
import { startUpstashEndpoint, type UpstashEndpoint } from "../support/upstash-endpoint";

// The protocol emulations are test infrastructure other suites trust: check them with the real clients.
if (requires("postgresql 15", available.postgres(), "apt-get install postgresql-15")) {
  describe("Neon HTTP endpoint emulation", () => {
    let pg: LocalPostgres;
    let endpoint: NeonEndpoint;
    let sql: ReturnType<typeof neon>;
    beforeAll(async () => {
      pg = await startPostgres();
      endpoint = await startNeonEndpoint(pg.url);
      routeNeonHttp(endpoint.databaseUrl, endpoint.url);
      sql = neon(endpoint.databaseUrl, { disableWarningInBrowsers: true });
      await sql`create table t (id int primary key, at timestamptz, tags text[], ok boolean, n bigint)`;
    }, 30_000);
    afterAll(async () => {
      await endpoint.stop();
      await pg.stop();
    });

    test("values come back typed by the driver from Postgres text", async () => {
      const at = new Date("2026-01-02T03:04:05.678Z");
      await sql`insert into t values (1, ${at}, ${["a", "b c"]}, true, 9007199254740993)`;
      const [row] = (await sql`select * from t where id = ${1}`) as Record<string, unknown>[];
      expect(row).toMatchObject({ id: 1, tags: ["a", "b c"], ok: true, n: "9007199254740993" });
      // drizzle's neon-http, once imported, makes the driver hand timestamps over as text: accept either.
      expect(new Date(row!.at as string | Date).getTime()).toBe(at.getTime());
      const full = await sql.query("select id from t", [], { fullResults: true });
      expect(full).toMatchObject({ command: "SELECT", rowCount: 1, fields: [{ name: "id", dataTypeID: 23 }] });
    });

    test("a batch is one transaction: a failing statement rolls back the others", async () => {
      const failing = sql.transaction([sql`insert into t (id) values (2)`, sql`insert into t (id) values (1)`]);
      await expect(failing).rejects.toMatchObject({ name: "NeonDbError", code: "23505", constraint: "t_pkey" });
      expect(await sql`select id from t where id = 2`).toEqual([]);
      const results = await sql.transaction([sql`insert into t (id) values (3)`, sql`select count(*)::int as c from t`]);
      expect(results[1]).toEqual([{ c: 2 }]);
    });

    test("batch options become BEGIN options (read only refuses writes)", async () => {
      const readOnly = sql.transaction([sql`insert into t (id) values (4)`], { readOnly: true, isolationLevel: "Serializable" });
      await expect(readOnly).rejects.toMatchObject({ code: "25006" });
    });
  });
}

if (requires("redis-server", available.redis(), "apt-get install redis-server")) {
  describe("Upstash REST endpoint emulation", () => {
    let server: LocalRedis;
    let endpoint: UpstashEndpoint;
    let redis: Redis;
    beforeAll(async () => {
      server = await startRedis();
      endpoint = await startUpstashEndpoint(server.url);
      redis = new Redis({ url: endpoint.url, token: endpoint.token, ...UPSTASH_CLIENT_OPTIONS });
    }, 30_000);
    afterAll(async () => {
      await endpoint.stop();
      await server.stop();
    });

    test("a wrong token is refused", async () => {
      const intruder = new Redis({ url: endpoint.url, token: "wrong", ...UPSTASH_CLIENT_OPTIONS });
      await expect(intruder.get("k")).rejects.toThrow(/Unauthorized/);
    });

    test("strings survive the base64 encoding, including non-ASCII and 'OK'", async () => {
      await redis.set("greeting", "héllo ✓");
      await redis.set("ok", "OK");
      expect(await redis.get("greeting")).toBe("héllo ✓");
      expect(await redis.get("ok")).toBe("OK");
    });

    test("pipeline and multi-exec return one result per command", async () => {
      expect(await redis.pipeline().set("p", "1").incr("p").get("p").exec()).toEqual(["OK", 2, "2"]);
      expect(await redis.multi().set("m", "5").incrby("m", 2).get("m").exec()).toEqual(["OK", 7, "7"]);
      // A failing command inside MULTI/EXEC fails alone; the others still ran.
      await expect(redis.multi().set("s", "x").incr("s").exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR/);
      expect(await redis.get("s")).toBe("x");
    });

    test("a Redis error reply is an error, not a result", async () => {
      await redis.sadd("aset", "x");
      await expect(redis.incr("aset")).rejects.toThrow(/WRONGTYPE/);
    });
  });
}
