#!/bin/sh
# tests/kiosk/test_libcurl_load.sh - the kiosk's programs load libcurl
# themselves (src/kiosk/net/http.c), and say so when they cannot.
#
# Pins:
#  1. ca-kiosk and ca-kiosk-sync do not link libcurl (no NEEDED entry):
#     its 24 libraries are not loaded before the first frame.
#  2. With libcurl.so.4 unreadable as a library (an empty file bound over
#     it in a mount namespace of this test's own), ca-kiosk-sync --once
#     logs "cannot load libcurl.so.4", reports "cannot set up the HTTP
#     client" and exits 3 (the hub not reached), rather than crashing.
#
# Needs root for the mount namespace (CI runs as root); CA_BUILD is the
# build directory (the Makefile sets it).
set -u
build=${CA_BUILD:-build}
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

for p in ca-kiosk ca-kiosk-sync; do
	if readelf -d "$build/$p" | grep NEEDED | grep -q libcurl; then
		bad "1 $p links libcurl: $(readelf -d "$build/$p" | grep libcurl)"
	else
		ok "1 $p does not link libcurl"
	fi
done

lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64|AArch64|64bit/ { print $NF; exit }')
[ -n "$lib" ] || lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" { print $NF; exit }')
if [ -z "$lib" ]; then
	bad "2 no libcurl.so.4 in ldconfig's cache (tools/install-deps installs it)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/data"
printf '0123456789abcdef0123456789abcdef\n' >"$tmp/secret"
chmod 600 "$tmp/secret"
printf '[kiosk]\nid = kiosk-curl\ndata_dir = %s/data\nsecret_file = %s/secret\n[server]\nurl = https://127.0.0.1:9\n' \
	"$tmp" "$tmp" >"$tmp/k.ini"
"$build/ca-kiosk" --config "$tmp/k.ini" --check >"$tmp/check.log" 2>&1 ||
	{ bad "2 ca-kiosk --check failed:"; sed 's/^/  /' "$tmp/check.log"; exit 1; }
: >"$tmp/empty.so"
unshare -m sh -c 'mount --bind "$1" "$2" && exec "$3" --config "$4" --once' sh \
	"$tmp/empty.so" "$lib" "$build/ca-kiosk-sync" "$tmp/k.ini" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" -eq 3 ] && grep -q "cannot load libcurl.so.4" "$tmp/err" &&
   grep -q "error=cannot set up the HTTP client" "$tmp/out"; then
	ok "2 without libcurl: exit 3, $(grep -o 'cannot load libcurl.so.4[^;]*' "$tmp/err" | head -1)"
else
	bad "2 without libcurl: exit $st, wanted 3 and the messages; stdout and stderr:"
	sed 's/^/  /' "$tmp/out" "$tmp/err"
fi
[ "$fails" -eq 0 ]
