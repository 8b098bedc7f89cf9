import { expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBufferedWriter } from "../src/entry/log-writer";
import { createJsonLogger } from "../src/logger";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createJsonLogger((line) => lines.push(line)) };
}

test("each log line is one JSON object: time, level, event, then the fields", () => {
  const { lines, logger } = capture();
  logger.warn("auth.refresh_reuse_detected", { requestId: "r-1", userId: "u", count: 2, ok: false, gone: null, skipped: undefined });
  logger.info("plain");
  logger.error('quote"and\\newline\n', { note: "é ✓ \u2028" });
  const [first, second, third] = lines.map((l) => JSON.parse(l));
  expect(first).toEqual({ time: expect.any(String), level: "warn", event: "auth.refresh_reuse_detected", requestId: "r-1", userId: "u", count: 2, ok: false, gone: null });
  expect(Object.keys(first).slice(0, 3)).toEqual(["time", "level", "event"]);
  expect(new Date(first.time).toISOString()).toBe(first.time);
  expect(second).toEqual({ time: expect.any(String), level: "info", event: "plain" });
  expect(third).toEqual({ time: expect.any(String), level: "error", event: 'quote"and\\newline\n', note: "é ✓ \u2028" });
  for (const line of lines) expect(line).not.toContain("\n");
});

test("the timestamp follows the clock across lines (it is reused only within one millisecond)", async () => {
  const { lines, logger } = capture();
  logger.info("a");
  await Bun.sleep(5);
  logger.info("b");
  const [a, b] = lines.map((l) => Date.parse(JSON.parse(l).time));
  expect(b! - a!).toBeGreaterThanOrEqual(4);
});

test("the buffered writer writes every line, in order, including non-ASCII ones, by the time flush returns", () => {
  const dir = mkdtempSync(join(tmpdir(), "log-writer-"));
  try {
    const file = join(dir, "out.log");
    const fd = openSync(file, "w");
    const writer = createBufferedWriter(fd);
    const expected: string[] = [];
    // Enough to cross the 64 KiB batch threshold more than once, with multi-byte characters.
    for (let i = 0; i < 3000; i++) {
      const line = JSON.stringify({ i, text: i % 7 === 0 ? "naïve café ✓ 日本" : "plain ascii line" });
      expected.push(line);
      writer.write(line);
    }
    writer.flush();
    closeSync(fd);
    expect(readFileSync(file, "utf8")).toBe(expected.join("\n") + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
