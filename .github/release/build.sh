#!/usr/bin/env bash
# build.sh VERSION OUTDIR [REF] — writ's reproducible release build.
#
# Builds cmd/writ from the commit REF (default HEAD) of the repository this
# script is in, for linux and darwin on amd64 and arm64, into OUTDIR:
#
#   writ_<goos>_<goarch>   the binaries (static: CGO_ENABLED=0)
#   SHA256SUMS             "<sha256>  <file>" for each binary, sorted
#   SHA256SUMS.sig         SSH signature of SHA256SUMS (namespace "file"),
#                          when WRIT_RELEASE_SIGNING_KEY names a private key
#
# The same commit gives the same bytes on any machine: the build uses the
# Go version go.mod names (GOTOOLCHAIN), runs in a fresh clone (so
# -buildvcs stamps the commit, which Go does not do in a git worktree),
# with -trimpath, a fixed GOFLAGS, no cgo and the version, commit and date
# (the commit's time, never the wall clock) set by -ldflags -X. Verify with:
#
#   sha256sum -c SHA256SUMS    # or: shasum -a 256 -c SHA256SUMS
#   ssh-keygen -Y verify -f allowed_signers -I release@writ -n file \
#       -s SHA256SUMS.sig < SHA256SUMS
#
# Environment:
#   WRIT_RELEASE_TARGETS      space-separated goos/goarch list (default: the four)
#   WRIT_RELEASE_SIGNING_KEY  SSH private key file to sign SHA256SUMS with
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: build.sh VERSION OUTDIR [REF]" >&2
	exit 2
fi
version=$1
outdir=$2
ref=${3:-HEAD}
case $version in
v[0-9]*) ;;
*)
	echo "build.sh: VERSION must look like v1.2.3, got \"$version\"" >&2
	exit 2
	;;
esac
targets=${WRIT_RELEASE_TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"}

here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
commit=$(git -C "$root" rev-parse --verify "$ref^{commit}")
# The commit time in UTC, as Go's vcs.time has it.
date=$(TZ=UTC git -C "$root" show -s --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd "$commit")

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
src=$(mktemp -d "${TMPDIR:-/tmp}/writ-release.XXXXXX")
trap 'rm -rf "$src"' EXIT
git clone -q --no-checkout "$root" "$src/writ"
git -C "$src/writ" -c advice.detachedHead=false checkout -q "$commit"

# The toolchain is part of the input: exactly the go.mod's Go version (the
# go command uses the local one when it matches, else fetches that one).
gover=$(awk '$1 == "go" { print $2; exit }' "$src/writ/go.mod")
export GOTOOLCHAIN=go$gover
pkg=github.com/writ-dev/writ/cmd/writ/internal/buildinfo
ldflags="-s -w -buildid= -X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date"
files=()
for target in $targets; do
	goos=${target%/*}
	goarch=${target#*/}
	name=writ_${goos}_${goarch}
	echo "build.sh: $name ($version, $commit, $date, go$gover)" >&2
	(cd "$src/writ" && env CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" GOFLAGS=-mod=readonly \
		GOAMD64=v1 GOARM64=v8.0 \
		go build -trimpath -buildvcs=true -ldflags "$ldflags" -o "$outdir/$name" ./cmd/writ)
	files+=("$name")
done

cd "$outdir"
if command -v sha256sum >/dev/null; then
	sha256sum "${files[@]}" | LC_ALL=C sort -k2 >SHA256SUMS
else
	shasum -a 256 "${files[@]}" | LC_ALL=C sort -k2 >SHA256SUMS
fi
rm -f SHA256SUMS.sig
if [ -n "${WRIT_RELEASE_SIGNING_KEY:-}" ]; then
	ssh-keygen -q -Y sign -f "$WRIT_RELEASE_SIGNING_KEY" -n file SHA256SUMS
fi
echo "build.sh: wrote $outdir" >&2
