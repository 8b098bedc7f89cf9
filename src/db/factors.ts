import { eq } from "drizzle-orm";
import type { Clock } from "../clock";
import { totpFactors } from "./schema";
import type { Database } from "./users";

/** The second factors of users: the confirmed authenticator app (TOTP) and recovery codes. */
export interface FactorRepo {
  /** True when the user has a confirmed TOTP factor: the sign-in gate then asks for the second step. */
  hasTotp(userId: string): Promise<boolean>;
}

export function createFactorRepo(db: Database, _clock: Clock): FactorRepo {
  return {
    async hasTotp(userId) {
      const rows = await db.select({ userId: totpFactors.userId }).from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
      return rows.length > 0;
    },
  };
}
