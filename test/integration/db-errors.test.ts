import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { sql } from "drizzle-orm";
import { DatabaseUnavailableError, EmailTakenError, mapDbError } from "../../src/db/errors";
import { openNeonHttp } from "../../src/db/neon";
import { migratePostgres, openPostgres } from "../../src/db/postgres";
import { freePort } from "../support/processes";
import { startNeonEndpoint, type NeonEndpoint } from "../support/neon-endpoint";
import { startPostgres, type LocalPostgres } from "../support/postgres";
import { available, requires } from "../support/requirements";

// mapDbError against the errors each driver really throws, not hand-made ones.
const caught = async (work: () => Promise<unknown>) => {
  try {
    await work();
  } catch (error) {
    return mapDbError(error);
  }
  throw new Error("expected the query to fail");
};
const duplicateInsert = sql`insert into users (id, email, password_hash) values
  ('00000000-0000-7000-8000-000000000001', 'same@example.com', 'x'),
  ('00000000-0000-7000-8000-000000000002', 'same@example.com', 'x')`;

if (requires("postgresql 15", available.postgres(), "apt-get install postgresql-15")) {
  describe("mapDbError on real driver errors", () => {
    let pg: LocalPostgres;
    let neon: NeonEndpoint;
    beforeAll(async () => {
      pg = await startPostgres();
      await migratePostgres(pg.url);
      neon = await startNeonEndpoint(pg.url);
    }, 30_000);
    afterAll(async () => {
      await neon.stop();
      await pg.stop();
    });

    test("Bun SQL: a unique violation (SQLSTATE in errno) is EmailTakenError", async () => {
      const { db, close } = await openPostgres(pg.url);
      expect(await caught(() => db.execute(duplicateInsert))).toBeInstanceOf(EmailTakenError);
      await close();
    });

    test("Bun SQL: a refused connection and a connection killed mid-session are DatabaseUnavailableError", async () => {
      const nobody = await openPostgres(`postgres://postgres@127.0.0.1:${freePort()}/postgres`);
      expect(await caught(() => nobody.db.execute(sql`select 1`))).toBeInstanceOf(DatabaseUnavailableError);
      await nobody.close();
      const client = new SQL({ url: pg.url, max: 1 });
      expect(await caught(() => client`select pg_terminate_backend(pg_backend_pid())`)).toBeInstanceOf(DatabaseUnavailableError);
      await client.close();
    });

    test("Neon HTTP: a unique violation (SQLSTATE in code) is EmailTakenError", async () => {
      const db = openNeonHttp(neon.databaseUrl, { fetchEndpoint: neon.url });
      expect(await caught(() => db.execute(duplicateInsert))).toBeInstanceOf(EmailTakenError);
    });

    test("Neon HTTP: an endpoint nobody listens on is DatabaseUnavailableError", async () => {
      const port = freePort();
      const db = openNeonHttp(`postgres://u:p@127.0.0.1:${port}/db`, { fetchEndpoint: `http://127.0.0.1:${port}/sql` });
      expect(await caught(() => db.execute(sql`select 1`))).toBeInstanceOf(DatabaseUnavailableError);
    });

    test("other errors pass through unchanged", async () => {
      const { db, close } = await openPostgres(pg.url);
      const error = await caught(() => db.execute(sql`select * from no_such_table`));
      expect(error).not.toBeInstanceOf(DatabaseUnavailableError);
      expect(error).not.toBeInstanceOf(EmailTakenError);
      await close();
    });
  });
}
