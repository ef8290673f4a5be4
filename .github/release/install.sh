#!/usr/bin/env bash
# install.sh — the Action's install step: download writ's release binary for
# this runner, verify it, and put it at $WRIT_INSTALL_DIR/writ.
#
# Environment:
#   WRIT_VERSION       the release tag to install (default $GITHUB_ACTION_REF,
#                      the Action's ref); anything but vX.Y.Z... has no release
#   WRIT_DOWNLOAD_URL  where releases live: assets are fetched from
#                      $WRIT_DOWNLOAD_URL/$WRIT_VERSION/<asset>
#                      (default https://github.com/writ-dev/writ/releases/download)
#   WRIT_PUBLIC_KEY    an SSH public key ("ssh-ed25519 AAAA..."); when set,
#                      SHA256SUMS.sig must be its signature of SHA256SUMS
#                      (namespace "file"), else nothing is installed
#   WRIT_INSTALL_DIR   directory for the binary (default $RUNNER_TEMP/writ-bin)
#   GITHUB_OUTPUT      receives installed=true|false and path=<binary>
#
# Exit 0 with installed=true when the verified binary runs and reports the
# version asked for; exit 0 with installed=false when there is no release
# for this ref or platform (the Action then builds from source); exit 1 when
# a release exists but does not verify (checksum, signature, version) or
# cannot be downloaded: never fall back to building silently then.
set -euo pipefail

version=${WRIT_VERSION:-${GITHUB_ACTION_REF:-}}
base=${WRIT_DOWNLOAD_URL:-https://github.com/writ-dev/writ/releases/download}
dir=${WRIT_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/writ-bin}
out=${GITHUB_OUTPUT:-/dev/null}

say() { echo "writ install: $*" >&2; }
none() {
	say "$1; building from source"
	echo "installed=false" >>"$out"
	exit 0
}
fail() {
	say "$1"
	exit 1
}

case $version in
v[0-9]*) ;;
*) none "no release for ref \"$version\" (releases are tags like v1.2.3)" ;;
esac
case $(uname -s) in
Linux) goos=linux ;;
Darwin) goos=darwin ;;
*) none "no release binary for $(uname -s)" ;;
esac
case $(uname -m) in
x86_64 | amd64) goarch=amd64 ;;
aarch64 | arm64) goarch=arm64 ;;
*) none "no release binary for $(uname -m)" ;;
esac
asset=writ_${goos}_${goarch}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/writ-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# get FILE: download $base/$version/FILE into $tmp; prints the HTTP status.
get() {
	curl -sSL --retry 3 --retry-delay 1 --connect-timeout 10 -o "$tmp/$1" -w '%{http_code}' \
		"$base/$version/$1" || echo "error"
}

code=$(get SHA256SUMS)
case $code in
200) ;;
404) none "no release $version at $base" ;;
*) fail "download $base/$version/SHA256SUMS: HTTP $code" ;;
esac

if [ -n "${WRIT_PUBLIC_KEY:-}" ]; then
	code=$(get SHA256SUMS.sig)
	[ "$code" = 200 ] || fail "release $version: SHA256SUMS.sig: HTTP $code, and public-key is set: refusing an unsigned release"
	echo "release@writ namespaces=\"file\" $WRIT_PUBLIC_KEY" >"$tmp/allowed_signers"
	if ! ssh-keygen -Y verify -f "$tmp/allowed_signers" -I release@writ -n file \
		-s "$tmp/SHA256SUMS.sig" <"$tmp/SHA256SUMS" >"$tmp/verify.log" 2>&1; then
		cat "$tmp/verify.log" >&2
		fail "release $version: SHA256SUMS.sig is not a signature by the configured public-key"
	fi
	say "SHA256SUMS signed by the configured public-key"
fi

want=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
[ -n "$want" ] || none "release $version has no $asset"
code=$(get "$asset")
[ "$code" = 200 ] || fail "download $base/$version/$asset: HTTP $code"
if command -v sha256sum >/dev/null; then
	got=$(sha256sum "$tmp/$asset" | awk '{ print $1 }')
else
	got=$(shasum -a 256 "$tmp/$asset" | awk '{ print $1 }')
fi
[ "$got" = "$want" ] || fail "$asset: sha256 $got, but SHA256SUMS says $want: refusing it"

chmod +x "$tmp/$asset"
reported=$("$tmp/$asset" version 2>&1 | head -n 1) || fail "$asset does not run: $reported"
[ "$reported" = "writ $version" ] || fail "$asset reports \"$reported\", want \"writ $version\""
mkdir -p "$dir"
mv "$tmp/$asset" "$dir/writ"
say "installed $asset $version (sha256 $got) at $dir/writ"
{
	echo "installed=true"
	echo "path=$dir/writ"
} >>"$out"
