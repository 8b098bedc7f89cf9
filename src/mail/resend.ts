import type { Logger } from "../logger";
import type { Mailer } from "./mailer";

/** The Resend HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export function createResendMailer(apiKey: string, from: string, logger: Logger, fetchImpl: typeof fetch = fetch): Mailer {
  return {
    async send(message) {
      try {
        const res = await fetchImpl("https://api.resend.com/emails", {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text }),
        });
        if (!res.ok) logger.error("mail.undelivered", { status: res.status, purpose: message.purpose });
      } catch (error) {
        logger.error("mail.undelivered", { error: (error as Error).name, purpose: message.purpose });
      }
    },
  };
}
