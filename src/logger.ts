export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Structured logs: one JSON object per line. Never pass passwords, codes, tokens or hashes. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Writes JSON lines through `write` (stdout by default). */
export function createJsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  // One line per request on the hot path: the timestamp string is made once per millisecond, and
  // the fixed head of the line is concatenated instead of spreading fields into a new object.
  let lastMs = 0;
  let lastIso = "";
  const log = (level: string) => (event: string, fields?: LogFields) => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      lastIso = new Date(now).toISOString();
    }
    const head = `{"time":"${lastIso}","level":"${level}","event":${JSON.stringify(event)}`;
    const rest = fields ? JSON.stringify(fields) : "{}";
    write(rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`);
  };
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
