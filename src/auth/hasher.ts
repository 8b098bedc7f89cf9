/** bcrypt behind one interface, so Bun (native, off the main thread) and Workers (bcryptjs) share hashes. */
export interface Hasher {
  hash(password: string, cost: number): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/** The cost factor written in a `$2a$`/`$2b$` hash, or null when it is not a bcrypt hash. */
export function bcryptCost(hash: string): number | null {
  const m = /^\$2[aby]\$(\d{2})\$/.exec(hash);
  return m ? Number(m[1]) : null;
}
