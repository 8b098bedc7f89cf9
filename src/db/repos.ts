import type { Clock } from "../clock";
import { createAuditRepo, type AuditRepo } from "./audit";
import { createFactorRepo, type FactorRepo } from "./factors";
import { createIdentityRepo, type IdentityRepo } from "./identities";
import { createPasskeyRepo, type PasskeyRepo } from "./passkeys";
import { createUserRepo, type Database, type UserRepo } from "./users";

/** Every table's queries over one database: what the service builders hand to the app. */
export type Repos = { users: UserRepo; factors: FactorRepo; audit: AuditRepo; identities: IdentityRepo; passkeys: PasskeyRepo };

export function createRepos(db: Database, clock: Clock): Repos {
  return {
    users: createUserRepo(db, clock),
    factors: createFactorRepo(db, clock),
    audit: createAuditRepo(db, clock),
    identities: createIdentityRepo(db, clock),
    passkeys: createPasskeyRepo(db, clock),
  };
}
