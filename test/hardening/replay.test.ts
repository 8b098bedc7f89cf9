// The property tests are random (that is how they find bugs) and replayable: a failure prints its
// seed and path, and FC_SEED / FC_PATH from the environment replay exactly that run.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty, replayParameters } from "./fuzz-support";

/** A property that fails on some draws: every value it was given is recorded, in order. */
const failsOnSevens = (seen: number[]) =>
  fc.asyncProperty(fc.integer({ min: 0, max: 1_000_000 }), async (n) => {
    seen.push(n);
    if (n % 10 === 7) throw new Error("ends in 7");
  });

async function failure(run: Promise<void>): Promise<Error> {
  const error = await run.then(() => null, (e: unknown) => e as Error);
  if (!error) throw new Error("the property was expected to fail");
  return error;
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("property test replay", () => {
  test("a failure names its seed and path; FC_SEED replays the same run, FC_PATH goes straight to the counterexample", async () => {
    const first: number[] = [];
    const error = await failure(assertProperty(failsOnSevens(first), { numRuns: 1000 }));
    const replay = error.message.match(/Replay exactly this run: FC_SEED=(-?\d+) FC_PATH=([\d:]+) /);
    expect(replay).not.toBeNull();
    expect(error.message).toContain("Counterexample");
    const [, seed, path] = replay as unknown as [string, string, string];
    const shrunk = first.filter((n) => n % 10 === 7).at(-1)!;

    const again: number[] = [];
    const second = await withEnv({ FC_SEED: seed }, () => failure(assertProperty(failsOnSevens(again), { numRuns: 1000 })));
    expect(again).toEqual(first);
    expect(second.message).toContain(`FC_SEED=${seed} FC_PATH=${path} `);

    const direct: number[] = [];
    await withEnv({ FC_SEED: seed, FC_PATH: path }, () => failure(assertProperty(failsOnSevens(direct), { numRuns: 1000 })));
    expect(direct[0]).toBe(shrunk);
  });

  test("without FC_SEED every run draws its own seed; a malformed FC_SEED is refused", async () => {
    expect(replayParameters({})).toEqual({});
    const seeds = new Set<number>();
    for (let i = 0; i < 3; i++) seeds.add((await fc.check(fc.asyncProperty(fc.nat(), async () => {}), { numRuns: 1, ...replayParameters({}) })).seed);
    expect(seeds.size).toBeGreaterThan(1);
    expect(replayParameters({ FC_SEED: "1194086024" })).toEqual({ seed: 1194086024 });
    expect(replayParameters({ FC_SEED: "-5", FC_PATH: "2:1" })).toEqual({ seed: -5, path: "2:1" });
    expect(() => replayParameters({ FC_SEED: "soon" })).toThrow(/FC_SEED must be an integer/);
  });
});
