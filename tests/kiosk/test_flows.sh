#!/bin/sh
# tests/kiosk/test_flows.sh - run the flow scripts against the real UI.
#
# Pins: every flow script under tests/flows is run by a plan (below);
# every tests/flows/fail/*.flow fails with a non-zero exit and names,
# on stderr, the line its first comment gives ("# fails at line N").
# Every tests/flows/**/*.plan passes through tools/flowrun against a real hub
# (each plan its own hub and kiosk data), in the orientation the plan names
# (`orientation landscape`; portrait by default), or in both when it says
# "# orientations: portrait landscape"; the same for
# assets/demo.plan, the walkthrough `make run` plays. Every
# tests/flows/fail/*.plan fails at the line its first comment names.
# CA_KIOSK is the ca-kiosk binary (the Makefile sets it; default
# build/ca-kiosk); ca-hub and ca-hubctl are taken from its directory.
# Shots go to CA_FLOW_SHOTS (default: a temporary directory, removed at the
# end). Headless: SDL's offscreen driver. CA_FLOW_PLANS=0 skips the plans
# (`make test` runs them in its sanitizer pass only; they are the slow
# part: real hubs, payments, dispensers).
set -u
kiosk=${CA_KIOSK:-build/ca-kiosk}
flowrun=$(cd "$(dirname "$0")/../.." && pwd)/tools/flowrun
export CA_KIOSK="$kiosk"
dir=$(cd "$(dirname "$0")/../flows" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shots=${CA_FLOW_SHOTS:-$tmp/shots}
export SDL_VIDEODRIVER=offscreen
# The payment providers' keys, made once for every plan (tools/flowrun).
export CA_FLOW_KEYS="$tmp/keys"
printf '[kiosk]\ndata_dir = %s/data\n[log]\nlevel = warn\n' "$tmp" >"$tmp/kiosk.ini"
pass=0 fail=0

ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }

# Every flow script under tests/flows (fail/ apart) is run by a plan: a
# `kiosk` or `kiosk-bg` line of some tests/flows/**/*.plan names it (a flow
# no plan names would never run). The flows themselves run with the plans.
# (This replaces a loop over tests/flows/*.flow that matched nothing.)
: >"$tmp/named"
for p in $(find "$dir" -name '*.plan'); do
	pd=$(dirname "$p")
	sed -n 's/^[[:space:]]*kiosk\(-bg\)\{0,1\}[[:space:]]\{1,\}\([^[:space:]#]*\.flow\).*/\2/p' "$p" |
	while read -r fl; do
		realpath -m "$pd/$fl" >>"$tmp/named"
	done
done
nflows=0 unrun=0
for f in $(find "$dir" -name '*.flow' ! -path "$dir/fail/*" | sort); do
	nflows=$((nflows + 1))
	if ! grep -qxF "$(realpath -m "$f")" "$tmp/named"; then
		bad "${f#"$dir"/}" "no plan runs it (a kiosk or kiosk-bg line of a tests/flows plan)"
		unrun=$((unrun + 1))
	fi
done
if [ "$nflows" -eq 0 ]; then
	bad "tests/flows" "no flow scripts found"
elif [ "$unrun" -eq 0 ]; then
	ok "every one of the $nflows flow scripts is run by a plan"
fi

for f in "$dir"/fail/*.flow; do
	[ -e "$f" ] || continue
	name=fail/${f#"$dir"/fail/}
	line=$(sed -n '1s/^# fails at line \([0-9]*\).*/\1/p' "$f")
	if [ -z "$line" ]; then
		bad "$name" "first line must say '# fails at line N'"
		continue
	fi
	if "$kiosk" --config "$tmp/kiosk.ini" --headless --script "$f" \
			--shots "$tmp/fail" >"$tmp/out" 2>"$tmp/err"; then
		bad "$name" "passed, but must fail at line $line"
	elif grep -q "$f:$line: " "$tmp/err"; then
		ok "$name (fails at line $line)"
	else
		bad "$name" "did not name line $line; stderr:"
		cat "$tmp/err"
	fi
done

# Plans: flow scripts with staff actions between them, against a real hub;
# every tests/flows/**/*.plan but fail/, and the demo walkthrough `make run`
# plays.
plans=$(find "$dir" -name '*.plan' ! -path "$dir/fail/*" | sort)
root=$(cd "$dir/../.." && pwd)
if [ "${CA_FLOW_PLANS:-1}" = 0 ]; then
	printf 'plans skipped (CA_FLOW_PLANS=0): %s\n' "$(printf '%s\n' $plans | wc -l) + demo + fail/"
	plans='' demo=''
else
	demo=$root/assets/demo.plan
fi
# The runs, one a line: "FILE MODE FLAG" (FLAG "-" when none).
: >"$tmp/runs"
for f in $plans $demo; do
	[ -e "$f" ] || continue
	# The plan's own `orientation` line, or both when it asks for both.
	modes=portrait flag=-
	grep -q '^[[:space:]]*orientation[[:space:]]\{1,\}landscape' "$f" && modes=landscape
	grep -q '^# orientations:.*landscape' "$f" && modes="portrait landscape"
	for m in $modes; do
		case $modes in *" "*) flag=--$m ;; esac
		printf '%s %s %s\n' "$f" "$m" "$flag" >>"$tmp/runs"
	done
done

# One run: its result line into $tmp/res.K, its output into $tmp/out.K.
run_plan() {
	k=$1 f=$2 m=$3 flag=$4
	name=${f#"$dir"/}
	name=${name#"$root"/}
	out="$shots/${name%.plan}-$m"
	[ "$flag" = - ] && flag=
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	if "$flowrun" $flag --out "$out" "$f" >"$tmp/out.$k" 2>&1; then
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		n=$(find "$out" -name '*.png' 2>/dev/null | wc -l)
		printf 'ok %s %s (%s shots, %s ms)\n' "$name" "$m" "$n" "$ms" >"$tmp/res.$k"
	else
		printf 'bad %s %s flowrun exit %s\n' "$name" "$m" "$?" >"$tmp/res.$k"
	fi
}

# Two lanes: each plan has its own hub, kiosk, ports and directories, and
# most of a plan's time is waiting (on the hub, on timers), so two run at
# once on two cores; a lane takes every other run. CA_FLOW_LANES=1 runs
# them one after the other.
lanes=${CA_FLOW_LANES:-2}
lane=0
while [ "$lane" -lt "$lanes" ]; do
	k=0
	while read -r f m flag; do
		[ $((k % lanes)) -eq "$lane" ] && run_plan "$k" "$f" "$m" "$flag"
		k=$((k + 1))
	done <"$tmp/runs" &
	lane=$((lane + 1))
done
wait
k=0
while read -r f m flag; do
	read -r res name mode rest <"$tmp/res.$k"
	if [ "$res" = ok ]; then
		ok "$name $mode $rest"
	else
		bad "$name $mode" "$rest; its output:"
		sed 's/^/  /' "$tmp/out.$k"
	fi
	k=$((k + 1))
done <"$tmp/runs"

for f in "$dir"/fail/*.plan; do
	[ -e "$f" ] && [ "${CA_FLOW_PLANS:-1}" != 0 ] || continue
	name=fail/${f#"$dir"/fail/}
	line=$(sed -n '1s/^# fails at line \([0-9]*\).*/\1/p' "$f")
	if [ -z "$line" ]; then
		bad "$name" "first line must say '# fails at line N'"
		continue
	fi
	if "$flowrun" --out "$tmp/fail-plan" "$f" >"$tmp/out" 2>&1; then
		bad "$name" "passed, but must fail at line $line"
	elif grep -q "$f:$line: " "$tmp/out"; then
		ok "$name (fails at line $line)"
	else
		bad "$name" "did not fail at line $line; its output:"
		sed 's/^/  /' "$tmp/out"
	fi
done

printf '%d flow checks passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
