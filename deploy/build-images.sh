#!/usr/bin/env bash
# Builds the images deploy/compose.yaml runs, without any image registry: the offline base
# (docker/build-base.sh: Debian minbase + Node.js from the npm registry, cached), then on it
#   ai-orchestrator-hub:local       the hub (docker/hub.Dockerfile), from this checkout's dist/
#   ai-orchestrator-postgres:local  PostgreSQL 15 from Debian (docker/deploy/postgres.Dockerfile)
#   ai-orchestrator-redis:local     Redis from Debian (docker/deploy/redis.Dockerfile)
# Where a registry is reachable, BASE_IMAGE=node:24-slim skips the offline base, and compose can use
# the official postgres and redis images instead of the last two.
#
# Needs: docker, npm; root and debootstrap when the base is not built yet.
# Environment: BASE_IMAGE (default ai-orchestrator-base:local), HUB_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE,
# BUILD_NETWORK (network of the RUN steps; default host, the only one on engines without a bridge),
# CA_FILE (certificates of a TLS-intercepting proxy; default $NODE_EXTRA_CA_CERTS), AIO_DOCKER_CLI.
# Arguments: the images to build, any of hub postgres redis (default: all three).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
DOCKER=${AIO_DOCKER_CLI:-docker}
BASE_IMAGE=${BASE_IMAGE:-ai-orchestrator-base:local}
HUB_IMAGE=${HUB_IMAGE:-ai-orchestrator-hub:local}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-ai-orchestrator-postgres:local}
REDIS_IMAGE=${REDIS_IMAGE:-ai-orchestrator-redis:local}
BUILD_NETWORK=${BUILD_NETWORK:-host}
CA_FILE=${CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

"$DOCKER" info >/dev/null 2>&1 || die "$DOCKER cannot reach its engine: start it (dockerd) and retry"
[[ -z $CA_FILE || -s $CA_FILE ]] || die "CA_FILE $CA_FILE does not exist: give a PEM file of certificates"

if ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  [[ $BASE_IMAGE == ai-orchestrator-base:local ]] || die "base image $BASE_IMAGE is not present: pull it first"
  log "assembling $BASE_IMAGE (docker/build-base.sh)"
  AIO_DOCKER_CLI=$DOCKER AIO_BASE_TAG=$BASE_IMAGE bash "$root/docker/build-base.sh" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/aio-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

build() { # tag dockerfile context
  local started=$SECONDS
  log "building $1"
  "$DOCKER" build --quiet --network "$BUILD_NETWORK" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --tag "$1" --file "$2" "$3" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; die "building $1 failed"; }
  log "built $1 in $((SECONDS - started)) s"
}

hub() {
  # The context is what the package ships, so nothing else of the checkout reaches the image. With
  # the compiler at hand, dist/ is compiled from the sources into the context (the checkout's own
  # dist/ is left alone, for whatever is running from it); without it, the checkout's dist/ is used.
  local context=$work/hub
  mkdir -p "$context"
  if [[ -x $root/node_modules/.bin/tsc && -x $root/node_modules/.bin/node ]]; then
    (cd "$root" && node_modules/.bin/tsc -p tsconfig.build.json --outDir "$context/dist") >"$work/tsc.log" 2>&1 ||
      { tail -30 "$work/tsc.log" >&2; die "compiling the sources failed"; }
    # What `npm run build` adds to tsc's output (the dashboard's assets, the launch bundle), on the
    # pinned Node that npm ci installed.
    (cd "$root" && node_modules/.bin/node scripts/finish-dist.ts "$context/dist") >"$work/finish.log" 2>&1 ||
      { tail -30 "$work/finish.log" >&2; die "finishing dist/ failed"; }
  else
    [[ -f $root/dist/cli/main.js ]] || die "dist/ is not built: run \`npm ci && npm run build\` first"
    cp -R "$root/dist" "$context/"
  fi
  cp -R "$root/bin" "$root/docker" "$context/"
  cp "$root/package.json" "$root/package-lock.json" "$root/config.schema.json" "$root/config.example.yaml" "$context/"
  [[ -z $CA_FILE ]] || cp "$CA_FILE" "$context/extra-ca.crt"
  build "$HUB_IMAGE" "$root/docker/hub.Dockerfile" "$context"
}

postgres() { build "$POSTGRES_IMAGE" "$root/docker/deploy/postgres.Dockerfile" "$root/docker/deploy"; }
redis() { build "$REDIS_IMAGE" "$root/docker/deploy/redis.Dockerfile" "$root/docker/deploy"; }

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(hub postgres redis)
for target in "${targets[@]}"; do
  case $target in
    hub | postgres | redis) "$target" ;;
    *) die "unknown image $target: give any of hub postgres redis" ;;
  esac
done
