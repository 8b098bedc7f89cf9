/** Plain SQL access for seeding, whichever database the server runs on. */
export type SeedDb = {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
};

const BATCH = 100_000;

/**
 * Bulk-seeds users seed-<from..to>@bench.test, verified, all with the same bcrypt `hash` (so
 * seeding costs no bcrypt work), in batches of one `insert ... select generate_series` each.
 * Ids are version-7-shaped UUIDs below any real one: seeded users sort first, as if older.
 */
export async function seedUsers(db: SeedDb, from: number, to: number, hash: string, log: (s: string) => void): Promise<void> {
  for (let start = from; start <= to; start += BATCH) {
    const end = Math.min(to, start + BATCH - 1);
    await db.query(
      `insert into users (id, email, name, password_hash, role, email_verified, disabled, created_at, updated_at)
       select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'seed-' || i || '@bench.test',
              'Seed ' || i, $1, 'user', true, false, now(), now()
       from generate_series($2::int, $3::int) as i
       on conflict do nothing`,
      [hash, start, end],
    );
    log(`  seeded ${end.toLocaleString("en")} / ${to.toLocaleString("en")}`);
  }
  await db.query("analyze users");
}

/** The id at 90% of the table in list order: the deep cursor for `admin-list-deep`. */
export async function deepId(db: SeedDb): Promise<string> {
  const [row] = await db.query("select count(*)::int as n from users");
  const offset = Math.floor(Number(row!.n) * 0.9);
  const [deep] = await db.query("select id::text as id from users order by id offset $1 limit 1", [offset]);
  return String(deep!.id);
}
