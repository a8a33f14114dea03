/*
 * draw.h - the draw-command list: what the UI layer (ui.c) produces and the
 * renderer (render*.c) executes. Nothing here knows SDL.
 *
 * A frame is a flat list of commands in painting order, split into layers
 * (0 the screen, 1 a modal dialog, 2 toasts): the renderer paints layer 0,
 * then 1, then 2, so a widget may be emitted in any order and still land
 * above the screen. Text and bitmaps live in pools inside the list, so the
 * list is one self-contained block without pointers (it can be hashed to
 * tell whether a frame changed, and copied).
 *
 * Coordinates are logical pixels of the screen (1080x1920 portrait or
 * 1920x1080 landscape); the renderer maps them to the window.
 */
#ifndef CA_DRAW_H
#define CA_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* Caps of one frame. */
#define DRAW_CMDS_MAX  4096          /* commands */
#define DRAW_TEXT_MAX  (64 * 1024)   /* bytes of NUL-terminated UTF-8 text */
#define DRAW_BITS_MAX  (72 * 1024)   /* bytes of bitmap modules (1 byte each) */
#define DRAW_LAYERS    3             /* 0 screen, 1 dialog, 2 toast */

/* Font roles: the renderer maps a role to a font file and face. */
enum draw_font {
	DRAW_FONT_REGULAR, /* body text, fields */
	DRAW_FONT_BOLD,    /* headings, buttons */
	DRAW_FONT__N
};

/* An sRGB colour with straight (not premultiplied) alpha. */
struct draw_color {
	uint8_t r, g, b, a;
};

/* An axis-aligned rectangle; w or h <= 0 is empty. */
struct draw_rect {
	int x, y, w, h;
};

enum draw_op {
	DRAW_RECT,   /* fill rect with color */
	DRAW_RRECT,  /* fill rect with corners of radius u.radius (anti-aliased) */
	DRAW_TEXT,   /* one line of text, top-left at rect.x/y, clipped to the clip */
	DRAW_BITMAP, /* 1-byte-per-module bitmap, each module scale x scale px */
	DRAW_ARC,    /* stroke of a circle arc centred in rect (diameter rect.w) */
	DRAW_LINE,   /* stroke from (rect.x, rect.y) to (rect.w, rect.h): end points,
	              * not a size; width u.arc.thickness, round ends */
	DRAW_CLIP,   /* set the clip rectangle for what follows in this layer */
};

/* One command. Text and bitmap payloads are offsets into the list's pools. */
struct draw_cmd {
	uint8_t op;              /* enum draw_op */
	uint8_t layer;           /* 0 .. DRAW_LAYERS-1 */
	struct draw_rect rect;   /* where (see the op) */
	struct draw_color color; /* fill, text or stroke colour; bitmap ink */
	union {
		int radius;                  /* DRAW_RRECT: corner radius, px */
		struct {
			uint8_t font;        /* enum draw_font */
			uint16_t size;       /* pixel size */
			uint32_t off;        /* offset of the text in text[] */
			uint32_t len;        /* bytes, without the NUL */
		} text;                      /* DRAW_TEXT */
		struct {
			uint32_t off;        /* offset of modules in bits[] */
			uint16_t w, h;       /* modules across and down */
			uint16_t scale;      /* px per module (integer: crisp) */
			struct draw_color bg; /* colour of 0 modules */
		} bitmap;                    /* DRAW_BITMAP */
		struct {
			int16_t thickness;   /* stroke width, px */
			int16_t start;       /* start angle, degrees, 0 = 12 o'clock, clockwise */
			int16_t sweep;       /* degrees clockwise, 0..360 */
			uint8_t round_caps;  /* 1: rounded ends */
		} arc;                       /* DRAW_ARC, DRAW_LINE (thickness) */
	} u;
};

/*
 * The command list of one frame. About 300 KiB: keep it inside struct ui
 * (which is allocated once), not on a small stack. Invariant: every
 * cmds[i], i < n, refers only to text[0..text_len) and bits[0..bits_len).
 */
struct draw_list {
	int n;                            /* commands used */
	struct draw_cmd cmds[DRAW_CMDS_MAX]; /* the commands, in painting order per layer */
	uint32_t text_len;                /* bytes used in text[] */
	char text[DRAW_TEXT_MAX];         /* text payloads, each NUL-terminated */
	uint32_t bits_len;                /* bytes used in bits[] */
	uint8_t bits[DRAW_BITS_MAX];      /* bitmap payloads, 0 or 1 per module */
	int overflow;                     /* commands dropped because a cap was hit */
};

/* The text of a DRAW_TEXT command. Borrowed from dl. */
static inline const char *draw_text(const struct draw_list *dl, const struct draw_cmd *c)
{
	return dl->text + c->u.text.off;
}

/* The modules of a DRAW_BITMAP command, row-major, w*h bytes. Borrowed. */
static inline const uint8_t *draw_bits(const struct draw_list *dl, const struct draw_cmd *c)
{
	return dl->bits + c->u.bitmap.off;
}

/* Where a hash of draw_hash starts. */
#define DRAW_HASH_SEED 1469598103934665603ull

/* FNV-1a 64 over the n bytes at p, going on from h (DRAW_HASH_SEED to
 * start): how the UI tells whether a frame changed and the renderer keys
 * its caches and damage records. */
static inline uint64_t draw_hash(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 1099511628211ull;
	}
	return h;
}

#endif
