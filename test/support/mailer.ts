import type { Mailer, MailMessage, MailPurpose } from "../../src/mail/mailer";

/** Records every message; tests read the code a user would have received. */
export type CapturingMailer = Mailer & {
  messages: MailMessage[];
  /** The newest code sent to this address (for this purpose), or throws. */
  lastCode(to: string, purpose?: MailPurpose): string;
  count(to: string, purpose?: MailPurpose): number;
};

export function createCapturingMailer(): CapturingMailer {
  const messages: MailMessage[] = [];
  const matching = (to: string, purpose?: MailPurpose) =>
    messages.filter((m) => m.to === to.toLowerCase() && (!purpose || m.purpose === purpose));
  return {
    messages,
    // Recorded synchronously, so a code is readable as soon as the response is.
    send(message) {
      messages.push(message);
      return Promise.resolve();
    },
    lastCode(to, purpose) {
      const found = matching(to, purpose).at(-1);
      if (!found) throw new Error(`no mail to ${to}${purpose ? ` (${purpose})` : ""}`);
      return found.code;
    },
    count: (to, purpose) => matching(to, purpose).length,
  };
}
