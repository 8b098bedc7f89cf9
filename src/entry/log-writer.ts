import { writeSync } from "node:fs";

/** A line writer for createJsonLogger that batches lines, plus the flush to call before exiting. */
export type BufferedWriter = { write(line: string): void; flush(): void };

const FLUSH_AFTER_MS = 5;
const FLUSH_AT_BYTES = 64 * 1024;

/**
 * Bun entry only (on Workers console.log IS the log pipeline). A synchronous console.log per
 * request was the largest single cost of the middleware stack, so lines are collected and written
 * with one write(2) every few milliseconds or at 64 KiB, whichever comes first. Nothing is lost
 * on a clean shutdown: `flush` runs on process exit (and the entry calls it on SIGINT/SIGTERM);
 * error lines are written at once, so a crash right after one still leaves it in the log.
 */
export function createBufferedWriter(fd = 1): BufferedWriter {
  let lines: string[] = [];
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (lines.length === 0) return;
    const chunk = lines.join("\n") + "\n";
    lines = [];
    bytes = 0;
    writeAll(fd, chunk);
  }

  process.on("exit", flush);
  return {
    write(line) {
      lines.push(line);
      bytes += line.length + 1;
      if (bytes >= FLUSH_AT_BYTES || line.includes('"level":"error"')) flush();
      else timer ??= setTimeout(flush, FLUSH_AFTER_MS);
    },
    flush,
  };
}

/**
 * writeSync until every byte is out. The string is written as is (no copy into a Buffer first:
 * that copy was most of the logging cost); only a partial write (a full pipe) falls back to bytes.
 */
function writeAll(fd: number, chunk: string): void {
  const written = attempt(() => writeSync(fd, chunk));
  if (written < 0 || written === Buffer.byteLength(chunk)) return;
  let buffer = Buffer.from(chunk).subarray(written);
  while (buffer.length > 0) {
    const n = attempt(() => writeSync(fd, buffer));
    if (n < 0) return;
    buffer = buffer.subarray(n);
  }
}

/** A write's byte count; 0 on EAGAIN (a full non-blocking pipe: retried), -1 when stdout is gone (nowhere to log to). */
function attempt(write: () => number): number {
  try {
    return write();
  } catch (error) {
    return (error as { code?: string }).code === "EAGAIN" ? 0 : -1;
  }
}
