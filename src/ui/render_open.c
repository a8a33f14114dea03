/*
 * render_open.c - the life of the renderer's window: the display paths
 * (KMSDRM, Wayland, X11) tried in order with a renderer chosen for each
 * (try_path, open_display; docs/ui.md, Display paths), our own Wayland
 * window or wl_shm frames where SDL would load OpenGL, fonts opened on a
 * thread while SDL sets up the display, the first frame's pages prefaulted
 * on another; then render_forget, render_free and the small getters.
 * Start at render_open().
 */
#include "render_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <SDL_syswm.h>

#include "core/log.h"

/* ---- lifecycle ---- */

static void errf(char *err, size_t n, const char *what)
{
	if (err && n)
		snprintf(err, n, "%s: %s", what, SDL_GetError());
}

/* ---- display paths (docs/ui.md, Display paths) ---- */

static void describe(struct render *r, const SDL_RendererInfo *info, const char *tried);

/* SDL's name of a display path. */
static const char *const driver_names[] = {
	[RENDER_DRIVER_KMSDRM] = "kmsdrm",
	[RENDER_DRIVER_WAYLAND] = "wayland",
	[RENDER_DRIVER_X11] = "x11",
};

/* Append printf-style text to buf (size n), cutting at its end. */
static void appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strnlen(buf, n);
	va_list ap;

	if (used + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}

/*
 * Why KMSDRM cannot work here, before SDL is asked (its own message is
 * only "kmsdrm not available"): no /dev/dri, no card in it, or no card
 * this user may open read-write (the kiosk user needs the video group).
 * NULL when a card opens; else the reason in buf.
 */
static const char *kmsdrm_problem(char *buf, size_t n)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *de;
	char path[300];
	int fd, e = 0, cards = 0;

	if (!d) {
		snprintf(buf, n, "no DRM device: /dev/dri: %s", strerror(errno));
		return buf;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "card", 4) != 0)
			continue;
		cards++;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			closedir(d);
			return NULL;
		}
		e = errno;
		snprintf(buf, n, "%s: %s%s", path, strerror(e),
			 e == EACCES ? " (is the kiosk user in the video group?)" : "");
	}
	closedir(d);
	if (!cards)
		snprintf(buf, n, "no DRM device: no /dev/dri/card*");
	return buf;
}

/* How the software renderer's window pixels reach the screen on video
 * driver drv: SDL's value for SDL_HINT_FRAMEBUFFER_ACCELERATION. X11
 * (MIT-SHM) and the offscreen driver have a native window framebuffer;
 * "0" keeps SDL from loading OpenGL for it. SDL 2.26's Wayland and
 * KMSDRM drivers have none: there the frame is shown through an OpenGL
 * ES 2 texture, uploaded at each present. */
static const char *fb_accel(const char *drv)
{
	return (!strcmp(drv, "x11") || !strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) ?
	       "0" : "opengles2";
}

/* The index of SDL's render driver name, -1 when this SDL has none. */
static int render_driver_index(const char *name)
{
	SDL_RendererInfo info;
	int i, n = SDL_GetNumRenderDrivers();

	for (i = 0; i < n; i++)
		if (SDL_GetRenderDriverInfo(i, &info) == 0 && !strcmp(info.name, name))
			return i;
	return -1;
}

/* Make r->ren on r->win with renderer which (not AUTO), or say why not
 * in why (size n). */
static bool open_renderer(struct render *r, enum render_renderer which, const char *drv,
			  char *why, size_t n)
{
	static const char *const names[] = {
		[RENDER_RENDERER_SOFTWARE] = "software",
		[RENDER_RENDERER_OPENGLES2] = "opengles2",
		[RENDER_RENDERER_OPENGL] = "opengl",
	};
	const char *name = names[which];
	int idx = render_driver_index(name);

	if (idx < 0) {
		snprintf(why, n, "%s: not in this SDL", name);
		return false;
	}
	SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, name, SDL_HINT_OVERRIDE);
	if (which == RENDER_RENDERER_SOFTWARE)
		SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, fb_accel(drv),
					SDL_HINT_OVERRIDE);
	r->ren = SDL_CreateRenderer(r->win, idx, which == RENDER_RENDERER_SOFTWARE ?
				    SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
	if (!r->ren) {
		snprintf(why, n, "%s: %s", name, SDL_GetError());
		return false;
	}
	return true;
}

/*
 * The software renderer over r->fb, a surface whose pixels are the
 * wl_shm buffer to paint (render_frame points it at the buffer
 * wlshm_begin gives before each frame). false with why (size n).
 */
static bool wl_frame(struct render *r, char *why, size_t n)
{
	int pitch;
	void *px = wlshm_pixels(r->wl, &pitch);

	r->fb = SDL_CreateRGBSurfaceWithFormatFrom(px, r->pw, r->ph, 32, pitch,
						   SDL_PIXELFORMAT_ARGB8888);
	if (!r->fb) {
		snprintf(why, n, "no frame: %s", SDL_GetError());
		return false;
	}
	if (!(r->ren = SDL_CreateSoftwareRenderer(r->fb))) {
		snprintf(why, n, "%s", SDL_GetError());
		return false;
	}
	return true;
}

/*
 * On Wayland: the software renderer drawing into r->fb, shown through
 * wl_shm buffers (wlshm.h), so that no OpenGL is loaded. Only when the
 * window has the panel's size (full screen on a panel of that size):
 * the buffer is shown unscaled. Nothing done (r->ren NULL) otherwise,
 * with why appended to tried (size n).
 */
static void open_wl_software(struct render *r, char *tried, size_t n)
{
	SDL_SysWMinfo wm;
	char why[RENDER_DESCRIBE_MAX] = "";
	int w = 0, h = 0;

	SDL_GetWindowSize(r->win, &w, &h);
	SDL_VERSION(&wm.version);
	if (w != r->pw || h != r->ph) {
		snprintf(why, sizeof(why), "window %dx%d, not the panel's %dx%d", w, h, r->pw, r->ph);
	} else if (!SDL_GetWindowWMInfo(r->win, &wm) || wm.subsystem != SDL_SYSWM_WAYLAND) {
		snprintf(why, sizeof(why), "no Wayland surface: %s", SDL_GetError());
	} else if ((r->wl = wlshm_open(wm.info.wl.display, wm.info.wl.surface, w, h, why,
				       sizeof(why))) != NULL) {
		(void)wl_frame(r, why, sizeof(why)); /* r->ren NULL on failure */
	}
	if (r->ren)
		return;
	wlshm_free(r->wl);
	r->wl = NULL;
	SDL_FreeSurface(r->fb);
	r->fb = NULL;
	appendf(tried, n, "%ssoftware in wl_shm buffers: %s", tried[0] ? "; " : "", why);
}

/* ---- start-up work on a second thread ---- */

/*
 * The first frame writes every pixel of a frame buffer that nothing has
 * touched yet (8 MiB at 1080x1920): one page fault per 4 KiB, about 5 ms
 * on the UI thread (docs/bench-kiosk.md). The kernel maps the pages
 * writable in one call (MADV_POPULATE_WRITE, Linux 5.14) on a thread of
 * its own while the UI thread lays out the first screen. Without that
 * call (an older kernel) the pages fault in as before.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static void *prefault_job(void *arg)
{
	const struct render *r = arg;

	(void)madvise(r->prefault_p, r->prefault_n, MADV_POPULATE_WRITE);
	return NULL;
}

/* Start prefaulting the pixels the software renderer draws into. */
static void prefault_start(struct render *r)
{
	SDL_Surface *s = r->fb;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, e;

	if (!s && r->partial_ok && r->win)
		s = SDL_GetWindowSurface(r->win);
	if (!s || !s->pixels || page == 0 || (page & (page - 1)) || r->prefaulting)
		return;
	/* The whole pages inside the pixels: never a neighbour's page. */
	a = ((uintptr_t)s->pixels + page - 1) & ~(page - 1);
	e = ((uintptr_t)s->pixels + (size_t)s->pitch * (size_t)s->h) & ~(page - 1);
	if (e <= a)
		return;
	r->prefault_p = (void *)a;
	r->prefault_n = e - a;
	r->prefaulting = pthread_create(&r->prefault, NULL, prefault_job, r) == 0;
}

static void prefault_join(struct render *r)
{
	if (r->prefaulting)
		pthread_join(r->prefault, NULL);
	r->prefaulting = false;
}

/*
 * Open the two faces (FreeType reads their tables and HarfBuzz its own:
 * about 3 ms) on a thread of its own while the UI thread sets up the
 * display (SDL's video set-up, about 10 ms of round trips to an X server).
 * Nothing else uses FreeType meanwhile. An SDL thread, so that SDL frees
 * what it keeps per thread (its error text) when the thread ends.
 */
struct fonts_job {
	struct render *r;
	bool ok;                  /* both faces open */
	char err[256];            /* why not */
};

static int fonts_job(void *arg)
{
	struct fonts_job *j = arg;
	TTF_Font *probe = font_get(j->r, DRAW_FONT_REGULAR, 32);

	j->ok = probe && font_get(j->r, DRAW_FONT_BOLD, 32);
	if (!j->ok)
		snprintf(j->err, sizeof(j->err), "cannot open font %s (face %d): %s",
			 j->r->font_path[probe ? DRAW_FONT_BOLD : DRAW_FONT_REGULAR],
			 j->r->font_index, TTF_GetError());
	return 0;
}

/* Destroy the canvas, renderer and window, and stop SDL's video. */
static void close_display(struct render *r)
{
	prefault_join(r);
	if (r->canvas)
		SDL_DestroyTexture(r->canvas);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	wlshm_free(r->wl);
	r->wl = NULL;
	SDL_FreeSurface(r->fb);
	r->fb = NULL;
	wlwin_free(r->ww);
	r->ww = NULL;
	if (r->win)
		SDL_DestroyWindow(r->win);
	if (r->win || r->ren)
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
	r->canvas = NULL;
	r->ren = NULL;
	r->win = NULL;
}

/*
 * Full screen on Wayland with the software renderer: a window of our own
 * (wlwin.h; no SDL video, so no EGL), the renderer drawing into r->fb,
 * shown through wl_shm buffers. false with why (size n), nothing left
 * open.
 */
static bool open_wlwin(struct render *r, char *why, size_t n)
{
	char e[RENDER_DESCRIBE_MAX] = "";

	r->ww = wlwin_open("CA kiosk", e, sizeof(e));
	if (!r->ww) {
		snprintf(why, n, "%s", e);
		return false;
	}
	r->wl = wlshm_open(wlwin_display(r->ww), wlwin_surface(r->ww), r->pw, r->ph, e,
			   sizeof(e));
	if (r->wl)
		(void)wl_frame(r, e, sizeof(e));
	if (!r->ren) {
		snprintf(why, n, "%s", e);
		close_display(r);
		return false;
	}
	snprintf(r->st.video, sizeof(r->st.video), "wayland");
	return true;
}

/*
 * Open the window and renderer on video driver drv (NULL: SDL's choice,
 * i.e. SDL_VIDEODRIVER). false with the reason in why (size n), SDL's
 * video stopped again.
 */
static bool try_path(struct render *r, const struct render_opts *o, const char *drv,
		     char *why, size_t n)
{
	static const enum render_renderer order[] = {
		RENDER_RENDERER_SOFTWARE, RENDER_RENDERER_OPENGLES2, RENDER_RENDERER_OPENGL,
	};
	Uint32 wflags = SDL_WINDOW_SHOWN;
	SDL_Rect bounds = { 0, 0, 0, 0 };
	int wx = (int)SDL_WINDOWPOS_CENTERED, wy = (int)SDL_WINDOWPOS_CENTERED;
	int ww = r->pw, wh = r->ph, pct = o->window_pct > 0 ? o->window_pct : 50;
	enum render_renderer want = o->mode == RENDER_HEADLESS ? RENDER_RENDERER_SOFTWARE :
				    o->renderer;
	const char *cur;
	char tried[RENDER_DESCRIBE_MAX] = "";
	size_t i;

	if (drv && !strcmp(drv, "kmsdrm") && kmsdrm_problem(why, n))
		return false;
	if (drv && !strcmp(drv, "wayland") && !getenv("WAYLAND_DISPLAY") &&
	    !getenv("XDG_RUNTIME_DIR")) {
		/* No socket to look for (libwayland would only print so). */
		snprintf(why, n, "no Wayland compositor to connect to (WAYLAND_DISPLAY and "
			 "XDG_RUNTIME_DIR unset)");
		return false;
	}
	if (drv && !strcmp(drv, "wayland") && o->mode == RENDER_FULLSCREEN &&
	    (want == RENDER_RENDERER_AUTO || want == RENDER_RENDERER_SOFTWARE))
		return open_wlwin(r, why, n);
	if (drv && !strcmp(drv, "wayland") && !wlshm_has_seat(why, n))
		return false;
	if (drv)
		SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, drv, SDL_HINT_OVERRIDE);
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		if (drv && !strcmp(drv, "wayland"))
			snprintf(why, n, "no Wayland compositor to connect to (WAYLAND_DISPLAY %s%s)",
				 getenv("WAYLAND_DISPLAY") ? "is " : "unset",
				 getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "");
		else if (drv && !strcmp(drv, "x11"))
			snprintf(why, n, "no X server to connect to (DISPLAY %s%s)",
				 getenv("DISPLAY") ? "is " : "unset",
				 getenv("DISPLAY") ? getenv("DISPLAY") : "");
		else
			snprintf(why, n, "%s", SDL_GetError());
		return false;
	}
	cur = SDL_GetCurrentVideoDriver();
	if (o->mode == RENDER_FULLSCREEN && cur && !strcmp(cur, "x11") &&
	    SDL_GetDisplayBounds(0, &bounds) == 0) {
		/* A borderless window over the whole screen: SDL's fullscreen
		 * request on X11 waits about 100 ms for a window manager to
		 * answer, and a kiosk's X server has none. */
		wflags |= SDL_WINDOW_BORDERLESS;
		ww = bounds.w;
		wh = bounds.h;
	} else if (o->mode == RENDER_FULLSCREEN) {
		wflags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	} else if (o->mode == RENDER_WINDOW) {
		ww = o->win_w > 0 && o->win_h > 0 ? o->win_w : r->pw * pct / 100;
		wh = o->win_w > 0 && o->win_h > 0 ? o->win_h : r->ph * pct / 100;
		wflags |= SDL_WINDOW_ALLOW_HIGHDPI;
	}
	if (wflags & SDL_WINDOW_BORDERLESS) {
		wx = bounds.x;
		wy = bounds.y;
	}
	r->win = SDL_CreateWindow("CA kiosk", wx, wy, ww, wh, wflags);
	if (!r->win) {
		snprintf(why, n, "no window: %s", SDL_GetError());
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return false;
	}
	if (cur && !strcmp(cur, "wayland") && (want == RENDER_RENDERER_AUTO ||
						want == RENDER_RENDERER_SOFTWARE))
		open_wl_software(r, tried, sizeof(tried));
	/* A deliberate choice is tried alone; AUTO goes down the list. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && !r->ren; i++) {
		char one[RENDER_DESCRIBE_MAX];

		if (want != RENDER_RENDERER_AUTO && order[i] != want)
			continue;
		if (!open_renderer(r, order[i], cur ? cur : "", one, sizeof(one)))
			appendf(tried, sizeof(tried), "%s%s", tried[0] ? "; " : "", one);
	}
	if (!r->ren) {
		snprintf(why, n, "no renderer: %s", tried);
		close_display(r);
		return false;
	}
	snprintf(r->st.video, sizeof(r->st.video), "%s", cur ? cur : "?");
	if (tried[0])
		appendf(r->how, sizeof(r->how), "(renderers that failed: %s) ", tried);
	return true;
}

/*
 * Open the window and renderer on the first display path that works
 * (see enum render_driver), then the canvas of a rotation. false with
 * every path tried and why it failed in err (size errlen).
 */
static bool open_display(struct render *r, const struct render_opts *o, char *err, size_t errlen)
{
	static const enum render_driver order[] = {
		RENDER_DRIVER_WAYLAND, RENDER_DRIVER_X11, RENDER_DRIVER_KMSDRM,
	};
	const char *env = getenv("SDL_VIDEODRIVER");
	char tried[RENDER_DESCRIBE_MAX] = "", why[RENDER_DESCRIBE_MAX], fails[RENDER_DESCRIBE_MAX];
	SDL_RendererInfo info;
	bool ok = false;
	size_t i;

	fails[0] = '\0';
	/* On Wayland, no libdecor: a full-screen kiosk draws no window
	 * decorations, and under cage (which offers server-side ones) SDL
	 * 2.26 with libdecor destroyed its new toplevel again and never made
	 * another, so nothing of the kiosk was shown (docs/bench-kiosk.md). */
	SDL_SetHint(SDL_HINT_VIDEO_WAYLAND_ALLOW_LIBDECOR, "0");
	if (o->mode == RENDER_HEADLESS || (o->driver == RENDER_DRIVER_AUTO && env && *env)) {
		/* Headless (offscreen), or the environment's choice. */
		snprintf(tried, sizeof(tried), "%s", env && *env ? env : "offscreen");
		ok = try_path(r, o, tried, why, sizeof(why));
		if (!ok)
			appendf(fails, sizeof(fails), "%s (SDL_VIDEODRIVER): %s", tried, why);
	} else {
		for (i = 0; i < sizeof(order) / sizeof(order[0]) && !ok; i++) {
			const char *name = driver_names[order[i]];

			if (o->driver != RENDER_DRIVER_AUTO && o->driver != order[i])
				continue;
			appendf(tried, sizeof(tried), "%s%s", tried[0] ? ", " : "", name);
			ok = try_path(r, o, name, why, sizeof(why));
			if (!ok)
				appendf(fails, sizeof(fails), "%s%s: %s", fails[0] ? "; " : "",
					name, why);
		}
	}
	if (!ok) {
		if (err && errlen) {
			err[0] = '\0';
			appendf(err, errlen, "no display path works (tried %s): %s", tried, fails);
		}
		return false;
	}
	/* The UI works in logical px whatever the window or panel is. */
	SDL_RenderSetLogicalSize(r->ren, r->pw, r->ph);
	if (SDL_GetRendererInfo(r->ren, &info) == 0)
		snprintf(r->st.driver, sizeof(r->st.driver), "%s", info.name);
	/* SDL's software renderer draws into the window surface, which keeps
	 * the last frame: a frame may repaint only what changed. Accelerated
	 * renderers swap buffers whose content is undefined after a present. */
	r->partial_ok = !strcmp(r->st.driver, "software") && !o->full_frames;
	if (r->rotate) {
		r->canvas = SDL_CreateTexture(r->ren, SDL_PIXELFORMAT_ARGB8888,
					      SDL_TEXTUREACCESS_TARGET, r->w, r->h);
		if (!r->canvas) {
			if (err && errlen)
				snprintf(err, errlen, "rotate %d: no %dx%d canvas: %s", r->rotate,
					 r->w, r->h, SDL_GetError());
			close_display(r);
			return false;
		}
		SDL_SetTextureBlendMode(r->canvas, SDL_BLENDMODE_NONE);
		SDL_SetTextureScaleMode(r->canvas, SDL_ScaleModeNearest);
	}
	r->direct = direct_ok(r);
	if (o->mode == RENDER_FULLSCREEN)
		SDL_ShowCursor(SDL_DISABLE);
	/* How render_wait sleeps: drivers with a native wait use it; the
	 * offscreen and dummy drivers have no input to wait for; the rest
	 * (KMSDRM on a kiosk) watch the kernel's input devices. */
	if (r->ww)
		r->wait_how = WAIT_WLWIN;
	else if (!strcmp(r->st.video, "x11") || !strcmp(r->st.video, "wayland") ||
	    !strcmp(r->st.video, "windows") || !strcmp(r->st.video, "cocoa"))
		r->wait_how = WAIT_NATIVE;
	else if (!strcmp(r->st.video, "offscreen") || !strcmp(r->st.video, "dummy"))
		r->wait_how = WAIT_NO_INPUT;
	else
		r->wait_how = WAIT_POLL_INPUT;
	describe(r, &info, tried);
	return true;
}

/* Fill r->how (after what try_path put there) for render_describe. */
static void describe(struct render *r, const SDL_RendererInfo *info, const char *tried)
{
	char fails[RENDER_DESCRIBE_MAX];
	int ow = 0, oh = 0;
	const char *fb = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);

	snprintf(fails, sizeof(fails), "%s", r->how);
	SDL_GetRendererOutputSize(r->ren, &ow, &oh);
	r->how[0] = '\0';
	appendf(r->how, sizeof(r->how), "path %s (tried %s), renderer %s %s(flags:%s%s%s%s)",
		 r->st.video, tried, r->st.driver, fails,
		 info->flags & SDL_RENDERER_SOFTWARE ? " software" : "",
		 info->flags & SDL_RENDERER_ACCELERATED ? " accelerated" : "",
		 info->flags & SDL_RENDERER_PRESENTVSYNC ? " vsync" : "",
		 info->flags & SDL_RENDERER_TARGETTEXTURE ? " target-texture" : "");
	if (r->wl)
		appendf(r->how, sizeof(r->how), ", %swindow pixels in wl_shm buffers (no OpenGL)",
			r->ww ? "a window of its own (xdg-shell), " : "");
	else if (!strcmp(r->st.driver, "software"))
		appendf(r->how, sizeof(r->how), ", window pixels %s",
			fb && !strcmp(fb, "0") ? "native (no OpenGL)" : "through an OpenGL ES 2 texture");
	appendf(r->how, sizeof(r->how), ", partial repaint %s, text %s, output %dx%d, UI %dx%d "
		"rotate %d", r->partial_ok ? "on" : "off",
		r->direct ? "A8 (blended into the frame)" : "textures", ow, oh, r->w, r->h, r->rotate);
}

void render_describe(const struct render *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s", r->how);
}

ca_err render_open(struct render **out, const struct render_opts *o, char *err, size_t errlen)
{
	struct render *r;
	ca_err r_ret = CA_ERR_IO;
	int i;
	const char *fr = o->font_regular ? o->font_regular : RENDER_FONT_REGULAR;
	const char *fb = o->font_bold ? o->font_bold : RENDER_FONT_BOLD;
	struct fonts_job fj = { 0 };
	SDL_Thread *fonts_tid;
	bool shown;

	*out = NULL;
	if (o->w <= 0 || o->h <= 0 ||
	    (o->rotate != 0 && o->rotate != 90 && o->rotate != 180 && o->rotate != 270)) {
		if (err && errlen)
			snprintf(err, errlen, "bad screen %dx%d or rotation %d", o->w, o->h, o->rotate);
		return CA_ERR_ARG;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return CA_ERR_NOMEM;
	r->w = o->w;
	r->h = o->h;
	r->mode = o->mode;
	r->rotate = o->rotate;
	r->pw = o->rotate % 180 ? o->h : o->w;
	r->ph = o->rotate % 180 ? o->w : o->h;
	r->font_index = o->font_index >= 0 ? o->font_index : RENDER_FONT_INDEX;
	snprintf(r->font_path[DRAW_FONT_REGULAR], sizeof(r->font_path[0]), "%s", fr);
	snprintf(r->font_path[DRAW_FONT_BOLD], sizeof(r->font_path[0]), "%s", fb);
	r->tc_max = o->text_cache_max > 0 ? o->text_cache_max : 512;
	r->tc_px_max = o->text_cache_px > 0 ? o->text_cache_px : (size_t)4 << 20;
	r->tc = calloc((size_t)r->tc_max, sizeof(*r->tc));
	r->mc = calloc(MC_SLOTS, sizeof(*r->mc));
	r->prev = calloc(DRAW_CMDS_MAX, sizeof(*r->prev));
	r->cur = calloc(DRAW_CMDS_MAX, sizeof(*r->cur));
	if (!r->tc || !r->mc || !r->prev || !r->cur) {
		r_ret = CA_ERR_NOMEM;
		goto fail_mem;
	}
	tc_init(r);

	if (o->mode == RENDER_HEADLESS)
		setenv("SDL_VIDEODRIVER", "offscreen", 0);
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
	if (SDL_Init(SDL_INIT_EVENTS) != 0) {
		errf(err, errlen, "SDL_Init");
		goto fail_mem;
	}
	if (TTF_Init() != 0) {
		errf(err, errlen, "TTF_Init");
		goto fail_sdl;
	}
	/* On X11, SDL opens an X input method for keyboard text, which makes
	 * libX11 parse the locale's Compose table (5,700 lines, twice:
	 * some 5 ms before the first frame). The kiosk types with its own
	 * keyboard and pinyin engine, so an empty table will do; a table
	 * named in the environment (a development desktop) is kept. Set
	 * before the fonts thread starts: setenv beside a reading thread is
	 * not safe. */
	setenv("XCOMPOSEFILE", "/dev/null", 0);
	fj.r = r;
	fonts_tid = SDL_CreateThread(fonts_job, "fonts", &fj);
	if (!fonts_tid)
		fonts_job(&fj);
	shown = open_display(r, o, err, errlen);
	if (fonts_tid)
		SDL_WaitThread(fonts_tid, NULL);
	if (!shown)
		goto fail_fonts;
	wake_init();
	/* Fail now, with the path, when a font cannot be opened. */
	if (!fj.ok) {
		if (err && errlen)
			snprintf(err, errlen, "%s", fj.err);
		close_display(r);
		goto fail_fonts;
	}
	prefault_start(r);
	*out = r;
	return CA_OK;

fail_fonts:
	for (i = 0; i < DRAW_FONT__N; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	TTF_Quit();
fail_sdl:
	SDL_Quit();
fail_mem:
	free(r->tc);
	free(r->mc);
	free(r->prev);
	free(r->cur);
	free(r);
	return r_ret;
}

void render_forget(struct render *r)
{
	if (!r)
		return;
	tc_release(r); /* entries zeroed (tc_drop), keys zeroed as freed (zfree.c) */
	if (r->mc)
		explicit_bzero(r->mc, sizeof(*r->mc) * MC_SLOTS);
	shape_release(r, false); /* the QR bitmaps */
	if (r->prev)
		explicit_bzero(r->prev, sizeof(*r->prev) * DRAW_CMDS_MAX);
	if (r->cur)
		explicit_bzero(r->cur, sizeof(*r->cur) * DRAW_CMDS_MAX);
	r->prev_valid = false;
	r->prev_n = 0;
}

void render_free(struct render *r)
{
	int i;

	if (!r)
		return;
	input_close(r);
	/* wake_fd stays open: a worker may still call render_wake(), and a
	 * closed number could by then name another file. */
	tc_release(r);
	shape_release(r, true);
	for (i = 0; i < DRAW_FONT__N; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	close_display(r);
	TTF_Quit();
	SDL_Quit();
	free(r->tc);
	free(r->mc);
	free(r->prev);
	free(r->cur);
	free(r);
}

void render_get_stats(const struct render *r, struct render_stats *s)
{
	struct wlshm_stats w;

	*s = r->st;
	if (r->wl) {
		wlshm_get_stats(r->wl, &w);
		s->wl_reused = w.reused;
		s->wl_switched = w.switched;
		s->wl_copied_px = w.copied_px;
		s->wl_trims = w.trims;
	}
}

const char *render_video_driver(void)
{
	const char *d = SDL_GetCurrentVideoDriver();

	return d ? d : "none";
}

int64_t render_ticks_ms(void)
{
	return (int64_t)SDL_GetTicks64();
}
