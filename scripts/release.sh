#!/bin/sh
# Builds Repertoire's release binaries for linux/amd64 and linux/arm64
# into dist/, static (the SQLite driver is pure Go), the version embedded
# (`repertoire version`), with their SHA-256 sums.
#
#   scripts/release.sh            # version from `git describe`
#   scripts/release.sh v1.2.0     # or given
set -eu
cd "$(dirname "$0")/.."
version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
mkdir -p dist
rm -f dist/repertoire-* dist/SHA256SUMS
for arch in amd64 arm64; do
	out=dist/repertoire-$version-linux-$arch
	echo "building $out"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch \
		go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/repertoire
done
(cd dist && sha256sum repertoire-* > SHA256SUMS)
# The binary for this machine tells its version, as a last check.
host=dist/repertoire-$version-linux-$(go env GOARCH)
if [ -x "$host" ]; then "$host" version; fi
cat dist/SHA256SUMS
