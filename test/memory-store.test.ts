import { expect, test } from "bun:test";
import { createMemoryStore } from "../src/store/memory";
import { createFakeClock } from "./support/clock";

test("expired keys nobody reads again are swept by later writes, a few per write", async () => {
  const clock = createFakeClock();
  const store = createMemoryStore(clock);
  for (let i = 0; i < 10_000; i++) await store.set(`old:${i}`, "v", 60);
  await store.set("live", "v", 3600);
  expect(store.size()).toBe(10_001);
  clock.advanceSeconds(61);
  // Writes to ONE key: the map does not grow, so any shrinking is the sweep's doing.
  for (let i = 0; i < 6_000; i++) await store.set("busy", String(i), 3600);
  expect(store.size()).toBe(2); // "live" and "busy" survive; every expired key is gone
  expect(await store.get("live")).toBe("v");
  expect(await store.get("old:1")).toBeNull();
});

test("the sweep never removes a live key, however many writes pass", async () => {
  const clock = createFakeClock();
  const store = createMemoryStore(clock);
  for (let i = 0; i < 500; i++) await store.set(`k:${i}`, String(i), 10);
  for (let i = 0; i < 5_000; i++) await store.increment(`n:${i % 7}`, 10);
  expect(store.size()).toBe(507);
  for (let i = 0; i < 500; i++) expect(await store.get(`k:${i}`)).toBe(String(i));
});
