import type { Clock } from "../../src/clock";

/** A clock that moves only when told: codes and tokens expire without sleeping. */
export type FakeClock = Clock & { advance(ms: number): void; advanceSeconds(s: number): void; set(ms: number): void };

export function createFakeClock(start = Date.now()): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    advanceSeconds: (s) => {
      now += s * 1000;
    },
    set: (ms) => {
      now = ms;
    },
  };
}
