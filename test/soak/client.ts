/** The soak's HTTP client and mail sink: counts every answer, collects the codes the server mails. */

/** Codes the server sent through its webhook transport, newest per address and purpose. */
export type MailSink = { url: string; code(to: string, purpose: string): string | undefined; stop(): void };

export function startMailSink(): MailSink {
  const codes = new Map<string, string>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const m = (await req.json()) as { to: string; purpose: string; code: string };
      codes.set(`${m.purpose}:${m.to}`, m.code);
      return new Response(null, { status: 204 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/mail`, code: (to, purpose) => codes.get(`${purpose}:${to}`), stop: () => server.stop(true) };
}

export type Client = ReturnType<typeof createClient>;

/** Sends requests with a timeout and counts every answer by status ("timeout"/"network" for none). */
export function createClient(base: string) {
  const byStatus = new Map<string, number>();
  /** When each 5xx answer arrived (ms since the epoch) and its status: 503s must fall inside an outage. */
  const serverErrors: { at: number; status: number }[] = [];
  async function send(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    let status: number | string;
    try {
      const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      status = res.status;
      if (status >= 500) serverErrors.push({ at: Date.now(), status });
      byStatus.set(String(status), (byStatus.get(String(status)) ?? 0) + 1);
      return { status, body: text ? JSON.parse(text) : {} };
    } catch (error) {
      status = (error as Error).name === "TimeoutError" ? "timeout" : "network";
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      return { status: 0, body: {} };
    }
  }
  return { send, byStatus, serverErrors };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits briefly for a code to arrive at the sink (the server sends mail in the background). */
export async function waitForCode(mail: MailSink, to: string, purpose: string, previous?: string): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    const code = mail.code(to, purpose);
    if (code && code !== previous) return code;
    await sleep(100);
  }
  return undefined;
}

