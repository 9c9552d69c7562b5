#!/usr/bin/env sh
# Builds a static rampart binary. The Dockerfile and scripts/release.sh both
# call this script, so a test that runs it builds exactly what ships.
#   scripts/build.sh OUTPUT [VERSION]
set -eu
out=${1:?usage: scripts/build.sh OUTPUT [VERSION]}
version=${2:-${VERSION:-dev}}
commit=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/rampart-sec/rampart/internal/cli.Version=${version} -X github.com/rampart-sec/rampart/internal/cli.Commit=${commit}" \
  -o "$out" ./cmd/rampart
