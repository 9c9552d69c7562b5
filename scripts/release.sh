#!/usr/bin/env bash
# Cross-compiles rampart for linux, darwin and windows on amd64 and arm64,
# and writes SHA-256 checksums.
#   scripts/release.sh VERSION [OUTDIR]
set -euo pipefail
version=${1:?usage: scripts/release.sh VERSION [OUTDIR]}
outdir=${2:-dist}
cd "$(dirname "$0")/.."
mkdir -p "$outdir"
for os in linux darwin windows; do
  for arch in amd64 arm64; do
    name="rampart_${version}_${os}_${arch}"
    [ "$os" = windows ] && name="$name.exe"
    echo "building $name"
    GOOS=$os GOARCH=$arch scripts/build.sh "$outdir/$name" "$version"
  done
done
(cd "$outdir" && sha256sum rampart_"${version}"_* > "rampart_${version}_checksums.txt")
echo "wrote $outdir/rampart_${version}_checksums.txt"
