import type { Context } from "hono";
import { runAfterResponse } from "../background";
import type { AppEnv } from "../services";
import type { MailMessage, MailPurpose } from "./mailer";

export function codeMessage(to: string, purpose: MailPurpose, code: string): MailMessage {
  const minutes = 10;
  if (purpose === "verify-email") {
    return { to, purpose, code, subject: `Your verification code: ${code}`, text: `Your code to verify your email is ${code}. It expires in ${minutes} minutes.` };
  }
  return {
    to,
    purpose,
    code,
    subject: `Your password reset code: ${code}`,
    text: `Your code to reset your password is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this message.`,
  };
}

/**
 * Sends without awaiting delivery: the response neither waits for the mail transport nor
 * reveals by its timing whether a message was sent. On Workers the send is kept alive with
 * waitUntil; on Bun the promise simply runs on.
 */
export function sendInBackground(c: Context<AppEnv>, message: MailMessage): void {
  // The log line names the purpose only: never the address or the code.
  runAfterResponse(c, "mail.failed", () => c.get("frame").mailer.send(message), { purpose: message.purpose });
}
