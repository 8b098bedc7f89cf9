import { and, count, eq, isNull, lt, sql } from "drizzle-orm";
import type { Clock } from "../clock";
import { DatabaseUnavailableError, mapDbError } from "./errors";
import { recoveryCodes, totpFactors } from "./schema";
import type { Database } from "./users";
import { uuidv7 } from "./uuid";

/** A confirmed TOTP factor as stored: the sealed secret (auth/secret-box.ts) and the last accepted step. */
export type StoredTotp = { ciphertext: string; keyId: string; lastStep: number };

/**
 * The second factors of users: the confirmed authenticator app (TOTP) and recovery codes. Every
 * change is ONE statement (Neon HTTP has no interactive transactions), and everything that must
 * work once (a step, a code) is a conditional UPDATE ... RETURNING: of parallel callers one wins.
 */
export interface FactorRepo {
  /** True when the user has a confirmed TOTP factor: the sign-in gate then asks for the second step. */
  hasTotp(userId: string): Promise<boolean>;
  findTotp(userId: string): Promise<StoredTotp | null>;
  /**
   * Turns TOTP on with its first accepted step and the recovery codes' hashes, in one statement.
   * False (and nothing written) when the user already has TOTP or no longer exists.
   */
  enableTotp(userId: string, secret: { ciphertext: string; keyId: string }, step: number, codeHashes: string[]): Promise<boolean>;
  /** Uses a step: true only when it is later than every step accepted before (a replay or an older code loses). */
  acceptTotpStep(userId: string, step: number): Promise<boolean>;
  /** Uses a recovery code by its hash: true for the one caller that marked it used. */
  useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** Replaces every recovery code of a user with TOTP on (false, nothing written, when TOTP is off). */
  replaceRecoveryCodes(userId: string, codeHashes: string[]): Promise<boolean>;
  /** Removes TOTP and every recovery code; false when TOTP was off. */
  removeTotp(userId: string): Promise<boolean>;
  /** Unused recovery codes left. */
  recoveryCodesRemaining(userId: string): Promise<number>;
}

/** db.execute's rows whatever the driver (PGlite and Neon HTTP wrap them in `rows`, Bun SQL gives the array). */
const rowsOf = (result: unknown): unknown[] =>
  Array.isArray(result) ? result : ((result as { rows?: unknown[] } | null)?.rows ?? []);

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const mapped = mapDbError(error);
    throw mapped instanceof DatabaseUnavailableError ? mapped : error;
  }
}

export function createFactorRepo(db: Database, clock: Clock): FactorRepo {
  const now = () => new Date(clock.now());
  /** `(id, hash)` rows for an INSERT ... SELECT: ids are uuidv7 like every other table's. */
  const codeRows = (hashes: string[], at: number) =>
    sql.join(hashes.map((h) => sql`(${uuidv7(at)}::uuid, ${h}::text)`), sql`, `);

  return {
    hasTotp: (userId) =>
      guard(async () => {
        const rows = await db.select({ userId: totpFactors.userId }).from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
        return rows.length > 0;
      }),
    findTotp: (userId) =>
      guard(async () => {
        const [row] = await db
          .select({ ciphertext: totpFactors.secretCiphertext, keyId: totpFactors.keyId, lastStep: totpFactors.lastStep })
          .from(totpFactors)
          .where(eq(totpFactors.userId, userId))
          .limit(1);
        return row ? { ...row, lastStep: Number(row.lastStep) } : null;
      }),
    enableTotp: (userId, secret, step, codeHashes) =>
      guard(async () => {
        const at = clock.now();
        const iso = new Date(at).toISOString();
        // The factor row claims the user (ON CONFLICT: a second confirm writes nothing); the
        // codes are inserted only through that claim, and any left from before are cleared.
        const result = await db.execute(sql`
          with claimed as (
            insert into totp_factors (user_id, secret_ciphertext, key_id, last_step, confirmed_at)
            select id, ${secret.ciphertext}, ${secret.keyId}, ${step}::bigint, ${iso}::timestamptz from users where id = ${userId}::uuid
            on conflict (user_id) do nothing
            returning user_id
          ), cleared as (
            delete from recovery_codes where user_id in (select user_id from claimed)
          )
          insert into recovery_codes (id, user_id, code_hash, created_at)
          select v.id, claimed.user_id, v.code_hash, ${iso}::timestamptz
          from claimed, (values ${codeRows(codeHashes, at)}) as v(id, code_hash)
          returning user_id`);
        return rowsOf(result).length > 0;
      }),
    acceptTotpStep: (userId, step) =>
      guard(async () => {
        const rows = await db
          .update(totpFactors)
          .set({ lastStep: step })
          .where(and(eq(totpFactors.userId, userId), lt(totpFactors.lastStep, step)))
          .returning({ userId: totpFactors.userId });
        return rows.length > 0;
      }),
    useRecoveryCode: (userId, codeHash) =>
      guard(async () => {
        const rows = await db
          .update(recoveryCodes)
          .set({ usedAt: now() })
          .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
          .returning({ id: recoveryCodes.id });
        return rows.length > 0;
      }),
    replaceRecoveryCodes: (userId, codeHashes) =>
      guard(async () => {
        const at = clock.now();
        const iso = new Date(at).toISOString();
        // Through the factor row: when TOTP was turned off meanwhile, nothing is deleted or inserted.
        const result = await db.execute(sql`
          with factor as (
            select user_id from totp_factors where user_id = ${userId}::uuid
          ), cleared as (
            delete from recovery_codes where user_id in (select user_id from factor)
          )
          insert into recovery_codes (id, user_id, code_hash, created_at)
          select v.id, factor.user_id, v.code_hash, ${iso}::timestamptz
          from factor, (values ${codeRows(codeHashes, at)}) as v(id, code_hash)
          returning user_id`);
        return rowsOf(result).length > 0;
      }),
    removeTotp: (userId) =>
      guard(async () => {
        const result = await db.execute(sql`
          with codes as (delete from recovery_codes where user_id = ${userId}::uuid)
          delete from totp_factors where user_id = ${userId}::uuid returning user_id`);
        return rowsOf(result).length > 0;
      }),
    recoveryCodesRemaining: (userId) =>
      guard(async () => {
        const [row] = await db
          .select({ n: count() })
          .from(recoveryCodes)
          .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
        return Number(row?.n ?? 0);
      }),
  };
}
