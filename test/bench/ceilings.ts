import { startHello } from "./server";
import { staticGet } from "./lua";
import { runWrk, type Load } from "./wrk";

/** The machine's limits, measured in the same run as the scenarios. */
export type Ceilings = {
  cores: number;
  /** Median time of one bcrypt verify at the configured cost, in ms (Bun.password, idle machine). */
  bcryptVerifyMs: number;
  /** cores ÷ one verify: the most logins (or registrations) per second bcrypt allows. */
  bcryptPerSecond: number;
  /** A bare Bun.serve "hello" under the same wrk settings: the most HTTP the cores allow. */
  helloRps: number;
  helloP99Ms: number;
  /** The hello server's CPU time per request (us). */
  helloCpuUs: number;
};

export async function measureCeilings(load: Load, dir: string, cost: number): Promise<Ceilings> {
  const cores = navigator.hardwareConcurrency;
  const hash = await Bun.password.hash("ceiling-check", { algorithm: "bcrypt", cost });
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const started = performance.now();
    await Bun.password.verify("ceiling-check", hash, "bcrypt");
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const bcryptVerifyMs = Math.round(times[4]! * 10) / 10;

  const hello = await startHello();
  try {
    const r = await runWrk(load, dir, "hello", staticGet("/"), hello.url, [], hello.pid);
    return { cores, bcryptVerifyMs, bcryptPerSecond: Math.round((cores * 1000) / bcryptVerifyMs), helloRps: r.rps, helloP99Ms: r.p99Ms, helloCpuUs: r.cpuUsPerRequest };
  } finally {
    await hello.stop();
  }
}
