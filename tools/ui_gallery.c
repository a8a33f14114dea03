/*
 * ui_gallery.c - the widget gallery and the UI benchmark.
 *
 *   ui-gallery [--out DIR]     one frame of each page (tools/ui_pages.c) in
 *                              portrait 1080x1920 and landscape 1920x1080,
 *                              headless, as DIR/ORIENTATION-NN-PAGE.png
 *                              (default out/gallery); prints the paths
 *   ui-gallery --bench [--frames N]
 *                              start to first frame (a fresh process, timed
 *                              from fork to its first presented frame) and
 *                              p50/p99 full-frame render time in SDL's
 *                              software renderer, per orientation
 *   ui-gallery --first-frame   (used by --bench) open, draw the form page,
 *                              write one byte to stdout, exit
 *
 * Time in the pages is a fixed virtual clock, so the PNGs are repeatable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ui/render.h"
#include "ui/ui.h"
#include "ui_pages.h"

/* The virtual time the pages are drawn at. */
#define GALLERY_NOW_MS 1000000

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run the page's frames until its layout is stable; true when it changed. */
static bool settle(struct ui *ui, struct ui_pages *p, int64_t now)
{
	bool dirty = false;
	int i;

	for (i = 0; i < 4; i++) {
		ui_begin(ui, now);
		ui_pages_draw(ui, p);
		dirty |= ui_end(ui);
		if (!ui_rerun(ui))
			break;
	}
	return dirty;
}

static int open_both(int w, int h, bool full_frames, struct render **r, struct ui **ui)
{
	struct render_opts o = { .w = w, .h = h, .mode = RENDER_HEADLESS, .font_index = -1,
				 .full_frames = full_frames };
	struct ui_metrics m;
	char err[512] = "";

	if (render_open(r, &o, err, sizeof(err)) != CA_OK) {
		fprintf(stderr, "ui-gallery: %s\n", err);
		return -1;
	}
	m = render_metrics(*r);
	*ui = ui_new(w, h, &m);
	if (!*ui) {
		render_free(*r);
		fprintf(stderr, "ui-gallery: out of memory\n");
		return -1;
	}
	return 0;
}

static int gallery(const char *dir)
{
	static const struct { const char *name; int w, h; } orient[2] = {
		{ "portrait", 1080, 1920 },
		{ "landscape", 1920, 1080 },
	};
	int o, i, rc = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "ui-gallery: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (o = 0; o < 2; o++) {
		struct render *r;
		struct ui *ui;
		struct ui_pages p;

		if (open_both(orient[o].w, orient[o].h, false, &r, &ui))
			return 1;
		ui_pages_init(&p);
		for (i = 0; i < UI_PAGE__N; i++) {
			char path[1024];

			p.page = i;
			ui_set_focus(ui, i == UI_PAGE_FORM ? "company" : NULL);
			settle(ui, &p, GALLERY_NOW_MS);
			snprintf(path, sizeof(path), "%s/%s-%02d-%s.png", dir, orient[o].name, i + 1,
				 ui_pages_name(i));
			if (render_screenshot(r, ui_draw_list(ui), path) != CA_OK) {
				fprintf(stderr, "ui-gallery: cannot write %s\n", path);
				rc = 1;
			} else {
				printf("%s\n", path);
			}
			if (ui_draw_list(ui)->overflow || ui->widgets_dropped)
				fprintf(stderr, "ui-gallery: %s: %d commands, %d widgets dropped\n",
					path, ui_draw_list(ui)->overflow, ui->widgets_dropped);
		}
		ui_free(ui);
		render_free(r);
	}
	return rc;
}

/* --first-frame: the measured child. */
static int first_frame(void)
{
	struct render *r;
	struct ui *ui;
	struct ui_pages p;

	if (open_both(1080, 1920, false, &r, &ui))
		return 1;
	ui_pages_init(&p);
	settle(ui, &p, GALLERY_NOW_MS);
	render_frame(r, ui_draw_list(ui));
	if (write(1, "F", 1) != 1)
		return 1;
	ui_free(ui);
	render_free(r);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double q)
{
	int i = (int)(q * (n - 1) + 0.5);

	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Fork self with --first-frame; ms from fork to the byte it writes. */
static double time_first_frame(const char *self)
{
	int fd[2], status;
	pid_t pid;
	double t0;
	char c;

	if (pipe(fd) != 0)
		return -1;
	t0 = mono_ms();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(self, self, "--first-frame", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1) {
		close(fd[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	t0 = mono_ms() - t0;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return t0;
}

static int bench(const char *self, int frames)
{
	static const struct { const char *name; int w, h; } orient[2] = {
		{ "portrait 1080x1920", 1080, 1920 },
		{ "landscape 1920x1080", 1920, 1080 },
	};
	double starts[11], *rt = calloc((size_t)frames, sizeof(double));
	double *ut = calloc((size_t)frames, sizeof(double));
	int i, o, n = 0;

	if (!rt || !ut)
		return 1;
	for (i = 0; i < 11; i++) {
		double t = time_first_frame(self);

		if (t >= 0)
			starts[n++] = t;
	}
	if (n == 0) {
		fprintf(stderr, "ui-bench: the first-frame child failed\n");
		return 1;
	}
	qsort(starts, (size_t)n, sizeof(double), cmp_double);
	printf("ui: start to first frame (fork+exec, SDL, fonts, layout, software render)\n");
	printf("    median %.1f ms, min %.1f ms, max %.1f ms over %d runs\n",
	       pct(starts, n, 0.5), starts[0], starts[n - 1], n);

	for (o = 0; o < 2; o++) {
		struct render *r;
		struct ui *ui;
		struct ui_pages p;
		struct render_stats st;

		if (open_both(orient[o].w, orient[o].h, true, &r, &ui))
			return 1;
		ui_pages_init(&p);
		/* Every frame is a full repaint of a whole page; pages rotate and
		 * the countdown ticks, so each frame has new text to rasterise,
		 * as on the payment screen. */
		for (i = 0; i < frames; i++) {
			double t0, t1, t2;

			p.page = i % UI_PAGE__N;
			p.remaining_s = 300 - (i / UI_PAGE__N) % 301;
			t0 = mono_ms();
			settle(ui, &p, GALLERY_NOW_MS + i * 16);
			t1 = mono_ms();
			render_frame(r, ui_draw_list(ui));
			t2 = mono_ms();
			ut[i] = t1 - t0;
			rt[i] = t2 - t1;
		}
		render_get_stats(r, &st);
		{
			/* p50 per page: which screens cost what */
			double pg[UI_PAGE__N][64];
			int pn[UI_PAGE__N] = { 0 }, k;

			for (k = 0; k < frames; k++)
				if (pn[k % UI_PAGE__N] < 64)
					pg[k % UI_PAGE__N][pn[k % UI_PAGE__N]++] = rt[k];
			printf("    render p50 per page:");
			for (k = 0; k < UI_PAGE__N; k++) {
				qsort(pg[k], (size_t)pn[k], sizeof(double), cmp_double);
				printf(" %s %.1f", ui_pages_name(k), pct(pg[k], pn[k], 0.5));
			}
			printf(" ms\n");
		}
		qsort(rt, (size_t)frames, sizeof(double), cmp_double);
		qsort(ut, (size_t)frames, sizeof(double), cmp_double);
		printf("ui: %s, %d full frames, renderer %s\n", orient[o].name, frames, st.driver);
		printf("    render  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", pct(rt, frames, 0.5),
		       pct(rt, frames, 0.99), rt[frames - 1]);
		printf("    ui      p50 %.2f ms  p99 %.2f ms (widgets -> commands)\n",
		       pct(ut, frames, 0.5), pct(ut, frames, 0.99));
		printf("    text cache: %llu hits, %llu misses, %d entries, %.1f MiB\n",
		       (unsigned long long)st.text_hits, (unsigned long long)st.text_misses,
		       st.text_entries, (double)st.text_bytes / (1 << 20));
		ui_free(ui);
		render_free(r);

		/* The idle case: the payment page alone, the countdown ticking
		 * once a frame; only what changed is repainted. */
		if (open_both(orient[o].w, orient[o].h, false, &r, &ui))
			return 1;
		ui_pages_init(&p);
		p.page = UI_PAGE_PAY;
		for (i = 0; i < frames; i++) {
			double t0, t1;

			p.remaining_s = 300 - i % 301;
			settle(ui, &p, GALLERY_NOW_MS + i * 1000);
			t0 = mono_ms();
			render_frame(r, ui_draw_list(ui));
			t1 = mono_ms();
			rt[i] = t1 - t0;
		}
		render_get_stats(r, &st);
		qsort(rt, (size_t)frames, sizeof(double), cmp_double);
		printf("    countdown tick on the payment page, %d frames (%llu repainted in "
		       "part, %.0f px each on average)\n", frames,
		       (unsigned long long)st.partial_frames,
		       st.partial_frames ? (double)st.partial_px / (double)st.partial_frames : 0.0);
		printf("    render  p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", pct(rt, frames, 0.5),
		       pct(rt, frames, 0.99), rt[frames - 1]);
		ui_free(ui);
		render_free(r);
	}
	free(rt);
	free(ut);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "out/gallery";
	int frames = 600, i;
	enum { GALLERY, BENCH, FIRST } mode = GALLERY;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--bench"))
			mode = BENCH;
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--first-frame"))
			mode = FIRST;
		else {
			fprintf(stderr, "usage: ui-gallery [--out DIR] | --bench [--frames N]\n");
			return 2;
		}
	}
	if (frames < 10)
		frames = 10;
	if (mode == FIRST)
		return first_frame();
	if (mode == BENCH)
		return bench("/proc/self/exe", frames);
	if (mkdir("out", 0755) != 0 && errno != EEXIST && !strcmp(out, "out/gallery"))
		return 1;
	return gallery(out);
}
