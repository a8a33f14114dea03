# tests/dist/check.sh - what the dist scripts (test_dist.sh, test_deb.sh)
# share, sourced by them: "ok"/"FAIL" lines and the count of failures, a
# scratch directory removed at exit, and the summary that ends a script.
# Not a test itself.

fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# scratch NAME: a fresh directory ${TMPDIR:-/tmp}/ca-NAME-XXXXXX in $t,
# removed when the script ends.
scratch() {
	t=$(mktemp -d "${TMPDIR:-/tmp}/ca-$1-XXXXXX")
	trap 'rm -rf "$t"' EXIT INT TERM
}

# summary NAME: "NAME: all passed" or "NAME: N failed"; true when all passed
# (the script's last command: its exit status).
summary() {
	[ $fails -eq 0 ] && echo "$1: all passed" || echo "$1: $fails failed"
	[ $fails -eq 0 ]
}
