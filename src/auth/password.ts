import type { Services } from "../services";
import { bcryptCost } from "./hasher";

type Deps = Pick<Services, "hasher" | "config">;

// A real hash of a random string, computed once per cost: verifying against it when the user
// does not exist costs the same bcrypt work, so login timing does not reveal which emails exist.
const dummyHashes = new Map<string, Promise<string>>();
function dummyHash(deps: Deps): Promise<string> {
  const key = String(deps.config.bcryptCost);
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = deps.hasher.hash(crypto.randomUUID(), deps.config.bcryptCost);
    dummyHashes.set(key, hash);
  }
  return hash;
}

export function hashPassword(deps: Deps, password: string): Promise<string> {
  return deps.hasher.hash(password, deps.config.bcryptCost);
}

/**
 * Verifies against the user's hash, or against a dummy hash when there is no user or the user has
 * no password (a provider- or passkey-only account): equal timing either way.
 */
export async function verifyPassword(deps: Deps, password: string, hash: string | null | undefined): Promise<boolean> {
  if (hash === undefined || hash === null) {
    await deps.hasher.verify(password, await dummyHash(deps));
    return false;
  }
  return deps.hasher.verify(password, hash);
}

/** True when the stored hash was made at another cost than the configured one. */
export function needsRehash(deps: Deps, hash: string): boolean {
  return bcryptCost(hash) !== deps.config.bcryptCost;
}
