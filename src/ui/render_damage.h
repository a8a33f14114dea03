/*
 * render_damage.h - damage tracking of the renderer: which rectangles of
 * the screen a frame changes, so that only those are repainted and shown
 * (no SDL here: plain rectangle maths over draw-command lists).
 *
 * Start at damage_diff(): render.c's frame_damage fills the record of the
 * frame being drawn and asks it what differs from the frame on screen.
 */
#ifndef CA_RENDER_DAMAGE_H
#define CA_RENDER_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "draw.h"

/* Rectangles repainted apart in one frame (more are merged). */
#define DAMAGE_RECTS   4

/* What damage tracking keeps of one command. */
struct cmd_seen {
	uint64_t hash;            /* what it paints (cmd_hash) */
	struct draw_rect box;     /* the pixels it may touch (cmd_box) */
	struct draw_cmd cmd;      /* the command (offsets into its own list) */
};

/* The intersection of a and b (0 x 0 when they do not meet). */
struct draw_rect rect_clip(struct draw_rect a, struct draw_rect b);
/* a's pixels (0 for an empty rectangle). */
int64_t rect_area(struct draw_rect a);

/*
 * Fill cur[0 .. dl->n) for dl and work out what differs from prev, the
 * record of the frame on screen (comparable: it is valid, of as many
 * commands, on an output of the same size; false: all is repainted).
 * Returns -1 when the whole w x h screen must be painted, else the number
 * of rectangles in d (0: nothing changed) to repaint. Commands are
 * compared index by index: a change that shifts the list (one more row, a
 * dialog) changes the count or many boxes and falls back to a full
 * repaint; the usual idle change (a countdown's arc end and digits, a
 * spinner, a caret) is a few commands in small areas.
 */
int damage_diff(const struct draw_list *dl, struct cmd_seen *cur, const struct cmd_seen *prev,
		bool comparable, int w, int h, struct draw_rect d[DAMAGE_RECTS]);

#endif
