// Helpers for the tests inside workerd: requests go to the Worker's default export (the bundle's
// own fetch handler, built from the bindings), codes come from the mail catcher.
import { exports } from "cloudflare:workers";
import { inject } from "vitest";

export type Reply = { status: number; headers: Headers; body: any };

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;

// Each test file is its own client address (the Worker limits /auth/* per address, and the files
// share one Worker): a test that needs a given address sets cf-connecting-ip itself.
const CLIENT_ADDRESS = `10.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}.1`;

/** One request to the Worker; JSON bodies are sent with Content-Type: application/json. */
export async function call(method: string, path: string, options: { json?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers = new Headers(options.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", CLIENT_ADDRESS);
  if (options.json !== undefined) headers.set("content-type", "application/json");
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const res = await worker.fetch(`http://edge-auth.test${path}`, {
    method,
    headers,
    body: options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
  });
  const text = await res.text();
  const isJson = /json/.test(res.headers.get("content-type") ?? "");
  return { status: res.status, headers: res.headers, body: isJson && text ? JSON.parse(text) : text };
}

/** The latest code mailed to `to` (sent after the response, via waitUntil): polls the catcher until it arrives. */
export async function mailedCode(to: string, purpose = "verify-email", attempts = 100): Promise<string> {
  const base = inject("mailCatcherUrl");
  for (let i = 0; i < attempts; i++) {
    const messages = (await (await fetch(`${base}/mail?to=${encodeURIComponent(to)}`)).json()) as { purpose: string; code: string }[];
    const found = messages.filter((m) => m.purpose === purpose).at(-1);
    if (found) return found.code;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${purpose} mail reached ${to}`);
}

export const uniqueEmail = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/**
 * Waits (bounded) until the Worker has started and both backends answer: a start that failed
 * (backends still coming up on a loaded machine) is retried by the Worker on the next request.
 */
export async function untilReady(attempts = 60): Promise<Reply> {
  let ready = await call("GET", "/ready");
  for (let i = 0; i < attempts && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 250));
    ready = await call("GET", "/ready");
  }
  return ready;
}
