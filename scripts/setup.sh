#!/usr/bin/env bash
# Sets up a Lookout checkout: ffmpeg (apt, when missing), npm dependencies (npm ci), and the pinned
# mediamtx (scripts/install-mediamtx.sh, when online). Prints what it installed, what it skipped
# and why. Safe to run again: what is already there is left alone.
#
# usage: bash scripts/setup.sh [--dry-run] [--skip-apt] [--skip-npm] [--skip-mediamtx]
#   --dry-run        say what would be done, change nothing
#   --skip-apt       never call apt-get (ffmpeg must already be installed)
#   --skip-npm       do not run npm ci
#   --skip-mediamtx  do not download mediamtx (Lookout still runs; the demo reads the source directly)
# exit: 0 when everything required is in place (mediamtx is optional), 1 otherwise, 64 on bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRY_RUN=0
SKIP_APT=0
SKIP_NPM=0
SKIP_MEDIAMTX=0
INSTALLED=()
SKIPPED=()
MISSING=()

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --skip-apt) SKIP_APT=1 ;;
    --skip-npm) SKIP_NPM=1 ;;
    --skip-mediamtx) SKIP_MEDIAMTX=1 ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      printf 'setup: unknown argument: %s (see --help)\n' "$arg" >&2
      exit 64
      ;;
  esac
done

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

check_node() {
  if ! command -v node >/dev/null 2>&1; then
    missing "node: not installed; install Node.js 20 or newer (https://nodejs.org, or NodeSource for Debian/Raspberry Pi OS)"
    return
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$major" -lt 20 ]]; then
    missing "node: $(node --version) is too old; Node.js 20 or newer is required"
  else
    skipped "node: $(node --version) already installed"
  fi
}

install_ffmpeg() {
  if command -v ffmpeg >/dev/null 2>&1; then
    skipped "ffmpeg: already installed ($(ffmpeg -hide_banner -version | head -n 1 | cut -d' ' -f1-3))"
    return
  fi
  if [[ "$SKIP_APT" -eq 1 ]]; then
    missing "ffmpeg: not installed and --skip-apt given; install it with your package manager"
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    missing "ffmpeg: not installed and this system has no apt-get; install ffmpeg with your package manager"
    return
  fi
  if [[ "$DRY_RUN" -eq 1 ]]; then
    skipped "ffmpeg: would run: apt-get install --no-install-recommends ffmpeg (dry run)"
    return
  fi
  local rc=0
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg || rc=$?
  if [[ "$rc" -eq 2 ]] && ! command -v sudo >/dev/null 2>&1 && [[ "$(id -u)" -ne 0 ]]; then
    missing "ffmpeg: not installed; not root and no sudo: run as root: apt-get install ffmpeg"
  elif [[ "$rc" -ne 0 ]] || ! command -v ffmpeg >/dev/null 2>&1; then
    missing "ffmpeg: apt-get install failed (exit $rc); run: sudo apt-get install ffmpeg"
  else
    installed "ffmpeg: $(ffmpeg -hide_banner -version | head -n 1 | cut -d' ' -f1-3) (apt)"
  fi
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
    installed "npm dependencies: npm ci (onnxruntime-node for $(uname -m))"
  else
    missing "npm dependencies: npm ci failed (see above); the registry must be reachable"
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
install_ffmpeg
install_npm_dependencies
install_mediamtx

printf '\n'
[[ "$DRY_RUN" -eq 1 ]] && say "dry run: nothing was changed"
for line in "${INSTALLED[@]+"${INSTALLED[@]}"}"; do printf '  installed  %s\n' "$line"; done
for line in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do printf '  skipped    %s\n' "$line"; done
for line in "${MISSING[@]+"${MISSING[@]}"}"; do printf '  MISSING    %s\n' "$line"; done
if [[ "${#MISSING[@]}" -gt 0 ]]; then
  printf '\nsetup: not ready: fix the MISSING lines above, then run this script again.\n'
  exit 1
fi
printf '\nsetup: ready. Next: npm test (the test suite), then npm start (the demo, or lookout.yml if present).\n'
printf '       Check this machine any time with: node bin/lookout.js doctor\n'
