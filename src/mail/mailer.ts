import type { Logger } from "../logger";

export type MailPurpose = "verify-email" | "reset-password";

export type MailMessage = { to: string; subject: string; text: string; purpose: MailPurpose; code: string };

/** Sends one message. Callers do not await delivery in the request path (see `sendInBackground`). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * Local default: writes the message to the server log, so a developer reads the code there.
 * This transport prints the code on purpose; never use it in production.
 */
export function createConsoleMailer(logger: Logger): Mailer {
  return {
    async send(message) {
      logger.info("mail.console", { to: message.to, purpose: message.purpose });
      console.log(`\n--- mail to ${message.to}: ${message.subject}\n${message.text}\n---\n`);
    },
  };
}
