#!/usr/bin/env bash
# Installs the pinned mediamtx release for this machine into ./bin (or --prefix DIR).
# The tarball is verified against the release's checksums.sha256 BEFORE anything is extracted.
#
# usage: bash scripts/install-mediamtx.sh [--prefix DIR] [--arch amd64|arm64|armv7|armv6]
# env:   MEDIAMTX_BASE_URL  where the release files are (default: the GitHub release of the pinned tag)
#        MEDIAMTX_ARCH      overrides `uname -m` detection (like --arch)
set -euo pipefail

readonly VERSION="v1.20.1"
BASE_URL="${MEDIAMTX_BASE_URL:-https://github.com/bluenviron/mediamtx/releases/download/${VERSION}}"
PREFIX="./bin"
ARCH="${MEDIAMTX_ARCH:-}"

die() {
  printf 'install-mediamtx: %s\n' "$1" >&2
  exit "${2:-1}"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix)
      [[ $# -ge 2 ]] || die "--prefix needs a directory" 64
      PREFIX="$2"
      shift 2
      ;;
    --arch)
      [[ $# -ge 2 ]] || die "--arch needs a value" 64
      ARCH="$2"
      shift 2
      ;;
    -h | --help)
      sed -n '2,8p' "$0"
      exit 0
      ;;
    *)
      die "unknown argument: $1 (see --help)" 64
      ;;
  esac
done

if [[ -z "$ARCH" ]]; then
  machine="$(uname -m)"
  case "$machine" in
    x86_64 | amd64) ARCH="amd64" ;;
    aarch64 | arm64) ARCH="arm64" ;;
    armv7l | armv7) ARCH="armv7" ;;
    armv6l | armv6) ARCH="armv6" ;;
    *) die "unsupported machine architecture '${machine}': mediamtx ${VERSION} ships linux amd64, arm64, armv7 and armv6 only" 65 ;;
  esac
fi
case "$ARCH" in
  amd64 | arm64 | armv7 | armv6) ;;
  *) die "unsupported architecture '${ARCH}': use one of amd64, arm64, armv7, armv6" 65 ;;
esac

readonly ASSET="mediamtx_${VERSION}_linux_${ARCH}.tar.gz"

download() {
  # $1 = URL, $2 = destination file
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --connect-timeout 10 --max-time 300 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --timeout=10 --output-document="$2" "$1"
  else
    die "neither curl nor wget is installed" 69
  fi
}

command -v sha256sum >/dev/null 2>&1 || die "sha256sum is required (coreutils)" 69
command -v tar >/dev/null 2>&1 || die "tar is required" 69

workdir="$(mktemp -d)"
cleanup() { rm -rf "$workdir"; }
trap cleanup EXIT

printf 'install-mediamtx: downloading %s from %s\n' "$ASSET" "$BASE_URL"
download "${BASE_URL}/${ASSET}" "${workdir}/${ASSET}" ||
  die "could not download ${BASE_URL}/${ASSET} (offline, or the URL is wrong). Nothing was installed. Download it on another machine and set MEDIAMTX_BASE_URL to a local mirror, or see docs/mediamtx.md." 68
download "${BASE_URL}/checksums.sha256" "${workdir}/checksums.sha256" ||
  die "could not download ${BASE_URL}/checksums.sha256; refusing to install an unverified binary. Nothing was installed." 68

# The release file lists "<sha256> *<file>" (sha256sum -b); keep only our asset's line.
grep -E "^[0-9a-f]{64} [ *]${ASSET//./\\.}\$" "${workdir}/checksums.sha256" >"${workdir}/expected.sha256" ||
  die "checksums.sha256 has no entry for ${ASSET}. Nothing was installed." 66
if ! (cd "$workdir" && sha256sum --check --status expected.sha256); then
  die "checksum mismatch for ${ASSET}: the download is corrupt or was tampered with. Nothing was installed." 66
fi

mkdir -p "${workdir}/extract"
tar -xzf "${workdir}/${ASSET}" -C "${workdir}/extract" mediamtx ||
  die "the archive has no top-level 'mediamtx' binary. Nothing was installed." 66
[[ -f "${workdir}/extract/mediamtx" ]] || die "the archive has no 'mediamtx' file. Nothing was installed." 66

mkdir -p "$PREFIX"
install -m 0755 "${workdir}/extract/mediamtx" "${PREFIX}/mediamtx.tmp.$$"
mv -f "${PREFIX}/mediamtx.tmp.$$" "${PREFIX}/mediamtx"
printf 'install-mediamtx: installed mediamtx %s (linux %s) to %s/mediamtx (sha256 verified)\n' "$VERSION" "$ARCH" "$PREFIX"
