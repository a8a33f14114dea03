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
#      attract screen pixel for pixel (the frames went through both wl_shm
#      buffers, each brought up to date from the other), and no private
#      frame-sized mapping exists beside those buffers; after 3 s of quiet
#      only one buffer is resident and the screen is unchanged;
#   5. tests/wayland/frames.plan on weston and headless: after the kiosk's
#      own partial frames (pinyin and digits typed, through both wl_shm
#      buffers) weston shows what a full repaint paints, and that equals
#      the offscreen renderer's frame (these frames mostly cover the
#      rectangles of the one before, so step 6 is what pins the buffers'
#      bookkeeping);
#   6. tests/ui/test_wlshm under that weston: 300 frames of random
#      rectangles, every buffer handed out holds the newest frame, both
#      ways of getting one happen, wlshm_trim halves the resident buffers
#      and the frames after it are still right, and weston shows the last;
#   7. weston killed (SIGKILL): the kiosk logs that the compositor closed
#      the connection and quits within 5 s, instead of spinning.
#
# Needs Xvfb, weston, xdotool (tools/install-deps). Plain pass only (the
# Makefile); CA_BUILD is the build directory. About 25 s.
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

# 4b. the frame is painted straight into the wl_shm buffers that the
#     compositor reads: no private mapping holds a frame (8,100 KiB for
#     1080x1920) beside them; and once the screen has been quiet for 3 s
#     the buffer not shown has given its pages back: one frame resident,
#     and the screen unchanged.
big=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{ anon = ($6 == "") } /^Rss:/{ if (anon && $2 >= 8100) print $2 " KiB" }' \
	"/proc/$kpid/smaps" 2>/dev/null)
shm=$(grep -c 'memfd:ca-kiosk-frame' "/proc/$kpid/maps" 2>/dev/null)
if [ -z "$big" ] && [ "${shm:-0}" -ge 1 ]; then
	ok "4 the frame lives in the shared buffers only (no private frame-sized mapping)"
else
	bad "4 a private frame beside the shared buffers: ${big:-none} (memfd mappings: ${shm:-0})"
fi
sleep 3
rss=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{ m = ($6 ~ /memfd:ca-kiosk-frame/) } m && /^Rss:/{ print $2; exit }' \
	"/proc/$kpid/smaps" 2>/dev/null)
DISPLAY=":$n" "$build/xobserve" --snap "$t/e.png"
if [ -n "$rss" ] && [ "$rss" -le 8200 ] && cmp -s "$t/a.png" "$t/e.png"; then
	ok "4 quiet for 3 s: one frame resident in the shared buffers ($rss KiB), the screen unchanged"
else
	bad "4 quiet for 3 s: the shared buffers hold ${rss:-?} KiB (one frame is 8100), screen unchanged: $(cmp -s "$t/a.png" "$t/e.png" && echo yes || echo no)"
fi

# 5. partial frames through both buffers: tests/wayland/frames.plan full
#    screen on weston, and headless. After the full frame of b-form.png
#    the flow paints partial frames only, then rests 4 s: what weston shows
#    once it has settled (two equal snaps, other than the one taken at
#    b-form.png) must equal the full repaint of b-end.png that follows, and
#    that the offscreen renderer's.
env -u DISPLAY XDG_RUNTIME_DIR="$t/xdg" WAYLAND_DISPLAY=wl-test \
	"$root/tools/flowrun" --on-display --bin "$build" --out "$t/f-wl" \
	"$root/tests/wayland/frames.plan" >"$t/f-wl.log" 2>&1 &
fpid=$!
i=0
while [ ! -s "$t/f-wl/b-form.png" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
DISPLAY=":$n" "$build/xobserve" --snap "$t/f-0.png"
settled=0 i=0
while [ "$settled" -eq 0 ] && [ "$i" -lt 30 ] && [ ! -e "$t/f-wl/b-end.png" ]; do
	sleep 0.2
	DISPLAY=":$n" "$build/xobserve" --snap "$t/f-1.png"
	sleep 0.2
	DISPLAY=":$n" "$build/xobserve" --snap "$t/f-2.png"
	if cmp -s "$t/f-1.png" "$t/f-2.png" && ! cmp -s "$t/f-0.png" "$t/f-1.png"; then
		settled=1
	fi
	i=$((i + 1))
done
wait "$fpid"
frc=$?
SDL_VIDEODRIVER=offscreen "$root/tools/flowrun" --bin "$build" --out "$t/f-hl" \
	"$root/tests/wayland/frames.plan" >"$t/f-hl.log" 2>&1
hrc=$?
if [ "$frc" -ne 0 ] || [ "$hrc" -ne 0 ]; then
	bad "5 frames.plan failed (wayland $frc, headless $hrc):"
	tail -15 "$t/f-wl.log" "$t/f-hl.log" | sed 's/^/  /'
elif [ "$settled" -eq 0 ]; then
	bad "5 the screen did not settle after the partial frames"
elif ! "$root/tools/png-same" "$t/f-1.png" "$t/f-wl/b-end.png" 2>"$t/same.err"; then
	cp "$t/f-1.png" "${TMPDIR:-/tmp}/ca-wayland-shown.png"
	cp "$t/f-wl/b-end.png" "${TMPDIR:-/tmp}/ca-wayland-end.png"
	bad "5 after partial frames weston shows another picture than the full repaint: $(cat "$t/same.err") (${TMPDIR:-/tmp}/ca-wayland-shown.png, -end.png)"
elif ! cmp -s "$t/f-wl/b-end.png" "$t/f-hl/b-end.png"; then
	bad "5 the form on Wayland differs from the offscreen renderer's"
else
	ok "5 after partial frames through both buffers weston shows the full repaint's picture, the offscreen one"
fi

# 6. tests/ui/test_wlshm under the same weston: 300 frames of random
#    rectangles; every buffer handed out holds the newest frame, and what
#    weston shows at the end is the last frame (the damage was enough).
mkfifo "$t/wlshm.in"
env -u DISPLAY XDG_RUNTIME_DIR="$t/xdg" WAYLAND_DISPLAY=wl-test \
	"$build/tests/ui/test_wlshm" "$t/last.ppm" <"$t/wlshm.in" >"$t/wlshm.out" 2>"$t/wlshm.err" &
spid=$!
exec 7>"$t/wlshm.in"
i=0
while ! grep -q '^shown' "$t/wlshm.out" && kill -0 "$spid" 2>/dev/null && [ "$i" -lt 400 ]; do
	sleep 0.05; i=$((i + 1))
done
sleep 0.5
DISPLAY=":$n" "$build/xobserve" --snap "$t/w-root.png"
exec 7>&-
wait "$spid"
src=$?
if [ "$src" -ne 0 ] || ! grep -q '^shown' "$t/wlshm.out"; then
	bad "6 test_wlshm (exit $src):"; cat "$t/wlshm.out" "$t/wlshm.err" | sed 's/^/  /'
elif ! "$root/tools/png-same" "$t/w-root.png" "$t/last.ppm" 2>"$t/same.err"; then
	bad "6 weston does not show test_wlshm's last frame: $(cat "$t/same.err")"
else
	ok "6 $(grep ' frames: ' "$t/wlshm.out" | sed 's/^test_wlshm: //'); $(grep 'trimmed' "$t/wlshm.out" | sed 's/^test_wlshm: //'); weston shows the last"
fi

# 7. the compositor killed for real: the kiosk notices, says so and quits
#    (no busy loop on a dead connection; systemd starts it again).
kill -9 "$wpid"
i=0
while kill -0 "$kpid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$kpid" 2>/dev/null; then
	bad "7 the kiosk still runs 5 s after weston was killed"
elif grep -q "the Wayland compositor closed the connection" "$t/kiosk.log"; then
	ok "7 weston killed: the kiosk quit within $((i * 50)) ms, saying so"
else
	bad "7 the kiosk quit without saying why:"; tail -5 "$t/kiosk.log" | sed 's/^/  /'
fi
[ "$fails" -eq 0 ]
