import type { Logger } from "../../src/logger";

/** Keeps every log line (as the JSON a real logger writes) so tests can search them. */
export type CapturingLogger = Logger & { lines: string[]; events(name: string): Record<string, unknown>[] };

export function createCapturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const log = (level: string) => (event: string, fields = {}) => {
    lines.push(JSON.stringify({ level, event, ...fields }));
  };
  return {
    lines,
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    events: (name) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === name),
  };
}
