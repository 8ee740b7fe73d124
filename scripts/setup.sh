#!/usr/bin/env bash
# Sets up a Lookout checkout: the programs in the tool list below (apt, when missing), npm dependencies
# (npm ci), the pinned mediamtx (scripts/install-mediamtx.sh, when online) and, with --dev, what the
# tests need too (brokers, shellcheck, systemd tools, ...) plus Node 24 from the npm registry for the
# second test run. Prints what it installed, what it skipped and why. Safe to run again: what is
# already there is left alone, so `npm run check` runs it (--dev --quiet) before the tests.
#
# usage: bash scripts/setup.sh [--dev] [--quiet] [--dry-run] [--skip-apt] [--skip-npm] [--skip-mediamtx]
#   --dev            also install the test tools (scope "dev" in the tool list) and Node 24 into .tmp/node24
#   --quiet          print only what was installed or is missing (nothing when all is in place)
#   --dry-run        say what would be done, change nothing
#   --skip-apt       never call apt-get (the listed programs must already be installed)
#   --skip-npm       do not run npm ci (Node 24 is still fetched with --dev)
#   --skip-mediamtx  do not download mediamtx (Lookout still runs; the demo reads the source directly)
# exit: 0 when everything required is in place (mediamtx is optional), 1 otherwise, 64 on bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE24_PREFIX="$ROOT/.tmp/node24"
DEV=0
QUIET=0
DRY_RUN=0
SKIP_APT=0
SKIP_NPM=0
SKIP_MEDIAMTX=0
INSTALLED=()
SKIPPED=()
MISSING=()

for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --quiet) QUIET=1 ;;
    --dry-run) DRY_RUN=1 ;;
    --skip-apt) SKIP_APT=1 ;;
    --skip-npm) SKIP_NPM=1 ;;
    --skip-mediamtx) SKIP_MEDIAMTX=1 ;;
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      printf 'setup: unknown argument: %s (see --help)\n' "$arg" >&2
      exit 64
      ;;
  esac
done

# onnxruntime-node's install script would download CUDA libraries from NuGet; the CPU binaries ship
# in the package. Its documented switch, for every npm ci this script (or a child) runs.
export ONNXRUNTIME_NODE_INSTALL=skip

say() { printf 'setup: %s\n' "$*"; }
installed() { INSTALLED+=("$1"); }
skipped() { SKIPPED+=("$1"); }
missing() { MISSING+=("$1"); }

# Runs a command as root: directly when we are root, else through sudo (which may ask for a password).
# Returns 2 without running anything when neither is possible.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    say "running with sudo: $*"
    sudo "$@"
  else
    return 2
  fi
}

# A program is there when it is on PATH or in the sbin directories: Debian puts mosquitto and
# nats-server in /usr/sbin, which a non-root PATH lacks (scripts/run-tests.mjs adds them for the tests).
# type -P looks at files only: `time` is also a shell keyword, `command -v` would count that.
have() { PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" type -P "$1" >/dev/null 2>&1; }

describe() {
  case "$1" in
    ffmpeg | ffprobe) "$1" -hide_banner -version 2>/dev/null | head -n 1 | cut -d' ' -f1-3 ;;
    *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" type -P "$1" ;;
  esac
}

check_node() {
  if ! command -v node >/dev/null 2>&1; then
    missing "node: not installed; install Node.js 20 or 24 (https://nodejs.org, or NodeSource for Debian/Raspberry Pi OS)"
    return
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$major" -lt 20 ]]; then
    missing "node: $(node --version) is too old; Node.js 20 or newer is required (tested: 20 and 24)"
  else
    skipped "node: $(node --version) already installed"
  fi
}

# The tool list: one line per program, the one place that says what a machine needs. Read below
# and by scripts/check-tools.mjs (`npm run check:tools`: every program the sources run must be here).
TOOL_LIST=$(cat <<'TOOLS'
# Every external program Lookout's services, scripts and tests run, and where it comes from.
# Read by scripts/setup.sh (what to install) and scripts/check-tools.mjs (that nothing is missing).
#
# program           source                     scope  why
#   source: a Debian package (apt-get install), or
#     essential               always there on Debian (Essential: yes / priority required); never installed
#     node                    ships with Node.js itself
#     script:<name>           installed by scripts/<name>, not apt
#     optional                probed first; the caller copes without it
#   scope: run = the services and `bash scripts/setup.sh`; dev = also the tests (`bash scripts/setup.sh --dev`)
ffmpeg                ffmpeg                    run    camera pipelines, decoders, demo clip, doctor
ffprobe               ffmpeg                    run    stream probe (detector), tests
mediamtx              script:install-mediamtx.sh run   restreaming sidecar (optional; the demo runs without it)
curl                  curl                      run    scripts/install-mediamtx.sh downloads the pinned release
update-ca-certificates ca-certificates          run    HTTPS trust store for curl (GitHub release download)
node                  node                      run    the services, lookout demand hook, test runner
npm                   node                      run    npm ci in scripts/setup.sh
apt-get               essential                 run    scripts/setup.sh installs the packages in this list
bash                  essential                 run    scripts, unit probes
sh                    essential                 run    the detector's keyframe decode pipeline (two ffmpegs in one process group); shell one-liners in tests
sleep                 essential                 dev    a child that just waits, in tests (coreutils)
tar                   essential                 run    scripts/install-mediamtx.sh unpacks the release
sha256sum             essential                 run    scripts/install-mediamtx.sh checks the release
sudo                  optional                  run    scripts/setup.sh uses it when not root
wget                  optional                  run    scripts/install-mediamtx.sh falls back to it without curl
systemd-notify        systemd                   dev    sd_notify READY/STATUS/WATCHDOG (falls back to python3 at run time)
systemd-analyze       systemd                   dev    unit file verification in tests
python3               python3                   run    node-gyp (better-sqlite3 without a prebuilt binary); sd_notify fallback; fake notify socket in tests
make                  make                      run    node-gyp builds better-sqlite3 when npm ci finds no prebuilt binary
g++                   g++                       run    node-gyp builds better-sqlite3 when npm ci finds no prebuilt binary
mosquitto             mosquitto                 dev    real MQTT broker in tests
mosquitto_sub         mosquitto-clients         dev    tests count retained/live MQTT messages
mosquitto_pub         mosquitto-clients         dev    tests publish raw MQTT requests
nats-server           nats-server               dev    real NATS/JetStream server in tests
shellcheck            shellcheck                dev    tests lint the shell scripts
openssl               openssl                   dev    tests make throw-away TLS certificates
ps                    procps                    dev    tests look for leaked processes
chromium              chromium                  dev    the web page test drives Debian's chromium (puppeteer-core)
time                  time                      dev    benchmarks read a child's peak memory (/usr/bin/time -f %M)
mount                 mount                     dev    the soak rig mounts a small tmpfs when permitted (in minimal images too, but installed if missing)
umount                mount                     dev    the soak rig unmounts it
TOOLS
)

# The programs of the tool list this run needs (scope run, plus dev with --dev) whose source is a
# Debian package; other sources (essential, node, optional, script:*) are never installed by apt.
APT_PROGRAMS=()
APT_PACKAGES=()
read_tool_list() {
  local program source scope
  while read -r program source scope _; do
    [[ -z "$program" || "$program" == \#* ]] && continue
    [[ "$scope" == "dev" && "$DEV" -eq 0 ]] && continue
    case "$source" in essential | node | optional | script:*) continue ;; esac
    APT_PROGRAMS+=("$program")
    APT_PACKAGES+=("$source")
  done <<<"$TOOL_LIST"
}

install_apt_tools() {
  local i need=() packages=()
  for i in "${!APT_PROGRAMS[@]}"; do
    local program="${APT_PROGRAMS[$i]}" package="${APT_PACKAGES[$i]}"
    if have "$program"; then
      skipped "$program: already installed ($(describe "$program"))"
    else
      need+=("$i")
      [[ " ${packages[*]-} " == *" $package "* ]] || packages+=("$package")
    fi
  done
  [[ "${#need[@]}" -eq 0 ]] && return
  if [[ "$SKIP_APT" -eq 1 ]] || ! command -v apt-get >/dev/null 2>&1; then
    local why="this system has no apt-get"
    [[ "$SKIP_APT" -eq 1 ]] && why="--skip-apt given"
    for i in "${need[@]}"; do missing "${APT_PROGRAMS[$i]}: not installed and $why; install Debian package ${APT_PACKAGES[$i]} (or equivalent)"; done
    return
  fi
  if [[ "$DRY_RUN" -eq 1 ]]; then
    for i in "${need[@]}"; do skipped "${APT_PROGRAMS[$i]}: would run: apt-get install --no-install-recommends ${APT_PACKAGES[$i]} (dry run)"; done
    return
  fi
  local rc=0 log
  log="$(mktemp)"
  say "installing with apt-get: ${packages[*]}"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"$log" 2>&1 || rc=$?
  [[ "$QUIET" -eq 1 && "$rc" -eq 0 ]] || cat "$log"
  rm -f "$log"
  for i in "${need[@]}"; do
    local program="${APT_PROGRAMS[$i]}" package="${APT_PACKAGES[$i]}"
    if have "$program"; then
      installed "$program: $(describe "$program") (apt package $package)"
    elif [[ "$rc" -eq 2 ]]; then
      missing "$program: not installed; not root and no sudo: run as root: apt-get install $package"
    else
      missing "$program: apt-get install $package failed (exit $rc); run: sudo apt-get install $package"
    fi
  done
}

install_npm_dependencies() {
  if [[ "$SKIP_NPM" -eq 1 ]]; then
    skipped "npm dependencies: --skip-npm given; run: npm ci"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    missing "npm dependencies: npm is not installed (it comes with Node.js); then run: npm ci"
    return
  fi
  if [[ "$DRY_RUN" -eq 1 ]]; then
    skipped "npm dependencies: would run: npm ci (dry run)"
    return
  fi
  if (cd "$ROOT" && npm ci --no-audit --no-fund); then
    installed "npm dependencies: npm ci (onnxruntime-node for $(uname -m), its CUDA download skipped)"
  else
    missing "npm dependencies: npm ci failed (see above); the registry must be reachable"
  fi
}

# The compiled CLI (dist/cli, cli/build.ts): bin/lookout.js runs it instead of the TypeScript through
# tsx (~30 MB less per process). Rebuilt only when a source changed since the last build.
compile_cli() {
  if [[ "$DRY_RUN" -eq 1 ]]; then
    skipped "compiled CLI: would run: node --import tsx cli/build.ts --if-stale (dry run)"
    return
  fi
  if [[ ! -d "$ROOT/node_modules/tsx" ]]; then
    skipped "compiled CLI: no npm dependencies to build with; after npm ci run: npm run build"
    return
  fi
  local said
  if said=$(cd "$ROOT" && node --import tsx cli/build.ts --if-stale 2>&1); then
    if [[ "$said" == *" is current" ]]; then skipped "compiled CLI: $said"; else installed "compiled CLI: $said"; fi
  else
    missing "compiled CLI: cli/build.ts failed: $said"
  fi
}

# Node 24 for the tests' second run: the npm registry's prebuilt node-linux-<arch> package in an
# ignored prefix (no other download host). Kept across runs; `rm -rf .tmp/node24` refreshes it.
install_node24() {
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *)
      missing "node 24: the npm registry has no prebuilt node-linux package for $(uname -m); the tests run on this machine's Node only"
      return
      ;;
  esac
  local bin="$NODE24_PREFIX/node_modules/node-linux-$arch/bin/node" version
  if [[ -x "$bin" ]] && version="$("$bin" --version 2>/dev/null)" && [[ "$version" == v24.* ]]; then
    skipped "node 24: already in .tmp/node24 ($version)"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    missing "node 24: npm is not installed, so node-linux-$arch@24 cannot be fetched"
    return
  fi
  if [[ "$DRY_RUN" -eq 1 ]]; then
    skipped "node 24: would run: npm install --prefix .tmp/node24 --no-save node-linux-$arch@24 (dry run)"
    return
  fi
  mkdir -p "$NODE24_PREFIX"
  if npm install --prefix "$NODE24_PREFIX" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-$arch@24" >/dev/null &&
    version="$("$bin" --version 2>/dev/null)"; then
    installed "node 24: $version in .tmp/node24 (npm package node-linux-$arch)"
  else
    missing "node 24: npm install node-linux-$arch@24 failed; the registry must be reachable"
  fi
}

install_mediamtx() {
  local target="$ROOT/bin/mediamtx"
  if [[ -x "$target" ]]; then
    skipped "mediamtx: already installed ($("$target" --version 2>/dev/null || echo 'version unknown') in bin/)"
    return
  fi
  if command -v mediamtx >/dev/null 2>&1; then
    skipped "mediamtx: already on PATH ($(command -v mediamtx))"
    return
  fi
  if [[ "$SKIP_MEDIAMTX" -eq 1 ]]; then
    skipped "mediamtx: --skip-mediamtx given; Lookout runs without restreaming (bash scripts/install-mediamtx.sh later)"
    return
  fi
  if [[ "$DRY_RUN" -eq 1 ]]; then
    skipped "mediamtx: would run: bash scripts/install-mediamtx.sh --prefix bin (dry run)"
    return
  fi
  local rc=0
  bash "$ROOT/scripts/install-mediamtx.sh" --prefix "$ROOT/bin" || rc=$?
  case "$rc" in
    0) installed "mediamtx: $("$target" --version 2>/dev/null || echo 'pinned version') in bin/ (checksum verified)" ;;
    68) skipped "mediamtx: could not download it (offline?); the demo still runs and reads the source directly. Later: bash scripts/install-mediamtx.sh" ;;
    *) skipped "mediamtx: install-mediamtx.sh failed (exit $rc, see above); Lookout runs without restreaming" ;;
  esac
}

check_node
read_tool_list
install_apt_tools
install_npm_dependencies
compile_cli
[[ "$DEV" -eq 1 ]] && install_node24
install_mediamtx

report() {
  [[ "$QUIET" -eq 1 && "${#INSTALLED[@]}" -eq 0 && "${#MISSING[@]}" -eq 0 ]] && return
  printf '\n'
  [[ "$DRY_RUN" -eq 1 ]] && say "dry run: nothing was changed"
  local line
  for line in "${INSTALLED[@]+"${INSTALLED[@]}"}"; do printf '  installed  %s\n' "$line"; done
  if [[ "$QUIET" -eq 0 ]]; then
    for line in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do printf '  skipped    %s\n' "$line"; done
  fi
  for line in "${MISSING[@]+"${MISSING[@]}"}"; do printf '  MISSING    %s\n' "$line"; done
}
report
if [[ "${#MISSING[@]}" -gt 0 ]]; then
  printf '\nsetup: not ready: fix the MISSING lines above, then run this script again.\n'
  exit 1
fi
[[ "$QUIET" -eq 1 ]] && exit 0
if [[ "$DEV" -eq 1 ]]; then
  printf '\nsetup: ready for development. Next: npm run check (typecheck, lint, tests on this Node and on Node 24).\n'
else
  printf '\nsetup: ready. Next: npm start (the demo, or lookout.yml if present); npm run check runs the tests.\n'
fi
printf '       Check this machine any time with: node bin/lookout.js doctor\n'
