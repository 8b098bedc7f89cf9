import type { Hasher } from "./hasher";

/**
 * Bun's native bcrypt: runs on a worker thread, so a login never blocks other requests.
 * Bun pre-hashes passwords over 72 bytes with SHA-512; the API refuses those, so the hashes
 * stay byte-compatible with bcryptjs.
 */
export const bunHasher: Hasher = {
  hash: (password, cost) => Bun.password.hash(password, { algorithm: "bcrypt", cost }),
  verify: (password, hash) => Bun.password.verify(password, hash, "bcrypt"),
};
