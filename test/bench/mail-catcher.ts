/**
 * The webhook the bench server mails to (MAIL_TRANSPORT=webhook): keeps the latest code per
 * address so preparation can verify accounts through the public API, and counts messages.
 */
export type MailCatcher = {
  url: string;
  received(): number;
  /** Waits (up to 10 s) for a code sent to `email`. */
  codeFor(email: string): Promise<string>;
  stop(): void;
};

export function startMailCatcher(): MailCatcher {
  const codes = new Map<string, string>();
  let received = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const message = (await request.json()) as { to: string; code: string };
      received++;
      // Registrations under load are only counted: keeping their codes would grow without bound.
      if (!message.to.startsWith("reg-")) codes.set(message.to, message.code);
      return new Response(null, { status: 204 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/mail`,
    received: () => received,
    async codeFor(email) {
      for (let i = 0; i < 1000; i++) {
        const code = codes.get(email);
        if (code) return code;
        await Bun.sleep(10);
      }
      throw new Error(`no code arrived for ${email}`);
    },
    stop: () => void server.stop(true),
  };
}
