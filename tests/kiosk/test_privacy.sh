#!/bin/sh
# tests/kiosk/test_privacy.sh - nothing of a person outlives their session
# in the kiosk's memory (docs/privacy.md).
#
# Pins: tests/privacy/forget.plan passes through tools/flowrun against a
# real hub: two people type personal data on the on-screen keys; after the
# idle reset (the first) and after 退出登录 (the second) a core dump of the
# running kiosk (gdb's gcore) holds none of their values, nor their
# session tokens, in UTF-8, UTF-16 or UTF-32; a third pays by QR and takes
# the invoice's QR, and after the idle reset neither address is held.
#
# The plain build only: under AddressSanitizer freed heap sits in ASan's
# quarantine and the kiosk's zeroing free (src/kiosk/zfree.c) is not built,
# so the question cannot be asked there; the sanitizer pass says so and
# passes. CA_KIOSK is the ca-kiosk binary (the Makefile sets it).
set -u
kiosk=${CA_KIOSK:-build/ca-kiosk}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $kiosk in
*/asan/*)
	echo "skipped under ASan (its allocator keeps freed blocks; the plain pass runs this)"
	exit 0 ;;
esac
if ! command -v gcore >/dev/null 2>&1; then
	echo "FAIL: gcore (gdb) is not installed: tools/install-deps installs it"
	exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export SDL_VIDEODRIVER=offscreen
if CA_KIOSK="$kiosk" "$root/tools/flowrun" --out "$out/shots" \
		"$root/tests/privacy/forget.plan" >"$out/log" 2>&1; then
	grep 'kiosk-memory-lacks:' "$out/log"
	echo "ok   tests/privacy/forget.plan"
	exit 0
fi
echo "FAIL tests/privacy/forget.plan; flowrun's output:"
sed 's/^/  /' "$out/log"
exit 1
