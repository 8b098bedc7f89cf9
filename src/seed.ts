import { hashPassword } from "./auth/password";
import { EmailTakenError } from "./db/errors";
import type { Services } from "./services";

/** ADMIN_EMAIL/ADMIN_PASSWORD: creates that verified admin at start if no such user exists. */
export async function seedAdmin(services: Services): Promise<void> {
  const admin = services.config.admin;
  if (!admin) return;
  if (await services.users.findByEmail(admin.email)) return;
  try {
    await services.users.create({
      email: admin.email,
      passwordHash: await hashPassword(services, admin.password),
      role: "admin",
      emailVerified: true,
    });
    services.logger.info("admin.seeded", { email: admin.email });
  } catch (error) {
    // Another process seeded it first.
    if (!(error instanceof EmailTakenError)) throw error;
  }
}
