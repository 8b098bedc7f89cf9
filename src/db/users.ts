import { and, asc, eq, exists, getTableColumns, gt, ne, not, or, sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Clock } from "../clock";
import { EmailTakenError, mapDbError } from "./errors";
import { users, type Role, type UserListRow, type UserRow } from "./schema";
import { uuidv7 } from "./uuid";

// Every driver's drizzle database (PGlite, Bun SQL, Neon HTTP) is a PgDatabase.
// biome-ignore lint: the driver's result type differs per implementation.
export type Database = PgDatabase<PgQueryResultHKT, any>;

export type NewUser = {
  email: string;
  /** Null for an account created by an external provider (it signs in there, or sets one by reset). */
  passwordHash: string | null;
  name?: string | null;
  role?: Role;
  emailVerified?: boolean;
};
export type UserPatch = Partial<Pick<UserRow, "name" | "role" | "disabled" | "emailVerified" | "passwordHash">>;
export type ListQuery = { limit: number; after?: string; q?: string };

/** Why a guarded change was not made. */
export type GuardedResult = { user: UserRow } | { error: "not_found" | "last_admin" };

/** The users table, and nothing else the app ever asks of the database. */
export interface UserRepo {
  /** Throws EmailTakenError when the email exists. */
  create(input: NewUser): Promise<UserRow>;
  findById(id: string): Promise<UserRow | null>;
  findByEmail(email: string): Promise<UserRow | null>;
  /**
   * Plain update (no last-admin check): profile, password, verification. With `ifPasswordHash`,
   * updates only while the stored hash is still that one (null when it changed meanwhile).
   */
  update(id: string, patch: UserPatch, options?: { ifPasswordHash?: string }): Promise<UserRow | null>;
  /** Update that refuses to leave no active admin (demoting or disabling the last one). */
  updateGuarded(id: string, patch: UserPatch): Promise<GuardedResult>;
  /** Delete that refuses to remove the last active admin. */
  deleteGuarded(id: string): Promise<{ deleted: true } | { error: "not_found" | "last_admin" }>;
  /** Keyset page in id (creation) order; returns up to `limit` rows after the cursor id. */
  list(query: ListQuery): Promise<UserListRow[]>;
  ping(): Promise<void>;
}

// Every column but the password hash: a page of 50 users never needs 50 hashes (less to read,
// transfer and hold in memory, and one place fewer where hashes pass through).
const { passwordHash: _hash, ...listColumns } = getTableColumns(users);

const isActiveAdmin = and(eq(users.role, "admin"), eq(users.disabled, false))!;

/** Escapes LIKE wildcards so a search for "a_b" means the characters, not a pattern. */
const likePrefix = (q: string) => `${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

export function createUserRepo(db: Database, clock: Clock): UserRepo {
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder("id"))).limit(1).prepare("user_by_id");
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder("email"))).limit(1).prepare("user_by_email");

  const now = () => new Date(clock.now());

  // The CTE locks every active admin row, so two concurrent demotions of the last two admins
  // serialize and the second sees the first one's result (Postgres re-checks locked rows).
  const lockedAdmins = () =>
    db.$with("locked_admins").as(db.select({ id: users.id }).from(users).where(isActiveAdmin).for("update"));

  async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapDbError(error);
    }
  }

  return {
    create: (input) =>
      guard(async () => {
        const at = now();
        const rows = await db
          .insert(users)
          .values({
            id: uuidv7(at.getTime()),
            email: input.email,
            passwordHash: input.passwordHash,
            name: input.name ?? null,
            role: input.role ?? "user",
            emailVerified: input.emailVerified ?? false,
            createdAt: at,
            updatedAt: at,
          })
          // One statement on every driver (Neon HTTP has no interactive transactions).
          .onConflictDoNothing({ target: users.email })
          .returning();
        const row = rows[0];
        if (!row) throw new EmailTakenError("Email already registered");
        return row;
      }),
    findById: (id) => guard(async () => (await byId.execute({ id }))[0] ?? null),
    findByEmail: (email) => guard(async () => (await byEmail.execute({ email }))[0] ?? null),
    update: (id, patch, options = {}) =>
      guard(async () => {
        const where = options.ifPasswordHash === undefined ? eq(users.id, id) : and(eq(users.id, id), eq(users.passwordHash, options.ifPasswordHash));
        const rows = await db.update(users).set({ ...patch, updatedAt: now() }).where(where).returning();
        return rows[0] ?? null;
      }),
    updateGuarded: (id, patch) =>
      guard(async () => {
        const locked = lockedAdmins();
        const rows = await db
          .with(locked)
          .update(users)
          .set({ ...patch, updatedAt: now() })
          .where(and(eq(users.id, id), keepsAnAdminWith(locked, id, patch)))
          .returning();
        if (rows[0]) return { user: rows[0] };
        return { error: (await byId.execute({ id }))[0] ? "last_admin" : "not_found" };
      }),
    deleteGuarded: (id) =>
      guard(async () => {
        const locked = lockedAdmins();
        const rows = await db
          .with(locked)
          .delete(users)
          .where(and(eq(users.id, id), keepsAnAdminWith(locked, id, { disabled: true })))
          .returning({ id: users.id });
        if (rows[0]) return { deleted: true as const };
        return { error: (await byId.execute({ id }))[0] ? ("last_admin" as const) : ("not_found" as const) };
      }),
    list: ({ limit, after, q }) =>
      guard(async () => {
        const filters: SQL[] = [];
        if (after) filters.push(gt(users.id, after));
        if (q) {
          const pattern = likePrefix(q.toLowerCase());
          filters.push(or(sql`${users.email} like ${pattern}`, sql`lower(${users.name}) like ${pattern}`)!);
        }
        return db.select(listColumns).from(users).where(and(...filters)).orderBy(asc(users.id)).limit(limit);
      }),
    ping: () =>
      guard(async () => {
        await db.execute(sql`select 1`);
      }),
  };

  function keepsAnAdminWith(locked: ReturnType<typeof lockedAdmins>, id: string, patch: UserPatch): SQL {
    const staysActiveAdmin = patch.role !== "user" && patch.disabled !== true;
    if (staysActiveAdmin) return sql`true`;
    return or(not(isActiveAdmin), exists(db.select().from(locked).where(ne(locked.id, id))))!;
  }
}
