#!/bin/sh
# Runs a command (wrangler, vitest) with Node >= 22.12 first on PATH. `bun install` brings one:
# the optional dependency node-<os>-<cpu> for this machine (package.json), linked as
# node_modules/.bin/node. Where npm has no such package (macOS on arm64), the system's node must
# be recent enough. Never installs anything.
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/node_modules/.bin:$PATH"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; then
  echo "wrangler and vitest-pool-workers need Node >= 22.12 (found: $(node -v 2>/dev/null || echo none))." >&2
  echo "Run bun install: it brings Node 22 for Linux (x64, arm64), macOS on x64 and Windows on x64." >&2
  echo "Elsewhere install Node >= 22.12 yourself (nvm, fnm or your package manager)." >&2
  exit 1
fi
export PATH WRANGLER_SEND_METRICS=${WRANGLER_SEND_METRICS:-false}
exec "$@"
