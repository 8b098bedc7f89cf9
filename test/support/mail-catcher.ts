import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One message as the webhook transport posts it (API.md "Outgoing mail"). */
export type CaughtMail = { to: string; subject: string; text: string; purpose: string; code: string };

export type MailCatcher = {
  /** Base URL: POST `${url}/mail` receives, GET `${url}/mail?to=…` lists what that address got. */
  url: string;
  messages: CaughtMail[];
  stop(): Promise<void>;
};

/**
 * A local target for MAIL_TRANSPORT=webhook that keeps every message, so a test can read the
 * code a server (or a Worker inside workerd) sent. node:http only: it runs under Node (vitest's
 * globalSetup) and Bun alike. Binds 127.0.0.1 on a random port.
 */
export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/mail") return void res.writeHead(404).end();
    if (req.method === "GET") {
      const to = url.searchParams.get("to");
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(messages.filter((m) => !to || m.to === to)));
    }
    if (req.method !== "POST") return void res.writeHead(405).end();
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      try {
        messages.push(JSON.parse(body) as CaughtMail);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
