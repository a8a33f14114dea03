/*
 * render_int.h - what the pieces of the renderer share (private to
 * src/ui/render*.c; the public interface is render.h): struct render, the
 * cache entries it holds, and the functions one piece calls in another.
 *
 * The pieces: render.c (the frame: damage, layers, rotation, showing; start
 * there), render_text.c (fonts, measure cache, text cache, text blended
 * into the frame), render_shape.c (shape masks, arcs, lines, QR bitmaps),
 * render_mask.c (the coverage maths of the masks, no SDL),
 * render_damage.c (damage rectangles, no SDL), render_input.c (events,
 * touch/mouse/rotation mapping, the wait), render_open.c (display paths,
 * the window's life), render_shot.c (PNG screenshots).
 */
#ifndef CA_RENDER_INT_H
#define CA_RENDER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "render.h"
#include "render_damage.h"
#include "render_mask.h"
#include "wlshm.h"
#include "wlwin.h"

/* Input devices watched for wake-ups, and how often the set is re-read. */
#define INPUT_FDS_MAX   16
#define INPUT_RESCAN_MS 5000
/* Text cache hash buckets (power of two). */
#define TC_BUCKETS    1024
/* Measure cache slots (power of two). */
#define MC_SLOTS      4096
/* Bitmap (QR) textures kept. */
#define BM_MAX        4

/* One open face per font role, set to the size asked last. A face of the
 * CJK collection costs about 2 MiB (SDL_ttf reads FreeType's tables into
 * memory: metrics, cmap, CFF indexes), so one per size would cost a
 * dozen; changing its size costs a flush of SDL_ttf's glyph cache, and
 * the text and measure caches keep that off the common path. */
struct font_slot {
	TTF_Font *font;   /* owned; NULL until first used */
	int size;         /* px it is set to */
};

/* One cached text texture. */
struct tc_entry {
	uint64_t hash;        /* of the key */
	uint8_t font;         /* key: role */
	uint16_t size;        /* key: px */
	struct draw_color color; /* key: colour */
	char *text;           /* key: text (owned), NULL when the slot is free */
	size_t len;           /* its bytes */
	SDL_Texture *tex;     /* owned; NULL with alpha */
	uint8_t *alpha;       /* owned; r->direct: w x h coverage, blended by blend_text */
	int w, h;             /* size in px */
	size_t bytes;         /* w * h * 4, or w * h with alpha */
	int next;             /* bucket chain, -1 end */
	int prev_lru, next_lru; /* LRU list (head = most recent), -1 end */
};

/* One slot of the measure cache: a text's width. */
struct mc_slot {
	uint64_t hash;   /* of (font, size, text); 0 = empty */
	uint32_t len;    /* text bytes (a second check beside the hash) */
	int w;           /* width, px */
};

/* Shape masks kept. */
#define MASK_MAX      48

/* One cached texture, found by a hash of what it shows: a shape mask
 * (white, alpha = coverage) or a QR bitmap. */
struct tex_entry {
	uint64_t hash;        /* of the shape key or of modules and colours; 0 = empty */
	SDL_Texture *tex;     /* owned */
	uint64_t used;        /* when last used: mask_clock (masks), frame (bitmaps) */
};

/* Arcs with an end (sweep < 360) are kept apart from the mask cache: a
 * countdown's arc changes every second, and each step would otherwise be
 * a new mask of the whole ring. A slot holds one ring geometry and is
 * updated in place where the end moved (see arc_slot_draw). */
#define ARC_SLOTS 4

struct arc_slot {
	int d, th, caps;          /* geometry; d == 0: free */
	int start, sweep;         /* what its pixels show now */
	SDL_Texture *tex;         /* owned: white, alpha = coverage, (d+2)^2 */
	uint64_t used;            /* mask_clock when last used */
};

/* The renderer (render.h): its window and renderer, caches and damage
 * record. */
struct render {
	SDL_Window *win;          /* owned */
	SDL_Renderer *ren;        /* owned */
	int w, h;                 /* logical size */
	enum render_mode mode;    /* how it was opened */
	int rotate;               /* 0, 90, 180, 270: the UI turned clockwise onto the panel */
	int pw, ph;               /* the panel's logical size (w x h, or h x w turned) */
	SDL_Texture *canvas;      /* owned; rotate != 0: the UI is painted here (w x h) */
	SDL_Surface *fb;          /* owned; with wl: over the wl_shm buffer being painted */
	struct wlshm *wl;         /* owned; Wayland without OpenGL: fb paints its buffers */
	Uint64 wl_shown_ms;       /* with wl: when the last frame was committed */
	struct wlwin *ww;         /* owned; our own Wayland window (then win is NULL) */
	char how[RENDER_DESCRIBE_MAX]; /* render_describe's line */
	char font_path[DRAW_FONT__N][512]; /* per role */
	int font_index;           /* face in the collection */
	struct font_slot fonts[DRAW_FONT__N]; /* per role */

	struct tc_entry *tc;      /* text cache pool (tc_max entries) */
	int tc_max;               /* pool size */
	size_t tc_px_max;         /* pixel cap */
	int buckets[TC_BUCKETS];  /* heads of hash chains */
	int lru_head, lru_tail;   /* most / least recently used */
	int free_head;            /* free entries, chained by next */

	struct mc_slot *mc;       /* measure cache (MC_SLOTS) */
	struct tex_entry bm[BM_MAX]; /* bitmap textures */
	struct tex_entry masks[MASK_MAX]; /* shape masks */
	struct arc_slot arcs[ARC_SLOTS]; /* arcs with an end */
	uint64_t mask_clock;      /* LRU clock of masks */

	/* Damage tracking (see frame_damage): what the last frame drew, per
	 * command, so that the next one repaints only what changed. */
	bool partial_ok;          /* the renderer keeps the back buffer (software) */
	bool prev_valid;          /* prev_* describe what is on screen now */
	int prev_n;               /* commands of the last frame */
	struct cmd_seen *prev;    /* per command of the last frame (DRAW_CMDS_MAX) */
	struct cmd_seen *cur;     /* the same for the frame being drawn */
	bool damaged;             /* painting only r->damage (paint's clip) */
	struct draw_rect damage;  /* with damaged: the rectangle being repainted */
	struct draw_rect clip;    /* what set_clip_rect set (UI px); clip_on: it is set */
	bool clip_on;             /* clip is set */

	/* Text blended straight into the frame (blend_text): the software
	 * renderer drawing into a 32-bit frame of the panel's size, unturned
	 * and unscaled, whose pixels we can reach. */
	bool direct;

	/* How render_wait sleeps (see wait_event). */
	enum { WAIT_NATIVE, WAIT_POLL_INPUT, WAIT_NO_INPUT, WAIT_WLWIN } wait_how;
	int input_fd[INPUT_FDS_MAX]; /* our own read-only fds of /dev/input/event* */
	int n_input;              /* open */
	Uint64 input_scan_ms;     /* SDL ticks of the last scan of /dev/input */

	pthread_t prefault;       /* prefault_job, while prefaulting */
	void *prefault_p;         /* its range: page-aligned start ... */
	size_t prefault_n;        /* ... and whole pages */
	bool prefaulting;         /* prefault is to be joined */

	SDL_FingerID finger;      /* the finger acting as the pointer */
	bool finger_down;         /* one is */
	struct render_stats st;   /* counters */
};

/* ---- render_text.c ---- */

/* The font for role at size px, opening it on first use; NULL on failure. */
TTF_Font *font_get(struct render *r, int role, int size);
/* Set the text cache's empty lists (after its pool is allocated). */
void tc_init(struct render *r);
/* Drop every cached text (entries zeroed). */
void tc_release(struct render *r);
/* Paint a DRAW_TEXT command of dl. */
void draw_text_cmd(struct render *r, const struct draw_cmd *c, const struct draw_list *dl);
/* Whether blend_text may write into the frame: see r->direct. */
bool direct_ok(struct render *r);

/* ---- render_shape.c ---- */

/* Set the colour (and blend mode) of the fills that follow. */
void set_color(struct render *r, struct draw_color c);
/* Fill the rectangle with the colour set. */
void fill_rect(struct render *r, int x, int y, int w, int h);
/* Paint a DRAW_RRECT, DRAW_ARC, DRAW_LINE command. */
void draw_rrect(struct render *r, const struct draw_cmd *c);
void draw_arc(struct render *r, const struct draw_cmd *c);
void draw_line(struct render *r, const struct draw_cmd *c);
/* Paint a DRAW_BITMAP command of dl (frame: the LRU clock of bitmaps). */
void draw_bitmap(struct render *r, const struct draw_cmd *c, const struct draw_list *dl,
		 uint64_t frame);
/* Destroy the cached QR bitmaps (entries zeroed: they show what a person
 * paid for) and, with all, the shape masks and arc slots. */
void shape_release(struct render *r, bool all);

/* ---- render_input.c ---- */

/* Make the eventfd render_wake() signals (once a process). */
void wake_init(void);
/* Close the input devices watched for wake-ups. */
void input_close(struct render *r);

/* ---- render_shot.c ---- */

/* Save what the renderer holds now as a PNG (path.tmp, then renamed). */
ca_err save_png(struct render *r, const char *path);

#endif
