import bcrypt from "bcryptjs";
import type { Hasher } from "./hasher";

/** Pure-JS bcrypt for runtimes without a native one (Workers). Blocks the isolate for the hash. */
export const bcryptjsHasher: Hasher = {
  hash: (password, cost) => bcrypt.hash(password, cost),
  verify: (password, hash) => bcrypt.compare(password, hash),
};
