import type { Logger } from "../logger";
import type { Mailer } from "./mailer";

/**
 * POSTs each message as JSON to `url`. A non-2xx answer or a network error is retried with a
 * short backoff, then logged (without the code): it never fails the user's request.
 */
export function createWebhookMailer(
  url: string,
  logger: Logger,
  { attempts = 3, backoffMs = 200, fetchImpl = fetch }: { attempts?: number; backoffMs?: number; fetchImpl?: typeof fetch } = {},
): Mailer {
  return {
    async send(message) {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const res = await fetchImpl(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(message),
          });
          if (res.ok) return;
          logger.warn("mail.webhook_failed", { status: res.status, attempt, purpose: message.purpose });
        } catch (error) {
          logger.warn("mail.webhook_failed", { error: (error as Error).name, attempt, purpose: message.purpose });
        }
        if (attempt < attempts) await new Promise((r) => setTimeout(r, backoffMs * attempt));
      }
      logger.error("mail.undelivered", { purpose: message.purpose, attempts });
    },
  };
}
