#!/usr/bin/env bash
# The README's two commands as a newcomer runs them, as root, in a fresh clone inside a private (0700)
# folder: `npm ci`, then `npm start` with no DATABASE_URL (embedded PostgreSQL) until /readyz answers 200,
# then SIGTERM and exit 0. Then `npm test`, limited to the server-process and embedded-database tests and
# forced onto the embedded PostgreSQL (TEST_DATABASE_URL=embedded), there too (the whole suite runs in
# the CI's last step, from the checkout itself).
#   scripts/private-folder-check.sh            clones HEAD of this checkout (committed work only)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
say() { printf '  [private-folder] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  say "SKIPPED: run as root (the failure this checks only happens as root)"
  exit 0
fi

private=$(mktemp -d) # mode 0700: only root may enter
chmod 0700 "$private"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -KILL -- "-$server_pid" 2>/dev/null || true
  # The clusters the OS user postgres could not keep in the clone live in a shared folder: remove them.
  for state in "$private"/clone/.data/embedded-postgres.json "$private"/clone/.data/test-pg/embedded-postgres.json; do
    [ -f "$state" ] || continue
    dir=$(node -p "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).clusterDir || ''" "$state")
    [ -n "$dir" ] && rm -rf "$dir"
  done
  rm -rf "$private"
}
trap cleanup EXIT

say "folder $private ($(stat -c '%a %U' "$private"))"
git clone --quiet "$repo" "$private/clone"
cd "$private/clone"
say "git clone: $(git log -1 --format='%h %s' | cut -c1-70)"

say "npm ci"
npm ci --no-audit --no-fund --loglevel=error

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
say "npm start (no DATABASE_URL, PORT=$port)"
log="$private/start.log"
# Its own process group, so that the clean-up can end everything it started.
env -u DATABASE_URL PORT="$port" setsid npm start >"$log" 2>&1 &
server_pid=$!
status=000
for _ in $(seq 1 180); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$status" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
if [ "$status" != 200 ]; then
  say "FAILED: /readyz answered $status"
  tail -40 "$log"
  exit 1
fi
# SIGTERM to the server process itself, as a supervisor does (npm would answer a signal of its own
# with 128+signal whatever the server's exit code).
node_pid=$(pgrep -g "$server_pid" -f '^node .*dist/apps/server/src/main\.js' | head -1)
say "/readyz 200; sending SIGTERM to the server (pid $node_pid)"
kill -TERM "$node_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
if [ "$code" != 0 ]; then
  say "FAILED: npm start exited $code after SIGTERM"
  tail -40 "$log"
  exit 1
fi
grep -o 'the cluster lives in [^"]*' "$log" | sed 's/^/  [private-folder] /' || true
say "npm start: exit 0 after SIGTERM"

say "npm test -- server-process embedded-database (TEST_DATABASE_URL=embedded)"
TEST_DATABASE_URL=embedded npm test -- server-process embedded-database
say "OK"
