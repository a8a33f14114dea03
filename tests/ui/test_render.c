/*
 * test_render.c - the renderer, headless on SDL's offscreen driver: a
 * gallery frame becomes a PNG of the screen's size; the second frame draws
 * its text from the cache; the QR in the PNG decodes (zbarimg) to what was
 * encoded; a frame that did not change is not painted again; a frame
 * repainted only where it changed equals the full repaint; a wait ends at
 * its timeout, or at once on render_wake from another thread; widths
 * measured through SDL_ttf make CJK wider than Latin; [screen] rotate
 * turns the UI onto the panel pixel for pixel; fingers reach the widget
 * under them through the letterbox and the rotation, and a lost finger
 * release never blocks later touches.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL_image.h>

#include "ui/render.h"
#include "ui/ui.h"
#include "../../tools/ui_pages.h"

static char dir[] = "/tmp/ca-test-render-XXXXXX";

/* Width and height from a PNG's IHDR chunk; false if not a PNG. */
static bool png_size(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n != sizeof(b) || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4))
		return false;
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
	return true;
}

static void frame(struct ui *ui, struct ui_pages *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		ui_begin(ui, 1000000);
		ui_pages_draw(ui, p);
		ui_end(ui);
		if (!ui_rerun(ui))
			break;
	}
}

/* Open a renderer with o and a UI of its size that measures through it. */
static void open_with_ui(const struct render_opts *o, struct render **r, struct ui **ui)
{
	struct ui_metrics m;
	char err[RENDER_DESCRIBE_MAX] = "";

	assert_int_equal(render_open(r, o, err, sizeof(err)), CA_OK);
	m = render_metrics(*r);
	*ui = ui_new(o->w, o->h, &m);
	assert_non_null(*ui);
}

/* The next frame of the pages p with s seconds left on the countdown,
 * painted as a partial repaint; the stats before it into *a, after into *b. */
static void tick(struct render *r, struct ui *ui, struct ui_pages *p, int s,
		 struct render_stats *a, struct render_stats *b)
{
	render_get_stats(r, a);
	p->remaining_s = s;
	frame(ui, p);
	assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	render_get_stats(r, b);
	assert_int_equal(b->partial_frames, a->partial_frames + 1);
}

static void run(int w, int h, int page, const char *name, bool decode_qr)
{
	struct render_opts o = { .w = w, .h = h, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render_stats a, b;
	struct render *r = NULL;
	struct ui *ui;
	struct ui_pages p;
	char path[256];
	unsigned pw, ph;

	open_with_ui(&o, &r, &ui);
	ui_pages_init(&p);
	p.page = page;
	frame(ui, &p);
	assert_int_equal(ui_draw_list(ui)->overflow, 0);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(render_screenshot(r, ui_draw_list(ui), path), CA_OK);
	assert_true(png_size(path, &pw, &ph));
	assert_int_equal(pw, (unsigned)w);
	assert_int_equal(ph, (unsigned)h);

	/* The same frame shown again: nothing changed, nothing painted. */
	render_get_stats(r, &a);
	assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	render_get_stats(r, &b);
	assert_int_equal(b.frames, a.frames);

	/* Painted whole again: every text from the cache. */
	assert_true(a.text_misses > 0);
	assert_int_equal(render_screenshot(r, ui_draw_list(ui), path), CA_OK);
	render_get_stats(r, &b);
	assert_int_equal(b.frames, a.frames + 1);
	assert_int_equal(b.text_misses, a.text_misses);
	assert_true(b.text_hits > a.text_hits);
	assert_true(b.text_entries > 0);

	if (decode_qr) {
		char cmd[512], got[512] = "";
		FILE *z;

		snprintf(cmd, sizeof(cmd), "/usr/bin/zbarimg --raw -q '%s' 2>/dev/null", path);
		z = popen(cmd, "r");
		assert_non_null(z);
		if (!fgets(got, sizeof(got), z))
			got[0] = '\0';
		pclose(z);
		got[strcspn(got, "\n")] = '\0';
		assert_string_equal(got, UI_PAGES_QR);
	}
	unlink(path);
	ui_free(ui);
	render_free(r);
}

/* Portrait form page: PNG of 1080x1920, cache hits on the second frame. */
static void test_form_portrait_png(void **ctx)
{
	(void)ctx;
	run(1080, 1920, UI_PAGE_FORM, "form.png", false);
}

/* Payment page in both orientations: the QR scans from the screenshot.
 * Without zbarimg (tools/install-deps installs it) the test is skipped,
 * and says so: it never passes without decoding. */
static void test_pay_qr_decodes(void **ctx)
{
	(void)ctx;
	if (access("/usr/bin/zbarimg", X_OK) != 0) {
		printf("    zbarimg missing (tools/install-deps installs it): skipped\n");
		skip();
	}
	run(1080, 1920, UI_PAGE_PAY, "pay-portrait.png", true);
	run(1920, 1080, UI_PAGE_PAY, "pay-landscape.png", true);
}

/* Pixels of PNG b (the UI) that differ from PNG a (the panel) where the
 * UI turned clockwise by rot degrees puts them (-1: a file could not be
 * read or the sizes do not fit). */
static long png_diff_rot(const char *a, const char *b, int rot)
{
	SDL_Surface *x = IMG_Load(a), *y = IMG_Load(b), *cx, *cy;
	long n = 0;
	int i, j, w, h;

	if (!x || !y || (rot % 180 ? x->w != y->h || x->h != y->w : x->w != y->w || x->h != y->h)) {
		SDL_FreeSurface(x);
		SDL_FreeSurface(y);
		return -1;
	}
	cx = SDL_ConvertSurfaceFormat(x, SDL_PIXELFORMAT_ARGB8888, 0);
	cy = SDL_ConvertSurfaceFormat(y, SDL_PIXELFORMAT_ARGB8888, 0);
	w = y->w;
	h = y->h;
	for (j = 0; cx && cy && j < h; j++)
		for (i = 0; i < w; i++) {
			int px = rot == 90 ? h - 1 - j : rot == 180 ? w - 1 - i : rot == 270 ? j : i;
			int py = rot == 90 ? i : rot == 180 ? h - 1 - j : rot == 270 ? w - 1 - i : j;

			n += ((uint32_t *)((uint8_t *)cx->pixels + py * cx->pitch))[px] !=
			     ((uint32_t *)((uint8_t *)cy->pixels + j * cy->pitch))[i];
		}
	if (!cx || !cy)
		n = -1;
	SDL_FreeSurface(cx);
	SDL_FreeSurface(cy);
	SDL_FreeSurface(x);
	SDL_FreeSurface(y);
	return n;
}

/* Pixels of two PNGs that differ (-1: a file could not be read or the
 * sizes differ). */
static long png_diff(const char *a, const char *b)
{
	return png_diff_rot(a, b, 0);
}

/*
 * The countdown ticking on the payment page: each second's frame is
 * repainted only around the ring and its digits, and what is on screen
 * then equals a full repaint of the same frame, pixel for pixel. A change
 * of page (another list) is painted whole.
 */
static void test_partial_repaint_equals_full(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render_stats a, b;
	struct render *r = NULL;
	struct ui *ui;
	struct ui_pages p;
	char shown[256], full[256];
	static const int ticks[] = { 299, 298, 297, 226, 225, 151, 150, 76, 75, 11, 10, 9 };
	int s, t;

	(void)ctx;
	open_with_ui(&o, &r, &ui);
	ui_pages_init(&p);
	p.page = UI_PAGE_PAY;
	p.remaining_s = 300;
	frame(ui, &p);
	assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	snprintf(shown, sizeof(shown), "%s/shown.png", dir);
	snprintf(full, sizeof(full), "%s/full.png", dir);
	/* Ticks with the arc's end near each quarter, and into the last 10 s
	 * (another colour): each compared with a full paint. */
	for (t = 0; t < (int)(sizeof(ticks) / sizeof(ticks[0])); t++) {
		s = ticks[t];
		tick(r, ui, &p, s, &a, &b);
		/* The ring and its digits: less than a tenth of the screen;
		 * a second after a tick, only the arc end's step and the
		 * digits, less than a 40th. */
		assert_true(b.partial_px - a.partial_px > 0);
		assert_true(b.partial_px - a.partial_px <
			    1080u * 1920u / (t > 0 && ticks[t - 1] == s + 1 && s != 299 ? 40 : 10));
		assert_int_equal(render_save_shown(r, shown), CA_OK);
		assert_int_equal(render_screenshot(r, ui_draw_list(ui), full), CA_OK);
		assert_int_equal(png_diff(shown, full), 0);
	}
	/* The arc's pixels were updated in place tick by tick: a fresh
	 * renderer, drawing the last tick from scratch, paints the same. */
	assert_int_equal(render_save_shown(r, shown), CA_OK);
	ui_free(ui);
	render_free(r);
	r = NULL;
	open_with_ui(&o, &r, &ui);
	frame(ui, &p);
	assert_int_equal(render_screenshot(r, ui_draw_list(ui), full), CA_OK);
	assert_int_equal(png_diff(shown, full), 0);

	/* Another page: painted whole, and again the same as a full paint. */
	render_get_stats(r, &a);
	p.page = UI_PAGE_FORM;
	frame(ui, &p);
	assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	render_get_stats(r, &b);
	assert_int_equal(b.partial_frames, a.partial_frames);
	assert_int_equal(b.frames, a.frames + 1);
	assert_int_equal(render_save_shown(r, shown), CA_OK);
	assert_int_equal(render_screenshot(r, ui_draw_list(ui), full), CA_OK);
	assert_int_equal(png_diff(shown, full), 0);
	unlink(shown);
	unlink(full);
	ui_free(ui);
	render_free(r);
}

/* With full_frames set, every frame is painted whole. */
static void test_full_frames_option(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1,
				 .full_frames = true };
	struct render_stats st;
	struct render *r = NULL;
	struct ui_metrics m;
	struct ui *ui;
	struct ui_pages p;
	char err[256] = "";
	int s;

	(void)ctx;
	assert_int_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	m = render_metrics(r);
	ui = ui_new(1080, 1920, &m);
	ui_pages_init(&p);
	p.page = UI_PAGE_PAY;
	for (s = 300; s > 295; s--) {
		p.remaining_s = s;
		frame(ui, &p);
		assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	}
	render_get_stats(r, &st);
	assert_int_equal(st.frames, 5);
	assert_int_equal(st.partial_frames, 0);
	ui_free(ui);
	render_free(r);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *wake_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	render_wake();
	return NULL;
}

/*
 * [screen] rotate: the panel shows the UI turned clockwise, pixel for
 * pixel (screenshots stay the UI, unturned); with the partial repaint
 * too, a countdown tick turned onto the panel equals the full frame.
 */
static void test_rotated_panel_is_the_ui_turned(void **ctx)
{
	static const int rots[] = { 90, 180, 270 };
	struct render_stats a, b;
	struct render *r = NULL;
	struct ui *ui;
	struct ui_pages p;
	char err[256] = "", shown[256], full[256];
	unsigned pw, ph;
	size_t k;
	int s;

	(void)ctx;
	snprintf(shown, sizeof(shown), "%s/rot-shown.png", dir);
	snprintf(full, sizeof(full), "%s/rot-full.png", dir);
	for (k = 0; k < sizeof(rots) / sizeof(rots[0]); k++) {
		struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS,
					 .font_index = -1, .rotate = rots[k] };

		open_with_ui(&o, &r, &ui);
		ui_pages_init(&p);
		p.page = UI_PAGE_FORM;
		frame(ui, &p);
		assert_int_equal(render_screenshot(r, ui_draw_list(ui), full), CA_OK);
		assert_true(png_size(full, &pw, &ph));
		assert_int_equal(pw, 1080);
		assert_int_equal(ph, 1920);
		assert_int_equal(render_save_shown(r, shown), CA_OK);
		assert_true(png_size(shown, &pw, &ph));
		assert_int_equal(pw, rots[k] == 180 ? 1080 : 1920);
		assert_int_equal(ph, rots[k] == 180 ? 1920 : 1080);
		assert_int_equal(png_diff_rot(shown, full, rots[k]), 0);
		assert_true(png_diff_rot(shown, full, (rots[k] + 180) % 360) > 0);

		/* The payment page, then its countdown ticking in part. */
		p.page = UI_PAGE_PAY;
		p.remaining_s = 300;
		frame(ui, &p);
		assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
		for (s = 299; s >= 296; s--) {
			tick(r, ui, &p, s, &a, &b);
			assert_int_equal(render_save_shown(r, shown), CA_OK);
			assert_int_equal(render_screenshot(r, ui_draw_list(ui), full), CA_OK);
			assert_int_equal(png_diff_rot(shown, full, rots[k]), 0);
		}
		ui_free(ui);
		render_free(r);
		r = NULL;
	}
	/* Not a right angle: refused. */
	{
		struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS,
					 .font_index = -1, .rotate = 45 };

		assert_int_equal(render_open(&r, &o, err, sizeof(err)), CA_ERR_ARG);
		assert_null(r);
		assert_non_null(strstr(err, "rotation 45"));
	}
	unlink(shown);
	unlink(full);
}

/* ---- touch ---- */

/* Four buttons in two rows; taps[i] counts button i's taps. */
static const char *const grid_names[4] = { "A", "B", "C", "D" };

static void grid_frame(struct ui *ui, int taps[4])
{
	int i, k;

	for (k = 0; k < 4; k++) {
		ui_begin(ui, 1000000);
		ui_screen_begin(ui, "touch", 0);
		for (i = 0; i < 4; i++) {
			if (i % 2 == 0)
				ui_row(ui, 2, NULL, 0);
			if (ui_button(ui, grid_names[i]))
				taps[i]++;
		}
		ui_end(ui);
		if (!ui_rerun(ui))
			break;
	}
}

/* Hand every queued event to the UI, a frame after each edge. */
static void grid_pump(struct render *r, struct ui *ui, int taps[4])
{
	int i;

	for (i = 0; i < 32 && render_wait(r, ui, 0); i++)
		grid_frame(ui, taps);
	grid_frame(ui, taps);
}

/*
 * Where UI point (x, y) is on a ww x wh window showing the w x h UI
 * turned clockwise by rot and letterboxed (scaled to fit, centred), as
 * SDL reports a finger: normalised to the window.
 */
static void ui_to_window(int w, int h, int rot, int ww, int wh, float x, float y, float *fx,
			 float *fy)
{
	float pw = (float)(rot % 180 ? h : w), ph = (float)(rot % 180 ? w : h), px, py, sc;

	px = rot == 90 ? (float)h - y : rot == 180 ? (float)w - x : rot == 270 ? y : x;
	py = rot == 90 ? x : rot == 180 ? (float)h - y : rot == 270 ? (float)w - x : y;
	sc = (float)ww / pw < (float)wh / ph ? (float)ww / pw : (float)wh / ph;
	*fx = (((float)ww - pw * sc) / 2.0f + px * sc) / (float)ww;
	*fy = (((float)wh - ph * sc) / 2.0f + py * sc) / (float)wh;
}

/* Queue a finger event at UI point (x, y) through the window of the case. */
static void finger(Uint32 type, SDL_FingerID id, int rot, int ww, int wh, float x, float y)
{
	SDL_Event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.tfinger.touchId = 1;
	e.tfinger.fingerId = id;
	ui_to_window(1080, 1920, rot, ww, wh, x, y, &e.tfinger.x, &e.tfinger.y);
	assert_int_equal(SDL_PushEvent(&e), 1);
}

/* The centre of grid button i in the last frame. */
static void grid_centre(struct ui *ui, int i, float *x, float *y)
{
	const struct ui_widget *w = ui_find_label(ui, grid_names[i]);

	assert_non_null(w);
	*x = (float)w->rect.x + (float)w->rect.w / 2.0f;
	*y = (float)w->rect.y + (float)w->rect.h / 2.0f;
}

/*
 * Fingers go through SDL's window-to-logical mapping (the letterbox of
 * SDL_RenderSetLogicalSize) and the rotation to the UI: a finger pushed
 * at a button's place on the window taps that button and no other, with
 * the window the panel's shape or another (bars left and right, or above
 * and below), at every rotation.
 */
static void test_touch_through_letterbox_and_rotation(void **ctx)
{
	static const struct { int rot, ww, wh; } cases[] = {
		{ 0, 1080, 1920 }, { 0, 1000, 1000 }, { 0, 900, 2000 },
		{ 90, 1920, 1080 }, { 90, 1000, 1000 }, { 180, 540, 960 },
		{ 270, 1920, 1080 }, { 270, 1600, 1200 },
	};
	size_t c;

	(void)ctx;
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_WINDOW,
					 .font_index = -1, .rotate = cases[c].rot,
					 .win_w = cases[c].ww, .win_h = cases[c].wh };
		struct render *r = NULL;
		struct ui *ui;
		int taps[4] = { 0 }, i, j;

		open_with_ui(&o, &r, &ui);
		grid_frame(ui, taps);
		for (i = 0; i < 4; i++) {
			float x, y;

			grid_centre(ui, i, &x, &y);
			finger(SDL_FINGERDOWN, 5, cases[c].rot, cases[c].ww, cases[c].wh, x, y);
			finger(SDL_FINGERUP, 5, cases[c].rot, cases[c].ww, cases[c].wh, x, y);
			grid_pump(r, ui, taps);
			for (j = 0; j < 4; j++)
				if (taps[j] != (j <= i))
					fail_msg("rotate %d, window %dx%d: button %s tapped %d times "
						 "after a finger on %s", cases[c].rot, cases[c].ww,
						 cases[c].wh, grid_names[j], taps[j], grid_names[i]);
		}
		ui_free(ui);
		render_free(r);
	}
	unsetenv("SDL_VIDEODRIVER");
}

/* Finger down_id down at (dx, dy), its release lost; then finger tap_id
 * down and up at (tx, ty), the events pumped after each step (unrotated
 * 1080x1920 panel). */
static void lost_then_tap(struct render *r, struct ui *ui, int taps[4], SDL_FingerID down_id,
			  float dx, float dy, SDL_FingerID tap_id, float tx, float ty)
{
	finger(SDL_FINGERDOWN, down_id, 0, 1080, 1920, dx, dy);
	grid_pump(r, ui, taps);
	finger(SDL_FINGERDOWN, tap_id, 0, 1080, 1920, tx, ty);
	finger(SDL_FINGERUP, tap_id, 0, 1080, 1920, tx, ty);
	grid_pump(r, ui, taps);
}

/*
 * A finger whose release was lost never blocks later touches: the next
 * finger down (another id, or the same id again) ends the old press with
 * no tap and is the pointer from then on; the lost finger's late release
 * taps nothing.
 */
static void test_lost_finger_up_never_blocks(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render *r = NULL;
	struct ui *ui;
	int taps[4] = { 0 };
	float ax, ay, bx, by;

	(void)ctx;
	open_with_ui(&o, &r, &ui);
	grid_frame(ui, taps);
	grid_centre(ui, 0, &ax, &ay);
	grid_centre(ui, 1, &bx, &by);

	/* Finger 1 on A, its release lost; finger 2 taps B. */
	lost_then_tap(r, ui, taps, 1, ax, ay, 2, bx, by);
	assert_int_equal(taps[0], 0);
	assert_int_equal(taps[1], 1);
	/* Finger 1's release, late: nothing. */
	finger(SDL_FINGERUP, 1, 0, 1080, 1920, ax, ay);
	grid_pump(r, ui, taps);
	assert_int_equal(taps[0], 0);
	assert_int_equal(taps[1], 1);

	/* The same id down again on B while its press on A is open. */
	lost_then_tap(r, ui, taps, 3, ax, ay, 3, bx, by);
	assert_int_equal(taps[0], 0);
	assert_int_equal(taps[1], 2);

	/* A press lost over A, then a new finger on A again: one tap. */
	lost_then_tap(r, ui, taps, 4, ax, ay, 6, ax, ay);
	assert_int_equal(taps[0], 1);
	assert_int_equal(taps[1], 2);
	ui_free(ui);
	render_free(r);
}

/*
 * render_wait sleeps until its timeout when nothing happens, and a
 * render_wake() from another thread (a worker with a result) ends the
 * sleep at once with RENDER_WAKE, long before the timeout.
 */
static void test_wait_timeout_and_wake(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render *r = NULL;
	struct ui *ui;
	pthread_t th;
	double t0, dt;
	int f;

	(void)ctx;
	open_with_ui(&o, &r, &ui);
	while (render_wait(r, ui, 0) != 0)
		; /* drain what opening the window queued */

	t0 = now_ms();
	f = render_wait(r, ui, 150);
	dt = now_ms() - t0;
	assert_int_equal(f, 0);
	assert_true(dt >= 140);

	assert_int_equal(pthread_create(&th, NULL, wake_later, NULL), 0);
	t0 = now_ms();
	f = render_wait(r, ui, 20000);
	dt = now_ms() - t0;
	pthread_join(th, NULL);
	assert_true(f & RENDER_WAKE);
	/* Woken by the eventfd: well before both the timeout and the 1 s
	 * backstop every sleep has (the wake comes after 100 ms). */
	assert_true(dt < 900);
	ui_free(ui);
	render_free(r);
}

/* Real metrics: a CJK character is about 1 em, a Latin letter about half. */
static void test_measure_with_the_real_font(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render *r = NULL;
	struct ui_metrics m;
	char err[256];
	int cjk, latin, lh;

	(void)ctx;
	assert_int_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	m = render_metrics(r);
	cjk = m.text_width(m.ctx, DRAW_FONT_REGULAR, 36, "江苏", 6);
	latin = m.text_width(m.ctx, DRAW_FONT_REGULAR, 36, "ab", 2);
	lh = m.line_height(m.ctx, DRAW_FONT_REGULAR, 36);
	assert_in_range(cjk, 68, 76);
	assert_in_range(latin, 30, 50);
	assert_in_range(lh, 40, 60);
	render_free(r);
}

/* A missing font file is an error that names the file, not a crash. */
static void test_missing_font_reported(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS,
				 .font_regular = "/nonexistent/font.ttc", .font_index = -1 };
	struct render *r = NULL;
	char err[256] = "";

	(void)ctx;
	assert_int_not_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	assert_null(r);
	assert_non_null(strstr(err, "/nonexistent/font.ttc"));
}

static int setup(void **ctx)
{
	(void)ctx;
	/* Headless: no display is needed (and none is used if present). */
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	setenv("SDL_AUDIODRIVER", "dummy", 1);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **ctx)
{
	(void)ctx;
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_portrait_png),
		cmocka_unit_test(test_pay_qr_decodes),
		cmocka_unit_test(test_measure_with_the_real_font),
		cmocka_unit_test(test_partial_repaint_equals_full),
		cmocka_unit_test(test_full_frames_option),
		cmocka_unit_test(test_rotated_panel_is_the_ui_turned),
		cmocka_unit_test(test_touch_through_letterbox_and_rotation),
		cmocka_unit_test(test_lost_finger_up_never_blocks),
		cmocka_unit_test(test_wait_timeout_and_wake),
		cmocka_unit_test(test_missing_font_reported),
	};

	return cmocka_run_group_tests_name("ui render", tests, setup, teardown);
}
