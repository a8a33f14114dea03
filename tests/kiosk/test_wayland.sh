#!/bin/sh
# tests/kiosk/test_wayland.sh - the kiosk full screen on Wayland, in a
# window of its own (src/ui/wlwin.c), with a real compositor and a real
# pointer:
#
#   1. under weston (kiosk-shell, nested on an Xvfb of this test's own, so
#      that it has a seat with a pointer), ca-kiosk with [screen] driver =
#      wayland, fullscreen: its start line says "a window of its own
#      (xdg-shell)" and it maps no EGL, GL or LLVM library;
#   2. its attract screen reaches the X screen (xobserve --snap), and stays
#      the same while nothing happens;
#   3. a click at 开始办理 (xdotool on the Xvfb: X pointer -> weston ->
#      wl_pointer -> SDL events -> the UI) changes the screen: the login
#      page is shown;
#   4. a click at the same place, 返回首页 on that page, brings back the
#      attract screen pixel for pixel;
#   5. weston killed (SIGKILL): the kiosk logs that the compositor closed
#      the connection and quits within 5 s, instead of spinning.
#
# Needs Xvfb, weston, xdotool (tools/install-deps). Plain pass only (the
# Makefile); CA_BUILD is the build directory. About 5 s.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CA_BUILD:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
for t in Xvfb weston xdotool; do
	command -v "$t" >/dev/null 2>&1 || { echo "FAIL no $t (tools/install-deps installs it)"; exit 1; }
done
[ -x "$build/xobserve" ] || { echo "FAIL no $build/xobserve (make $build/xobserve)"; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/ca-wayland-XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$t"
}
trap cleanup EXIT INT TERM

# An X display of our own (other people's run on this machine).
n=70
while [ "$n" -le 79 ] && { [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; }; do
	n=$((n + 1))
done
[ "$n" -le 79 ] || { echo "FAIL no free X display in :70-:79"; exit 1; }
Xvfb ":$n" -screen 0 1080x1920x24 -nolisten tcp >"$t/xvfb.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -e "/tmp/.X11-unix/X$n" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -m 700 "$t/xdg"
DISPLAY=":$n" XDG_RUNTIME_DIR="$t/xdg" weston --backend=x11-backend.so --use-pixman \
	--width=1080 --height=1920 --shell=kiosk-shell.so --socket=wl-test --idle-time=0 \
	>"$t/weston.log" 2>&1 &
wpid=$!
pids="$pids $wpid"
i=0
while [ ! -e "$t/xdg/wl-test" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$t/xdg/wl-test" ] || { echo "FAIL weston did not start:"; tail -5 "$t/weston.log"; exit 1; }
sleep 0.5

mkdir -m 700 "$t/data"
printf '[kiosk]\ndata_dir = %s/data\n[screen]\nfullscreen = true\ndriver = wayland\n[log]\nlevel = info\n' \
	"$t" >"$t/kiosk.ini"
env -u DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$t/xdg" WAYLAND_DISPLAY=wl-test \
	"$build/ca-kiosk" --config "$t/kiosk.ini" >"$t/kiosk.log" 2>&1 &
kpid=$!
pids="$kpid $pids"
i=0
while ! grep -q "first frame after" "$t/kiosk.log" && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.5

# 1. the window and no OpenGL
if grep -q "display: path wayland.*a window of its own (xdg-shell)" "$t/kiosk.log"; then
	ok "1 $(grep -o 'display: path wayland[^,]*,[^,]*, a window of its own (xdg-shell)' "$t/kiosk.log")"
else
	bad "1 no own window in the start line:"; sed 's/^/  /' "$t/kiosk.log"
fi
gl=$(grep -E -o '/[^ ]*lib(EGL|GL|GLESv2|LLVM)[^ ]*' "/proc/$kpid/maps" 2>/dev/null | sort -u)
if kill -0 "$kpid" 2>/dev/null && [ -z "$gl" ]; then
	ok "1 no EGL, GL or LLVM library mapped"
else
	bad "1 mapped: ${gl:-(the kiosk is not running)}"
fi

# 2. the attract screen on the X screen, steady
DISPLAY=":$n" "$build/xobserve" --snap "$t/a.png" && DISPLAY=":$n" "$build/xobserve" --snap "$t/b.png"
if [ -s "$t/a.png" ] && cmp -s "$t/a.png" "$t/b.png"; then
	ok "2 the attract screen is shown and steady"
else
	bad "2 no steady screen (snapshots $t/a.png, $t/b.png)"
fi

# 3. a click at 开始办理 (bottom button, centre 540,1835) leads on
DISPLAY=":$n" xdotool mousemove 540 1835 click 1
sleep 1
DISPLAY=":$n" "$build/xobserve" --snap "$t/c.png"
if [ -s "$t/c.png" ] && ! cmp -s "$t/a.png" "$t/c.png"; then
	ok "3 the click through weston reached the UI: the screen changed"
else
	bad "3 the screen did not change after the click"
	sed 's/^/  /' "$t/kiosk.log"
fi

# 4. ... and 返回首页 there (the bottom button again) leads back: the same
#    attract screen, pixel for pixel, so the click hit that button.
DISPLAY=":$n" xdotool mousemove 540 1835 click 1
sleep 1
DISPLAY=":$n" "$build/xobserve" --snap "$t/d.png"
if cmp -s "$t/a.png" "$t/d.png"; then
	ok "4 返回首页 at the same place led back to the attract screen"
else
	bad "4 not back on the attract screen after the second click"
fi

# 5. the compositor killed for real: the kiosk notices, says so and quits
#    (no busy loop on a dead connection; systemd starts it again).
kill -9 "$wpid"
i=0
while kill -0 "$kpid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$kpid" 2>/dev/null; then
	bad "5 the kiosk still runs 5 s after weston was killed"
elif grep -q "the Wayland compositor closed the connection" "$t/kiosk.log"; then
	ok "5 weston killed: the kiosk quit within $((i * 50)) ms, saying so"
else
	bad "5 the kiosk quit without saying why:"; tail -5 "$t/kiosk.log" | sed 's/^/  /'
fi
[ "$fails" -eq 0 ]
