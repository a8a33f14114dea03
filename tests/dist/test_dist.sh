#!/bin/sh
# tests/dist/test_dist.sh - what `make install` puts on a machine, checked
# without installing anything on this one (docs/install.md):
#
#   1. the systemd units pass `systemd-analyze verify` with nothing to say,
#      against an install whose paths are real (PREFIX, SYSCONFDIR,
#      STATEDIR and UNITDIR under a scratch directory, so every ExecStart
#      binary and Documentation man page exists);
#   2. `make install DESTDIR=... PREFIX=/usr` gives the FHS layout: the
#      programs in /usr/bin, /etc/ca-kiosk/kiosk.ini and /etc/ca-hub/hub.ini
#      from dist/, /var/lib/ca-kiosk and /var/lib/ca-hub mode 0700, the units
#      naming /usr/bin, the man pages; a second install keeps an edited
#      configuration;
#   3. the man pages render without a groff warning, and every option a
#      program's --help lists is in its man page;
#   4. every installed program's --version prints the same version, the
#      one the build was made with;
#   5. without --config the programs read /etc/ca-kiosk/kiosk.ini and
#      /etc/ca-hub/hub.ini: when this machine has none, they exit 2 naming
#      the file (skipped when it has one).
#
# BUILD is $CA_BUILD (make check passes it), else build/.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CA_BUILD:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
. "$root/tests/dist/check.sh"
scratch dist
# make in the source tree, not in the parent make's jobserver.
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$root" BUILD="$build" "$@"; }

# ---- 1. systemd-analyze verify ----
r=$t/rel
if ! command -v systemd-analyze >/dev/null; then
	bad "1 systemd-analyze is not installed (tools/install-deps)"
elif ! mk install PREFIX="$r/usr" SYSCONFDIR="$r/etc" STATEDIR="$r/var/lib" \
	UNITDIR="$r/lib/systemd/system" >"$t/mk1.log" 2>&1; then
	bad "1 relocated make install failed: $(tail -3 "$t/mk1.log")"
else
	out=$(MANPATH=$r/usr/share/man systemd-analyze verify \
		"$r/lib/systemd/system/ca-hub.service" \
		"$r/lib/systemd/system/ca-kiosk.service" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "1 systemd-analyze verify ca-hub.service ca-kiosk.service: clean"
	else
		bad "1 systemd-analyze verify (exit $rc): $out"
	fi
fi

# ---- 2. the FHS layout under DESTDIR ----
d=$t/dest
if ! mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system >"$t/mk2.log" 2>&1; then
	bad "2 make install DESTDIR failed: $(tail -3 "$t/mk2.log")"
else
	missing=""
	for f in usr/bin/ca-kiosk usr/bin/ca-kiosk-sync usr/bin/ca-hub usr/bin/ca-hubctl \
		etc/ca-kiosk/kiosk.ini etc/ca-hub/hub.ini \
		lib/systemd/system/ca-hub.service lib/systemd/system/ca-kiosk.service \
		usr/share/ca-kiosk/kiosk.ini.example usr/share/ca-hub/hub.ini.example \
		usr/share/ca-kiosk/ca-kiosk-cage.conf \
		usr/share/man/man8/ca-kiosk.8 usr/share/man/man8/ca-hub.8 \
		usr/share/man/man8/ca-kiosk-sync.8 usr/share/man/man1/ca-hubctl.1 \
		usr/share/man/man5/kiosk.ini.5 usr/share/man/man5/hub.ini.5; do
		[ -f "$d/$f" ] || missing="$missing $f"
	done
	for x in ca-kiosk ca-kiosk-sync ca-hub ca-hubctl; do
		[ -x "$d/usr/bin/$x" ] || missing="$missing $x(not executable)"
	done
	for s in ca-kiosk ca-hub; do
		m=$(stat -c %a "$d/var/lib/$s" 2>/dev/null)
		[ "$m" = 700 ] || missing="$missing var/lib/$s(mode ${m:-none})"
	done
	cmp -s "$root/dist/kiosk.ini" "$d/etc/ca-kiosk/kiosk.ini" || missing="$missing kiosk.ini!=dist"
	cmp -s "$root/dist/hub.ini" "$d/etc/ca-hub/hub.ini" || missing="$missing hub.ini!=dist"
	grep -qx 'ExecStart=/usr/bin/ca-hub --config /etc/ca-hub/hub.ini' \
		"$d/lib/systemd/system/ca-hub.service" || missing="$missing ca-hub.service:ExecStart"
	grep -qx 'ExecStart=/usr/bin/ca-kiosk --config /etc/ca-kiosk/kiosk.ini' \
		"$d/lib/systemd/system/ca-kiosk.service" || missing="$missing ca-kiosk.service:ExecStart"
	if [ -z "$missing" ]; then
		ok "2 make install DESTDIR PREFIX=/usr: FHS layout, modes, units' paths"
	else
		bad "2 make install DESTDIR: wrong or missing:$missing"
	fi
	echo '; edited by the operator' >>"$d/etc/ca-hub/hub.ini"
	mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system >/dev/null 2>&1
	if tail -1 "$d/etc/ca-hub/hub.ini" | grep -q 'edited by the operator'; then
		ok "2 a second make install keeps an edited /etc/ca-hub/hub.ini"
	else
		bad "2 a second make install overwrote the edited /etc/ca-hub/hub.ini"
	fi
fi

# ---- 3. man pages: no warnings, every --help option documented ----
for p in "$root"/man/*.[158]; do
	w=$(groff -man -ww -z "$p" 2>&1; MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	if [ -n "$w" ]; then bad "3 $(basename "$p") renders with warnings: $w"
	else ok "3 $(basename "$p") renders without warnings"; fi
done
for pair in ca-kiosk:ca-kiosk.8 ca-kiosk-sync:ca-kiosk-sync.8 ca-hub:ca-hub.8 ca-hubctl:ca-hubctl.1; do
	prog=${pair%%:*} page=$root/man/${pair#*:}
	text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
	undoc=""
	for o in $("$build/$prog" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		printf '%s' "$text" | grep -q -- "$o" || undoc="$undoc $o"
	done
	if [ -z "$undoc" ]; then ok "3 every option of $prog --help is in $(basename "$page")"
	else bad "3 $(basename "$page") lacks$undoc"; fi
done

# ---- 4. one version ----
want=$(cat "$build/version.stamp" 2>/dev/null)
vers=""
for x in ca-kiosk ca-kiosk-sync ca-hub ca-hubctl; do
	v=$("$d/usr/bin/$x" --version 2>&1)
	vers="$vers
$v"
	[ "$v" = "$x $want" ] || { bad "4 $x --version printed '$v', not '$x $want'"; continue; }
done
if [ -n "$want" ] && [ "$(printf '%s\n' "$vers" | grep -c " $want\$")" -eq 4 ]; then
	ok "4 ca-kiosk, ca-kiosk-sync, ca-hub, ca-hubctl --version: $want"
fi

# ---- 5. the default configuration files ----
for pair in ca-kiosk:/etc/ca-kiosk/kiosk.ini ca-hub:/etc/ca-hub/hub.ini; do
	prog=${pair%%:*} cfg=${pair#*:}
	if [ -e "$cfg" ]; then
		ok "5 $prog without --config: skipped ($cfg exists on this machine)"
		continue
	fi
	msg=$("$build/$prog" --check 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s' "$msg" | grep -q "no configuration: $cfg"; then
		ok "5 $prog without --config reads $cfg: missing, exit 2 naming it"
	else
		bad "5 $prog without --config: exit $rc, '$msg'"
	fi
done

summary dist
