import type { Config } from "../config";
import type { Logger } from "../logger";
import { createConsoleMailer, type Mailer } from "./mailer";
import { createResendMailer } from "./resend";
import { createWebhookMailer } from "./webhook";

/** The mail transport named by MAIL_TRANSPORT (config validation guarantees its settings). */
export function createMailer(config: Config, logger: Logger): Mailer {
  switch (config.mail.transport) {
    case "webhook":
      return createWebhookMailer(config.mail.webhookUrl!, logger);
    case "resend":
      return createResendMailer(config.mail.resendApiKey!, config.mail.from!, logger);
    default:
      return createConsoleMailer(logger);
  }
}
