#!/bin/sh
# tests/dist/test_deb.sh - `make deb` builds the ca-kiosk and ca-hub
# packages, and they hold what a service hall's machine needs
# (docs/install.md):
#
#   1. make deb succeeds (the time is printed: it must stay well under a
#      minute and a half on two cores) and lintian finds no error;
#   2. each package has its programs, its /etc file as a conffile, its
#      unit, its man pages, and nothing of the other package;
#   3. Depends names the libraries the programs link (${shlibs:Depends})
#      and adduser, fonts-noto-cjk; the version is tools/version --deb;
#   4. the maintainer scripts create the system user and its 0700 state
#      directory, and enable the unit (dh_installsystemd).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/dist/check.sh"
scratch deb

# ---- 1. build, lintian ----
start=$(date +%s)
if env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$root" deb >"$t/deb.log" 2>&1; then
	ok "1 make deb and lintian --fail-on error: $(( $(date +%s) - start )) s"
else
	bad "1 make deb failed after $(( $(date +%s) - start )) s: $(grep -E '^E:|rror' "$t/deb.log" | tail -5)"
fi
grep '^W: ' "$t/deb.log" | sed 's/^/     lintian /'
ver=$("$root/tools/version" --deb)
kiosk=$root/out/deb/ca-kiosk_${ver}_$(dpkg --print-architecture).deb
hub=$root/out/deb/ca-hub_${ver}_$(dpkg --print-architecture).deb
for f in "$kiosk" "$hub"; do
	[ -f "$f" ] || { bad "1 no $f"; echo "deb: $fails failed"; exit 1; }
done
n=$(ls "$root"/out/deb/*.deb | wc -l)
[ "$n" -eq 2 ] && ok "1 two packages, version $ver" || bad "1 $n packages in out/deb"
dpkg --validate-version "$ver" 2>/dev/null && ok "1 $ver is a valid Debian version" \
	|| bad "1 $ver is not a valid Debian version"

# ---- 2. contents ----
# has DEB FILE...: every file is in the package.
has() {
	deb=$1; shift
	dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$t/list"
	miss=""
	for f in "$@"; do
		grep -q " \\./$f\$" "$t/list" || miss="$miss $f"
	done
	printf '%s' "$miss"
}
m=$(has "$kiosk" usr/bin/ca-kiosk usr/bin/ca-kiosk-sync etc/ca-kiosk/kiosk.ini \
	lib/systemd/system/ca-kiosk.service usr/share/ca-kiosk/kiosk.ini.example \
	usr/share/ca-kiosk/ca-kiosk-cage.conf usr/share/man/man8/ca-kiosk.8.gz \
	usr/share/man/man8/ca-kiosk-sync.8.gz usr/share/man/man5/kiosk.ini.5.gz)
[ -z "$m" ] && ok "2 ca-kiosk holds its programs, config, unit, man pages" || bad "2 ca-kiosk lacks$m"
grep -q 'ca-hub' "$t/list" && bad "2 ca-kiosk holds ca-hub files: $(grep ca-hub "$t/list" | head -2)"
grep -v '^-rwxr-xr-x root/root \./usr/bin/' "$t/list" | grep -q '\./usr/bin/.' \
	&& bad "2 ca-kiosk: a program not root 0755: $(grep usr/bin/ "$t/list")"
m=$(has "$hub" usr/bin/ca-hub usr/bin/ca-hubctl etc/ca-hub/hub.ini \
	lib/systemd/system/ca-hub.service usr/share/ca-hub/hub.ini.example \
	usr/share/man/man8/ca-hub.8.gz usr/share/man/man1/ca-hubctl.1.gz \
	usr/share/man/man5/hub.ini.5.gz)
[ -z "$m" ] && ok "2 ca-hub holds its programs, config, unit, man pages" || bad "2 ca-hub lacks$m"
grep -q 'ca-kiosk' "$t/list" && bad "2 ca-hub holds ca-kiosk files: $(grep ca-kiosk "$t/list" | head -2)"
for p in kiosk:/etc/ca-kiosk/kiosk.ini hub:/etc/ca-hub/hub.ini; do
	deb=$kiosk; [ "${p%%:*}" = hub ] && deb=$hub
	c=$(dpkg-deb -f "$deb" Package >/dev/null; dpkg-deb -I "$deb" conffiles 2>/dev/null)
	[ "$c" = "${p#*:}" ] && ok "2 ${p#*:} is the conffile of ca-${p%%:*}" \
		|| bad "2 conffiles of ca-${p%%:*}: '$c'"
done

# ---- 3. Depends, from what is linked ----
dk=$(dpkg-deb -f "$kiosk" Depends)
dh=$(dpkg-deb -f "$hub" Depends)
miss=""
for d in libsdl2-2.0-0 libsdl2-ttf-2.0-0 libsqlite3-0 libcurl4 libgooglepinyin0 \
	libqrencode4 libjansson4 libinih1 libssl3 adduser fonts-noto-cjk; do
	printf '%s' "$dk" | grep -q "\\b$d\\b" || miss="$miss $d"
done
[ -z "$miss" ] && ok "3 ca-kiosk Depends: $dk" || bad "3 ca-kiosk Depends lacks$miss: $dk"
miss=""
for d in libmicrohttpd12 libcairo2 libfreetype6 libqrencode4 libsqlite3-0 libcurl4 libjansson4 \
	adduser fonts-noto-cjk; do
	printf '%s' "$dh" | grep -q "\\b$d\\b" || miss="$miss $d"
done
printf '%s' "$dh" | grep -q 'libsdl2' && miss="$miss (has SDL)"
[ -z "$miss" ] && ok "3 ca-hub Depends: $dh" || bad "3 ca-hub Depends wrong:$miss: $dh"

# ---- 4. maintainer scripts ----
for p in kiosk hub; do
	deb=$kiosk; [ $p = hub ] && deb=$hub
	dpkg-deb -e "$deb" "$t/ctl-$p"
	s=$t/ctl-$p/postinst
	if [ -f "$s" ] && grep -q "adduser --system --group --home /var/lib/ca-$p" "$s" &&
	   grep -q "install -d -m 0700 -o ca-$p -g ca-$p /var/lib/ca-$p" "$s" &&
	   grep -q "deb-systemd-helper .*enable.*ca-$p.service" "$s" &&
	   [ -f "$t/ctl-$p/postrm" ] && grep -q "rm -rf /var/lib/ca-$p" "$t/ctl-$p/postrm"; then
		ok "4 ca-$p: postinst makes user ca-$p, /var/lib/ca-$p 0700, enables the unit; purge removes the state"
	else
		bad "4 ca-$p maintainer scripts incomplete"
	fi
done

summary deb
