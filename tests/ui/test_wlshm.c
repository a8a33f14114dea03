/*
 * test_wlshm.c - the software frame in wl_shm buffers (src/ui/wlshm.c)
 * against a real compositor: run by tests/kiosk/test_wayland.sh under
 * weston, not on its own (it needs WAYLAND_DISPLAY and a wl_seat).
 *
 * Pins, over 300 frames of random rectangles (some frames whole, some with
 * more rectangles than the buffers remember, random pauses so that the
 * compositor releases a buffer sooner or later):
 *   - every buffer wlshm_begin hands out holds the newest frame shown,
 *     pixel for pixel, whether it is the one shown (released) or the other
 *     one, brought up to date from it;
 *   - both ways happened (a run that never switched buffers proves
 *     nothing);
 *   - wlshm_trim then gives the buffer not shown back (the memfd's resident
 *     size halves), and the frames after it are still right;
 * then writes the last frame as a PPM (argv[1]), says "shown" on stdout
 * and keeps the window until its stdin closes, so that the script can
 * compare what weston shows with it (the damage sent was enough).
 *
 * Exit 0 when it holds, 1 when not (what differed on stderr), 3 when the
 * window could not be opened.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "ui/wlshm.h"
#include "ui/wlwin.h"

#define W      1080
#define H      1920
#define FRAMES 300

static uint32_t rng = 12345u;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static void fill(uint8_t *px, struct draw_rect r, uint32_t argb)
{
	int x, y;

	for (y = r.y; y < r.y + r.h; y++)
		for (x = r.x; x < r.x + r.w; x++)
			memcpy(px + ((size_t)y * W + (size_t)x) * 4, &argb, 4);
}

/* A rectangle inside the frame, up to 400 x 300. */
static struct draw_rect some_rect(void)
{
	struct draw_rect r;

	r.w = 1 + (int)rnd(400);
	r.h = 1 + (int)rnd(300);
	r.x = (int)rnd(W - (uint32_t)r.w + 1);
	r.y = (int)rnd(H - (uint32_t)r.h + 1);
	return r;
}

/* The first pixel where a and b differ, as "x,y"; false when none. */
static bool first_diff(const uint8_t *a, const uint8_t *b, char *at, size_t n)
{
	size_t i;

	if (memcmp(a, b, (size_t)W * H * 4) == 0)
		return false;
	for (i = 0; i < (size_t)W * H && !memcmp(a + i * 4, b + i * 4, 4); i++)
		;
	snprintf(at, n, "%zu,%zu", i % W, i / W);
	return true;
}

static int write_ppm(const char *path, const uint8_t *px)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", W, H);
	for (i = 0; i < (size_t)W * H; i++) {
		uint32_t v;

		memcpy(&v, px + i * 4, 4);
		fputc((int)(v >> 16 & 255), f);
		fputc((int)(v >> 8 & 255), f);
		fputc((int)(v & 255), f);
	}
	return fclose(f);
}

/* Resident KiB of this process's mapping of the frames' memfd (-1: not
 * found). */
static long memfd_rss_kib(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kib = -1;
	bool in = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strstr(line, " /memfd:ca-kiosk-frame"))
			in = true;
		else if (in && strncmp(line, "Rss:", 4) == 0) {
			kib = atol(line + 4);
			break;
		}
	}
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	char why[256] = "", at[32];
	long rss_before, rss_after, begin_us[4];
	struct wlwin *ww;
	struct wlshm *o;
	struct wlshm_stats st;
	uint8_t *ref = calloc((size_t)W * H, 4);
	int f, i, bad = 0;

	if (argc != 2 || !ref) {
		fprintf(stderr, "usage: test_wlshm LAST.ppm (under a Wayland compositor)\n");
		return 3;
	}
	ww = wlwin_open("test_wlshm", why, sizeof(why));
	o = ww ? wlshm_open(wlwin_display(ww), wlwin_surface(ww), W, H, why, sizeof(why)) : NULL;
	if (!o) {
		fprintf(stderr, "test_wlshm: %s\n", why);
		return 3;
	}
	for (f = 0; f < FRAMES; f++) {
		struct draw_rect d[12];
		uint8_t *px;
		void *p;
		int nd;

		if (!wlshm_begin(o, &p)) {
			fprintf(stderr, "test_wlshm: frame %d: the connection failed\n", f);
			return 1;
		}
		px = p;
		if (f > 0 && first_diff(px, ref, at, sizeof(at))) {
			if (bad++ < 5)
				fprintf(stderr, "FAIL frame %d: the buffer handed out differs from "
					"the newest frame at %s\n", f, at);
		}
		if (f == 0 || rnd(12) == 0) {
			/* the whole frame */
			uint32_t c = 0xff000000u | rnd(0xffffff);

			d[0] = (struct draw_rect){ 0, 0, W, H };
			fill(px, d[0], c);
			fill(ref, d[0], c);
			nd = -1;
		} else {
			/* 1-3 rectangles, or now and then 9-12: more than the
			 * buffers remember of a frame. */
			nd = rnd(15) == 0 ? 9 + (int)rnd(4) : 1 + (int)rnd(3);
			for (i = 0; i < nd; i++) {
				uint32_t c = 0xff000000u | rnd(0xffffff);

				d[i] = some_rect();
				fill(px, d[i], c);
				fill(ref, d[i], c);
			}
		}
		if (!wlshm_end(o, d, nd)) {
			fprintf(stderr, "test_wlshm: frame %d: the connection failed\n", f);
			return 1;
		}
		(void)wlwin_pump(ww);
		if (rnd(4) == 0) /* now and then give weston time to release */
			usleep(1000 * (1 + rnd(30)));
	}
	/* Quiet now: the buffer not shown gives its pages back (the memfd's
	 * resident size halves), and the next frame painted there starts
	 * from the newest frame all the same. */
	rss_before = memfd_rss_kib();
	if (wlshm_trim(o) != 1) {
		fprintf(stderr, "FAIL wlshm_trim gave no buffer back\n");
		bad++;
	}
	rss_after = memfd_rss_kib();
	if (rss_after < 0 || rss_before < 0 || rss_after > rss_before / 2 + 8) {
		fprintf(stderr, "FAIL the frames' memfd: %ld KiB resident before the trim, %ld after\n",
			rss_before, rss_after);
		bad++;
	}
	if (wlshm_can_trim(o)) {
		fprintf(stderr, "FAIL wlshm_can_trim after a trim, with no frame since\n");
		bad++;
	}
	for (f = 0; f < 4; f++) {
		struct draw_rect d = some_rect();
		uint32_t c = 0xff000000u | rnd(0xffffff);
		int64_t t0 = ca_mono_us();
		void *p;

		if (!wlshm_begin(o, &p))
			return 1;
		begin_us[f] = (long)(ca_mono_us() - t0);
		if (first_diff(p, ref, at, sizeof(at))) {
			fprintf(stderr, "FAIL after the trim, frame %d: the buffer handed out differs "
				"from the newest frame at %s\n", f, at);
			bad++;
		}
		fill(p, d, c);
		fill(ref, d, c);
		if (!wlshm_end(o, &d, 1))
			return 1;
		(void)wlwin_pump(ww);
	}
	wlshm_get_stats(o, &st);
	printf("test_wlshm: trimmed: the frames' memfd %ld -> %ld KiB resident; the next "
	       "wlshm_begin calls took %ld, %ld, %ld, %ld us\n", rss_before, rss_after,
	       begin_us[0], begin_us[1], begin_us[2], begin_us[3]);
	printf("test_wlshm: %llu frames: %llu over the shown buffer, %llu in the other "
	       "(%llu of them copied whole), %llu px copied; %d wrong\n",
	       (unsigned long long)st.frames, (unsigned long long)st.reused,
	       (unsigned long long)st.switched, (unsigned long long)st.full_copies,
	       (unsigned long long)st.copied_px, bad);
	if (st.switched == 0 || st.switched == st.full_copies) {
		fprintf(stderr, "FAIL the buffers were never brought up to date by rectangles "
			"(switched %llu, whole %llu): nothing was tested\n",
			(unsigned long long)st.switched, (unsigned long long)st.full_copies);
		bad++;
	}
	if (write_ppm(argv[1], ref) != 0) {
		fprintf(stderr, "test_wlshm: cannot write %s\n", argv[1]);
		return 1;
	}
	printf("shown\n");
	fflush(stdout);
	while (getchar() != EOF) /* the script snaps the screen meanwhile */
		(void)wlwin_pump(ww);
	wlshm_free(o);
	wlwin_free(ww);
	free(ref);
	return bad ? 1 : 0;
}
