/*
 * xobserve.c - an outside observer of a program's first complete frame on
 * an X server (`make bench-kiosk`, docs/bench-kiosk.md).
 *
 *   xobserve [--settle MS] [--timeout MS] [--interval MS] [--png FILE]
 *            [--keep] -- PROGRAM [ARG...]
 *   xobserve --snap FILE      the screen now, as a PNG (to look at)
 *
 * It connects to $DISPLAY, then spawns PROGRAM (in a session of its own)
 * and reads the root window over and over (XShmGetImage into shared
 * memory, a few ms for 1080x1920; XGetImage where MIT-SHM is missing),
 * keeping the
 * time and a hash of each picture. Once the picture has not changed for
 * --settle ms (default 1500) after it first differed from the screen
 * before the spawn, that picture is the settled screen, and the first
 * complete frame is the first read that already showed it. The time
 * printed is from just before the spawn to the end of that read (so it
 * includes one read, about the interval, at most).
 *
 * A read takes a few ms and the reads are --interval apart, so the read
 * that first shows the settled screen may end up to about 13 ms after the
 * screen got there. A second connection therefore listens for DAMAGE
 * events on the root window (every drawing the X server does, with the
 * time it reached us, on a thread of its own so that nothing delays the
 * time stamp). The first complete frame is the last drawing that reached
 * us before that read ended: the drawing that completed the picture, or,
 * when a program drew the same pixels again meanwhile, later (the figure
 * can only err late, never early). Without DAMAGE, or when the drawings
 * seen cannot explain the change (none after the read before began), the
 * read's end.
 *
 * Whatever draws on the X server counts: an X client (the kiosk on X11,
 * Chromium), or a nested Wayland compositor's window showing its client.
 *
 * Prints one line, "first_frame_ms=N read_end_ms=E damage=D reads=R
 * read_ms=M sid=S" (N from DAMAGE when D is 1, else N = E), and with
 * --png writes the settled screen there. Without --keep the program's
 * session gets SIGTERM at the end; with it, the program is left running
 * (its session id is printed: the caller measures and stops it).
 * Exit status 0, 1 when the screen never settled within --timeout ms
 * (default 20000) or the program died first, 2 on bad usage. --interval
 * (default 10 ms) is the least pause between reads: each read keeps the X
 * server busy copying the screen, which would slow what is observed. With
 * DAMAGE, reads follow drawings (and at least every 100 ms otherwise), so
 * a program that is not drawing yet is not slowed at all.
 */
#include <errno.h>
#include <png.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>

/* Reads kept (at the interval, 20 s of 2 ms reads fits). */
#define READS_MAX 20000

/* One read of the root window. */
struct sample {
	int64_t t0_us;  /* start of the read, from the spawn */
	int64_t t_us;   /* end of the read, from the spawn */
	uint64_t hash;  /* of its pixels */
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* FNV-1a over the image's rows (the padding at a row's end skipped). */
static uint64_t image_hash(const XImage *im)
{
	uint64_t h = 1469598103934665603ull;
	int y, rowbytes = im->width * im->bits_per_pixel / 8;

	for (y = 0; y < im->height; y++) {
		const uint64_t *p = (const uint64_t *)(const void *)(im->data + (size_t)y *
								    (size_t)im->bytes_per_line);
		int i, n = rowbytes / 8;

		for (i = 0; i < n; i++) {
			h ^= p[i];
			h *= 1099511628211ull;
		}
	}
	return h;
}

/* Write a 32-bit ZPixmap image as an RGB PNG; false on failure. */
static bool save_png(const XImage *im, const char *path)
{
	FILE *f = fopen(path, "wb");
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile row = NULL;
	bool ok = false;
	int x, y;

	if (!f || !png || !info || im->bits_per_pixel != 32)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	row = malloc((size_t)im->width * 3);
	if (!row)
		goto out;
	png_init_io(png, f);
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, (png_uint_32)im->width, (png_uint_32)im->height, 8,
		     PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < im->height; y++) {
		for (x = 0; x < im->width; x++) {
			unsigned long px = XGetPixel((XImage *)im, x, y);

			row[3 * x] = (uint8_t)((px & im->red_mask) >> 16);
			row[3 * x + 1] = (uint8_t)((px & im->green_mask) >> 8);
			row[3 * x + 2] = (uint8_t)(px & im->blue_mask);
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	free(row);
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

/* Drawings seen (DAMAGE events kept; later ones counted only). */
#define DAMAGE_MAX 200000

/* The DAMAGE listener: its own connection and thread. */
struct listener {
	Display *dpy;             /* owned */
	int ev_base;              /* DAMAGE's first event code */
	int64_t t0;               /* the spawn's time (now_us), set before start */
	int64_t *t_us;            /* arrival times from t0 (DAMAGE_MAX) */
	atomic_int n;             /* kept */
	atomic_bool stop;
	int efd;                  /* eventfd: readable after new drawings */
	pthread_t thread;
	bool running;
};

static void *listen_main(void *arg)
{
	struct listener *l = arg;
	struct pollfd p = { .fd = ConnectionNumber(l->dpy), .events = POLLIN };
	XEvent ev;

	while (!atomic_load(&l->stop)) {
		while (XPending(l->dpy)) {
			int64_t t = now_us() - l->t0;
			int k;

			XNextEvent(l->dpy, &ev);
			if (ev.type != l->ev_base + XDamageNotify)
				continue;
			k = atomic_load(&l->n);
			if (k < DAMAGE_MAX) {
				l->t_us[k] = t;
				atomic_store(&l->n, k + 1);
			}
			if (write(l->efd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0) {
				/* EAGAIN: already readable */
			}
		}
		(void)poll(&p, 1, 50);
	}
	return NULL;
}

/* Start listening for drawing on the root window; false without DAMAGE. */
static bool listener_start(struct listener *l, int64_t t0)
{
	int err_base;
	Damage d;

	memset(l, 0, sizeof(*l));
	l->dpy = XOpenDisplay(NULL);
	if (!l->dpy)
		return false;
	l->t_us = calloc(DAMAGE_MAX, sizeof(*l->t_us));
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!l->t_us || l->efd < 0 || !XDamageQueryExtension(l->dpy, &l->ev_base, &err_base)) {
		free(l->t_us);
		if (l->efd >= 0)
			close(l->efd);
		XCloseDisplay(l->dpy);
		return false;
	}
	/* Every rectangle drawn, as it is drawn: no subtracting needed. */
	d = XDamageCreate(l->dpy, DefaultRootWindow(l->dpy), XDamageReportRawRectangles);
	(void)d;
	XSync(l->dpy, False);
	l->t0 = t0;
	atomic_init(&l->n, 0);
	atomic_init(&l->stop, false);
	l->running = pthread_create(&l->thread, NULL, listen_main, l) == 0;
	if (!l->running) {
		free(l->t_us);
		close(l->efd);
		XCloseDisplay(l->dpy);
	}
	return l->running;
}

/*
 * Before the next read: at least min_ms after the last one, and then
 * until something was drawn after seen drawings (at once if it already
 * was), or max_ms. Reads only after drawings keep the X server free for
 * the program being started: a read copies the whole screen and holds
 * the server for some 3 ms, during which each of the program's round
 * trips (SDL's X11 set-up makes about 80) would wait.
 */
static void listener_wait(struct listener *l, int seen, long min_ms, long max_ms)
{
	struct pollfd p = { .fd = l->efd, .events = POLLIN };
	int64_t end = now_us() + max_ms * 1000;
	uint64_t v;

	if (min_ms > 0)
		usleep((useconds_t)min_ms * 1000);
	while (atomic_load(&l->n) == seen) {
		int64_t left = end - now_us();

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)((left + 999) / 1000)) > 0 &&
		    read(l->efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: taken meanwhile */
		}
	}
}

/* Stop the thread (its times stay readable until listener_free). */
static void listener_stop(struct listener *l)
{
	if (!l->running)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	XCloseDisplay(l->dpy);
	close(l->efd);
	l->running = false;
}

static void listener_free(struct listener *l)
{
	listener_stop(l);
	free(l->t_us);
	l->t_us = NULL;
}

/* The last drawing that reached us at or before t_us; -1: none. */
static int64_t listener_last_before(struct listener *l, int64_t t_us)
{
	int i, n = atomic_load(&l->n);
	int64_t best = -1;

	for (i = 0; i < n && l->t_us[i] <= t_us; i++)
		best = l->t_us[i];
	return best;
}

/* The root window's reader: a shared-memory image, or none (XGetImage). */
struct reader {
	Display *dpy;           /* borrowed */
	Window root;
	int w, h;
	XImage *shm_im;         /* owned; NULL: no MIT-SHM */
	XShmSegmentInfo shm;    /* its segment */
};

static void reader_init(struct reader *rd, Display *dpy)
{
	XWindowAttributes wa;
	int scr = DefaultScreen(dpy);

	memset(rd, 0, sizeof(*rd));
	rd->dpy = dpy;
	rd->root = DefaultRootWindow(dpy);
	XGetWindowAttributes(dpy, rd->root, &wa);
	rd->w = wa.width;
	rd->h = wa.height;
	if (!XShmQueryExtension(dpy))
		return;
	rd->shm_im = XShmCreateImage(dpy, DefaultVisual(dpy, scr), (unsigned)DefaultDepth(dpy, scr),
				     ZPixmap, NULL, &rd->shm, (unsigned)rd->w, (unsigned)rd->h);
	if (!rd->shm_im)
		return;
	rd->shm.shmid = shmget(IPC_PRIVATE, (size_t)rd->shm_im->bytes_per_line *
			       (size_t)rd->shm_im->height, IPC_CREAT | 0600);
	rd->shm.shmaddr = rd->shm.shmid >= 0 ? shmat(rd->shm.shmid, NULL, 0) : (char *)-1;
	if (rd->shm.shmaddr == (char *)-1) {
		XDestroyImage(rd->shm_im);
		rd->shm_im = NULL;
		return;
	}
	rd->shm_im->data = rd->shm.shmaddr;
	rd->shm.readOnly = False;
	XShmAttach(dpy, &rd->shm);
	XSync(dpy, False);
	shmctl(rd->shm.shmid, IPC_RMID, NULL); /* gone once both detach */
}

/* The screen now: the shared image (not to be destroyed) or a new one
 * (destroy it); NULL on failure. */
static XImage *reader_get(struct reader *rd)
{
	if (rd->shm_im)
		return XShmGetImage(rd->dpy, rd->root, rd->shm_im, 0, 0, AllPlanes) ? rd->shm_im : NULL;
	return XGetImage(rd->dpy, rd->root, 0, 0, (unsigned)rd->w, (unsigned)rd->h, AllPlanes, ZPixmap);
}

static void reader_put(struct reader *rd, XImage *im)
{
	if (im && im != rd->shm_im)
		XDestroyImage(im);
}

static void reader_release(struct reader *rd)
{
	if (!rd->shm_im)
		return;
	XShmDetach(rd->dpy, &rd->shm);
	XSync(rd->dpy, False);
	shmdt(rd->shm.shmaddr);
	rd->shm_im->data = NULL;
	XDestroyImage(rd->shm_im);
	rd->shm_im = NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: xobserve [--settle MS] [--timeout MS] [--interval MS] "
		"[--png FILE] [--keep] -- PROGRAM [ARG...]\n");
}

/* A whole number of ms in 0..600000 from s, or -1. */
static long ms_arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 600000)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	long settle = 1500, timeout = 20000, interval = 10;
	const char *png = NULL;
	bool keep = false;
	struct sample *s;
	struct reader rd;
	struct listener ls;
	bool damage;
	int64_t drawn = -1;
	Display *dpy;
	XImage *im;
	uint64_t before;
	int64_t t0, last_change;
	pid_t pid;
	int i, n = 0, status, ret = 1, first = -1;

	if (argc == 3 && !strcmp(argv[1], "--snap")) {
		dpy = XOpenDisplay(NULL);
		if (!dpy)
			return 1;
		reader_init(&rd, dpy);
		im = reader_get(&rd);
		ret = im && save_png(im, argv[2]) ? 0 : 1;
		reader_put(&rd, im);
		reader_release(&rd);
		XCloseDisplay(dpy);
		return ret;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (!strcmp(argv[i], "--keep")) {
			keep = true;
			continue;
		}
		if (i + 1 >= argc) {
			usage();
			return 2;
		}
		if (!strcmp(argv[i], "--settle"))
			settle = ms_arg(argv[++i]);
		else if (!strcmp(argv[i], "--timeout"))
			timeout = ms_arg(argv[++i]);
		else if (!strcmp(argv[i], "--interval"))
			interval = ms_arg(argv[++i]);
		else if (!strcmp(argv[i], "--png"))
			png = argv[++i];
		else {
			usage();
			return 2;
		}
		if (settle < 0 || timeout < 0 || interval < 0) {
			fprintf(stderr, "xobserve: %s: a whole number of ms, 0..600000\n", argv[i - 1]);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		usage();
		return 2;
	}
	dpy = XOpenDisplay(NULL);
	if (!dpy) {
		fprintf(stderr, "xobserve: cannot open display %s\n", XDisplayName(NULL));
		return 1;
	}
	reader_init(&rd, dpy);
	s = calloc(READS_MAX, sizeof(*s));
	im = reader_get(&rd);
	if (!s || !im) {
		fprintf(stderr, "xobserve: cannot read the root window\n");
		return 1;
	}
	before = image_hash(im);
	reader_put(&rd, im);

	t0 = now_us();
	damage = listener_start(&ls, t0);
	pid = fork();
	if (pid < 0) {
		perror("xobserve: fork");
		return 1;
	}
	if (pid == 0) {
		setsid();
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "xobserve: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(127);
	}
	last_change = 0;
	for (;;) {
		int64_t t, ts = now_us() - t0;
		int seen = damage ? atomic_load(&ls.n) : 0;

		im = reader_get(&rd);
		t = now_us() - t0;
		if (!im) {
			fprintf(stderr, "xobserve: XGetImage failed\n");
			break;
		}
		if (n < READS_MAX) {
			s[n].t0_us = ts;
			s[n].t_us = t;
			s[n].hash = image_hash(im);
			if (n == 0 ? s[n].hash != before : s[n].hash != s[n - 1].hash)
				last_change = t;
			n++;
		}
		/* Settled: changed from the start, then still for settle ms. */
		if (last_change > 0 && t - last_change >= settle * 1000) {
			uint64_t fin = s[n - 1].hash;

			for (first = 0; s[first].hash != fin; first++)
				;
			if (png && !save_png(im, png))
				fprintf(stderr, "xobserve: cannot write %s\n", png);
			reader_put(&rd, im);
			ret = 0;
			break;
		}
		reader_put(&rd, im);
		if (t > timeout * 1000 || n >= READS_MAX) {
			fprintf(stderr, "xobserve: the screen did not settle within %ld ms\n",
				timeout);
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "xobserve: %s ended (status %d) before its screen settled\n",
				argv[i + 1], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			pid = -1;
			break;
		}
		if (damage)
			listener_wait(&ls, seen, interval, 100);
		else if (interval > 0)
			usleep((useconds_t)interval * 1000);
	}
	if (damage) {
		listener_stop(&ls); /* the thread's writes are visible after the join */
		if (ret == 0)
			drawn = listener_last_before(&ls, s[first].t_us);
		/* The read before did not show the picture yet: its drawing
		 * came after that read began. A last drawing before then means
		 * drawings went unseen; the read's end is the figure then. */
		if (drawn >= 0 && first > 0 && drawn < s[first - 1].t0_us)
			drawn = -1;
	}
	if (ret == 0)
		printf("first_frame_ms=%.1f read_end_ms=%.1f damage=%d reads=%d read_ms=%.1f "
		       "sid=%d\n", (double)(drawn >= 0 ? drawn : s[first].t_us) / 1000.0,
		       (double)s[first].t_us / 1000.0, drawn >= 0, n,
		       n > 1 ? (double)(s[n - 1].t_us - s[0].t_us) / 1000.0 / (n - 1) : 0.0,
		       (int)pid);
	fflush(stdout);
	if (pid > 0 && (!keep || ret != 0)) {
		kill(-pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	if (damage)
		listener_free(&ls);
	reader_release(&rd);
	XCloseDisplay(dpy);
	free(s);
	return ret;
}
