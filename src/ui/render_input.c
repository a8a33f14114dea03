/*
 * render_input.c - input for the renderer: SDL's mouse, touch, wheel and
 * key events turned into ui_input_* calls in the UI's px (the panel's
 * rotation undone: panel_to_ui), and the wait for them (render_wait),
 * which sleeps in poll(2) where SDL's own wait would spin. render_wake()
 * wakes a wait from any thread. Start at render_wait().
 */
#include "render_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"

static void wl_to_sdl(struct render *r);

/* When no input device can be watched, the wait polls SDL in slices this
 * long (the first touch after a quiet spell waits at most that long). */
#define WAIT_SLICE_MS 40

/* The longest single sleep: SDL turns SIGTERM into SDL_QUIT in its signal
 * handler, which may run on another thread and not interrupt our poll. */
#define WAIT_MAX_MS 1000

/* On Wayland without OpenGL: after this long without a frame, the wl_shm
 * buffer not shown gives its pages back (wlshm_trim; 8 MiB at 1080x1920,
 * half of it counted to the kiosk). Longer than a countdown's second, so
 * a ticking screen keeps both; an idle one (the attract screen most of
 * the day, a form while the person reads) holds one frame. */
#define WL_TRIM_QUIET_MS 3000

/* Wakes a wait in progress from any thread (an eventfd made by the first
 * render_open and kept for the life of the process; -1: none). */
static int wake_fd = -1;

void wake_init(void)
{
	if (wake_fd < 0)
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* ---- events ---- */

/* A point on the panel (its logical px, letterbox already taken off by
 * SDL) to the UI's px: the rotation undone, clamped to the screen. */
static void panel_to_ui(const struct render *r, float px, float py, int *x, int *y)
{
	float ux, uy;

	switch (r->rotate) {
	case 90:
		ux = py;
		uy = (float)r->h - px;
		break;
	case 180:
		ux = (float)r->w - px;
		uy = (float)r->h - py;
		break;
	case 270:
		ux = (float)r->w - py;
		uy = px;
		break;
	default:
		ux = px;
		uy = py;
		break;
	}
	*x = (int)lroundf(ux);
	*y = (int)lroundf(uy);
	*x = *x < 0 ? 0 : *x >= r->w ? r->w - 1 : *x;
	*y = *y < 0 ? 0 : *y >= r->h ? r->h - 1 : *y;
}

/*
 * Map a finger's position to the UI's px. SDL delivers it normalised to
 * the window; with a logical size set, SDL's own event watch (added with
 * the renderer) has already mapped it to the logical viewport, 0..1 over
 * the panel's logical size without the letterbox bars (a touch on a bar
 * is clamped to its edge). What is left is the rotation.
 */
static void finger_xy(struct render *r, const SDL_TouchFingerEvent *f, int *x, int *y)
{
	panel_to_ui(r, f->x * (float)r->pw, f->y * (float)r->ph, x, y);
}

void render_wake(void)
{
	SDL_Event e;
	uint64_t one = 1;

	memset(&e, 0, sizeof(e));
	e.type = SDL_USEREVENT;
	SDL_PushEvent(&e); /* thread-safe; a full queue wakes the loop anyway */
	if (wake_fd >= 0 && write(wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the wait wakes. */
	}
}

void input_close(struct render *r)
{
	while (r->n_input > 0)
		close(r->input_fd[--r->n_input]);
}

/* Open every /dev/input/event* we may read, for wake-ups only: evdev
 * gives each open file its own copy of the events, so what we read and
 * drop here is not taken from SDL's own fds. */
static void input_scan(struct render *r)
{
	DIR *d;
	struct dirent *de;
	char path[300];
	int fd;

	input_close(r);
	r->input_scan_ms = SDL_GetTicks64();
	if (!(d = opendir("/dev/input")))
		return;
	while ((de = readdir(d)) != NULL && r->n_input < INPUT_FDS_MAX) {
		if (strncmp(de->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			r->input_fd[r->n_input++] = fd;
	}
	closedir(d);
}

/* Read and drop what fd has (an input device or the wake eventfd); false
 * when the device is gone. */
static bool drain_fd(int fd)
{
	char buf[1024];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

/*
 * Sleep until something may have happened, at most ms (-1: no limit).
 *
 * Not SDL_WaitEventTimeout on every driver: where a video driver has no
 * native wait (the KMSDRM driver of a kiosk, the offscreen driver of the
 * tests) SDL 2.26 implements it as a loop that sleeps 1 ms, a thousand
 * wake-ups a second, which alone is more than the idle budget (docs/architecture.md,
 * Budgets).
 * There the loop blocks in poll(2) on the kernel's input devices (touch
 * panel, mouse, keys), opened read-only beside SDL's own fds, and on an
 * eventfd that render_wake() signals; SDL is then pumped to turn what
 * arrived into events. With no device to watch on a driver that has input
 * it falls back to slices of WAIT_SLICE_MS.
 */
static void sleep_until_event(struct render *r, int ms)
{
	struct pollfd p[INPUT_FDS_MAX + 1];
	int n = 0, i, got;

	if (r->wait_how == WAIT_POLL_INPUT &&
	    (r->input_scan_ms == 0 || SDL_GetTicks64() - r->input_scan_ms >= INPUT_RESCAN_MS))
		input_scan(r);
	if (r->wait_how == WAIT_POLL_INPUT && r->n_input == 0 && (ms < 0 || ms > WAIT_SLICE_MS))
		ms = WAIT_SLICE_MS;
	if (r->wl && wlshm_can_trim(r->wl)) {
		Uint64 now = SDL_GetTicks64(), at = r->wl_shown_ms + WL_TRIM_QUIET_MS;

		if (now >= at)
			(void)wlshm_trim(r->wl);
		else if (ms < 0 || (Uint64)ms > at - now)
			ms = (int)(at - now); /* wake to trim, then wait on */
	}
	if (ms < 0 || ms > WAIT_MAX_MS)
		ms = WAIT_MAX_MS;
	if (wake_fd >= 0)
		p[n++] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	for (i = 0; r->wait_how == WAIT_POLL_INPUT && i < r->n_input; i++)
		p[n++] = (struct pollfd){ .fd = r->input_fd[i], .events = POLLIN };
	if (r->ww) {
		if (!wlwin_prepare(r->ww)) {
			wl_to_sdl(r);
			return;
		}
		p[n++] = (struct pollfd){ .fd = wlwin_fd(r->ww), .events = POLLIN };
	}
	got = poll(p, (nfds_t)n, ms);
	if (r->ww) {
		wlwin_read_after_poll(r->ww, got > 0 && (p[n - 1].revents & (POLLIN | POLLHUP | POLLERR)));
		wl_to_sdl(r);
		n--; /* not drained below: libwayland read it */
	}
	if (got < 0) {
		if (errno != EINTR)
			SDL_Delay((Uint32)(ms < 0 || ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : ms));
		return;
	}
	for (i = 0; got > 0 && i < n; i++) {
		if (!(p[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
			continue;
		if (!drain_fd(p[i].fd) && p[i].fd != wake_fd)
			r->input_scan_ms = 0; /* a device went away: re-read the set */
	}
}

/*
 * What our own Wayland window reported, as the SDL events SDL's window
 * would have given: a finger as SDL_FINGER* (normalised to the panel, as
 * finger_xy expects), the left button as SDL_MOUSE* (panel px), a close
 * as SDL_QUIT.
 */
static void wl_to_sdl(struct render *r)
{
	struct wlwin_event we;
	SDL_Event e;

	while (wlwin_next(r->ww, &we)) {
		memset(&e, 0, sizeof(e));
		if (we.kind == WLWIN_LOST) {
			log_error("render", "the Wayland compositor closed the connection; quitting "
				  "(under systemd the kiosk starts again)");
			e.type = SDL_QUIT;
		} else if (we.kind == WLWIN_CLOSE) {
			e.type = SDL_QUIT;
		} else if (we.touch) {
			e.type = we.kind == WLWIN_DOWN ? SDL_FINGERDOWN :
				 we.kind == WLWIN_UP ? SDL_FINGERUP : SDL_FINGERMOTION;
			e.tfinger.touchId = 1;
			e.tfinger.fingerId = we.id;
			e.tfinger.x = (float)(we.x / r->pw);
			e.tfinger.y = (float)(we.y / r->ph);
			e.tfinger.pressure = 1.0f;
		} else if (we.kind == WLWIN_MOVE) {
			e.type = SDL_MOUSEMOTION;
			e.motion.x = (Sint32)we.x;
			e.motion.y = (Sint32)we.y;
		} else {
			e.type = we.kind == WLWIN_DOWN ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
			e.button.button = SDL_BUTTON_LEFT;
			e.button.state = we.kind == WLWIN_DOWN ? SDL_PRESSED : SDL_RELEASED;
			e.button.clicks = 1;
			e.button.x = (Sint32)we.x;
			e.button.y = (Sint32)we.y;
		}
		SDL_PushEvent(&e);
	}
}

/* Wait up to timeout_ms (-1: for ever) for the first event into *e. */
static int wait_event(struct render *r, SDL_Event *e, int timeout_ms)
{
	Uint64 start = SDL_GetTicks64(), now;

	for (;;) {
		if (SDL_PollEvent(e))
			return 1;
		now = SDL_GetTicks64();
		if (timeout_ms >= 0 && now - start >= (Uint64)timeout_ms)
			return 0;
		if (r->wait_how == WAIT_NATIVE)
			return SDL_WaitEventTimeout(e, timeout_ms < 0 ? -1 :
						    (int)(start + (Uint64)timeout_ms - now));
		sleep_until_event(r, timeout_ms < 0 ? -1 : (int)(start + (Uint64)timeout_ms - now));
	}
}

int render_wait(struct render *r, struct ui *ui, int timeout_ms)
{
	SDL_Event e;
	int flags = 0, got, x, y;

	if (r->ww && timeout_ms == 0) {
		(void)wlwin_pump(r->ww);
		wl_to_sdl(r);
	}
	got = timeout_ms == 0 ? SDL_PollEvent(&e) : wait_event(r, &e, timeout_ms);
	while (got) {
		bool edge = false;

		switch (e.type) {
		case SDL_QUIT:
			flags |= RENDER_QUIT;
			break;
		case SDL_WINDOWEVENT:
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED &&
			    direct_ok(r) != r->direct) {
				/* The frame is another now: cached text of the
				 * other kind would be drawn wrongly. */
				tc_release(r);
				r->direct = !r->direct;
			}
			if (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
			    e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				ui_invalidate(ui);
				flags |= RENDER_EXPOSE;
			}
			break;
		case SDL_MOUSEBUTTONDOWN:
		case SDL_MOUSEBUTTONUP:
			/* Touch also arrives as synthetic mouse events: skip those. */
			if (e.button.which == SDL_TOUCH_MOUSEID || e.button.button != SDL_BUTTON_LEFT)
				break;
			panel_to_ui(r, (float)e.button.x, (float)e.button.y, &x, &y);
			ui_input_pointer(ui, e.type == SDL_MOUSEBUTTONDOWN ? UI_POINTER_DOWN : UI_POINTER_UP,
					 x, y);
			flags |= RENDER_INPUT;
			edge = true;
			break;
		case SDL_MOUSEMOTION:
			if (e.motion.which == SDL_TOUCH_MOUSEID)
				break;
			panel_to_ui(r, (float)e.motion.x, (float)e.motion.y, &x, &y);
			ui_input_pointer(ui, UI_POINTER_MOVE, x, y);
			flags |= RENDER_INPUT;
			break;
		case SDL_MOUSEWHEEL:
			ui_input_wheel(ui, -e.wheel.y * theme_px(ui_theme(ui), 96));
			flags |= RENDER_INPUT;
			break;
		case SDL_FINGERDOWN:
			/* A finger still down (its release lost, or a second
			 * finger): its press ends with no tap, and this one
			 * takes over, so a lost release never blocks touches. */
			if (r->finger_down)
				ui_input_pointer(ui, UI_POINTER_CANCEL, 0, 0);
			r->finger_down = true;
			r->finger = e.tfinger.fingerId;
			finger_xy(r, &e.tfinger, &x, &y);
			ui_input_pointer(ui, UI_POINTER_DOWN, x, y);
			flags |= RENDER_INPUT;
			edge = true;
			break;
		case SDL_FINGERMOTION:
		case SDL_FINGERUP:
			if (!r->finger_down || e.tfinger.fingerId != r->finger)
				break;
			finger_xy(r, &e.tfinger, &x, &y);
			if (e.type == SDL_FINGERUP) {
				r->finger_down = false;
				ui_input_pointer(ui, UI_POINTER_UP, x, y);
				edge = true;
			} else {
				ui_input_pointer(ui, UI_POINTER_MOVE, x, y);
			}
			flags |= RENDER_INPUT;
			break;
		case SDL_USEREVENT:
			flags |= RENDER_WAKE;
			break;
		case SDL_TEXTINPUT:
			ui_input_text(ui, e.text.text);
			flags |= RENDER_INPUT;
			break;
		case SDL_KEYDOWN:
			if (e.key.keysym.sym == SDLK_BACKSPACE)
				ui_input_key(ui, UI_KEY_BACKSPACE);
			else if (e.key.keysym.sym == SDLK_RETURN || e.key.keysym.sym == SDLK_KP_ENTER)
				ui_input_key(ui, UI_KEY_ENTER);
			else
				break;
			flags |= RENDER_INPUT;
			break;
		default:
			break;
		}
		if (edge || (flags & RENDER_QUIT))
			break;
		got = SDL_PollEvent(&e);
	}
	if (flags & RENDER_EXPOSE)
		r->prev_valid = false;
	return flags;
}
