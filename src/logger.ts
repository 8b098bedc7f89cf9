export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Structured logs: one JSON object per line. Never pass passwords, codes, tokens or hashes. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Writes JSON lines through `write` (stdout by default). */
export function createJsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const log = (level: string) => (event: string, fields: LogFields = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
