/*
 * keyboard.h - the on-screen keyboard model: layouts, keys and what a key
 * press does to the focused field. No SDL: the UI lays the keys out from
 * their grid rectangles, draws their captions, and calls kb_press() and
 * kb_choose() on taps; everything here is unit-testable.
 *
 * Layouts (docs/keyboard.md draws them):
 *   KB_LAYOUT_PINYIN   中: digits row, q-p, a-l, 分词(') z-m 删除, 符号 中/英 ，空格 。确定
 *   KB_LAYOUT_LATIN    英: the same letters with 大写 (shift), @ and . beside 空格
 *   KB_LAYOUT_SYMBOLS  digits, @ . - _ / : ; ( ) #, full-width （ ）、，。：；？！, & + = , ? ! * %
 *   KB_LAYOUT_DIGITS*  a 3x4 digit pad with 删除 and 确定; variants with X (ID
 *                      number) and - (phone numbers with an area code)
 * The field kind picks the default layout and which keys are enabled: a
 * digit pad has no letters at all, an e-mail field takes no Chinese and no
 * space, a code field (USCC) starts in capitals.
 *
 * Key ids: a character key's id is the code point it types (letters: the
 * lower-case letter, so kb_press(kb, 'a') works; the ID pad's X is 'x');
 * function keys have ids above Unicode (KB_K_*).
 *
 * Text is appended at the end of the field (a kiosk field has its caret at
 * the end), backspace deletes one whole UTF-8 character, and the field's
 * maximum length counts characters, not bytes.
 *
 * Pinyin: letters go to the ime (ime.h); the candidate bar shows one page
 * of candidates (page size set by the UI from its width); choosing one
 * commits it, or fixes it and keeps composing the rest. 空格 commits the
 * best candidate, 确定 commits the letters as typed, a digit or symbol
 * commits the best candidate and then itself, 中/英 commits the letters as
 * typed and switches. Backspace edits the composition while there is one.
 *
 * Memory: struct kb is about 2.7 KiB (one page of candidates); no
 * allocation. Threads: UI thread only.
 */
#ifndef CA_KEYBOARD_H
#define CA_KEYBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/msg.h"
#include "ime.h"

#define KB_PAGE_MAX 16 /* most candidates on one page of the bar */

/* What kind of field has the focus; decides layout and allowed keys. */
enum kb_field_kind {
	KB_FIELD_TEXT,   /* Chinese text: names, company, address, comment; 中 first */
	KB_FIELD_CODE,   /* letters and digits, no Chinese: USCC, tracking no.; capitals */
	KB_FIELD_EMAIL,  /* e-mail: lower case, symbols, no Chinese, no space */
	KB_FIELD_DIGITS, /* digits only: SMS code, postcode, counts */
	KB_FIELD_PHONE,  /* digits and '-': phone numbers, landlines with area code */
	KB_FIELD_ID      /* digits and X: 居民身份证号 */
};

enum kb_layout {
	KB_LAYOUT_PINYIN,
	KB_LAYOUT_LATIN,
	KB_LAYOUT_SYMBOLS,
	KB_LAYOUT_DIGITS,
	KB_LAYOUT_DIGITS_X,
	KB_LAYOUT_DIGITS_DASH,
	KB_LAYOUT__N
};

/* Function keys (ids above any code point). */
enum {
	KB_K_BACKSPACE = 0x110000, /* 删除 */
	KB_K_SPACE,                /* 空格 */
	KB_K_ENTER,                /* 确定 */
	KB_K_SHIFT,                /* 大写: off -> next letter -> locked -> off */
	KB_K_LANG,                 /* 中/英 */
	KB_K_SYMBOLS,              /* 符号 */
	KB_K_LETTERS,              /* 字母: back from the symbols */
	KB_K_PAGE_PREV,            /* 上一页 on the candidate bar (not in a layout) */
	KB_K_PAGE_NEXT             /* 下一页 on the candidate bar (not in a layout) */
};

/* Shift state of the Latin layout. */
enum kb_shift { KB_SHIFT_OFF, KB_SHIFT_ONCE, KB_SHIFT_LOCK };

/* Results of kb_press() and kb_choose(), or-ed; 0: nothing happened. */
enum {
	KB_R_TEXT = 1 << 0,      /* the field's text changed */
	KB_R_COMPOSE = 1 << 1,   /* composition or candidate bar changed */
	KB_R_LAYOUT = 1 << 2,    /* layout, shift or 中/英 changed: redraw keys */
	KB_R_DONE = 1 << 3,      /* 确定 with nothing composing: leave the field */
	KB_R_REFUSED = 1 << 4,   /* key not taken (not in this field, invalid spelling) */
	KB_R_FULL = 1 << 5       /* the field is at its maximum length (text cut) */
};

/*
 * One key. Rectangles are in grid units (kb_grid() gives the grid); a
 * letter key is 2 units wide and 1 high, so rows can be offset by half a
 * key. Static tables, borrowed.
 */
struct kb_key {
	int32_t id;           /* code point typed, or KB_K_* */
	const char *text;     /* UTF-8 typed ("a", "@", "（"); NULL for KB_K_* */
	const char *upper;    /* typed with shift (letters); NULL: same as text */
	enum msg_id caption;  /* catalog caption; MSG_NONE: show text/upper */
	int8_t x, y, w, h;    /* rectangle in grid units */
};

/* The model. Fields are private to keyboard.c; embed it, kb_init() it. */
struct kb {
	struct ime *ime;                /* borrowed; NULL: no Chinese input */
	char *text;                     /* focused field's text (borrowed), NULL if none */
	size_t size;                    /* bytes in text, NUL included */
	size_t max_chars;               /* field's maximum length, characters */
	enum kb_field_kind kind;        /* focused field's kind */
	enum kb_layout layout;          /* layout shown */
	bool zh;                        /* letters type pinyin (中), not Latin (英) */
	enum kb_shift shift;            /* Latin shift state */
	size_t page_size;               /* candidates per page, 1..KB_PAGE_MAX */
	size_t page_first;              /* index of the first candidate on the page */
	size_t npage;                   /* candidates on this page */
	char page[KB_PAGE_MAX][IME_CAND_BYTES]; /* this page's candidates, UTF-8 */
};

/* Set up kb with ime (borrowed, may be NULL); no field focused. */
void kb_init(struct kb *kb, struct ime *ime);

/*
 * Focus a field: its text buffer (borrowed, NUL-terminated, size bytes;
 * edited in place until the next focus or blur), its maximum length in
 * characters, and its kind. Drops any composition; picks the default layout.
 */
void kb_focus(struct kb *kb, char *text, size_t size, size_t max_chars,
              enum kb_field_kind kind);

/* Leave the field: drop the composition, detach the buffer. */
void kb_blur(struct kb *kb);

/* Session reset: blur, wipe the candidate page, back to defaults. */
void kb_reset(struct kb *kb);

/* Candidates per page (clamped to 1..KB_PAGE_MAX); back to page one. */
void kb_set_page_size(struct kb *kb, size_t n);

/* Press key id (a KB_K_* or a character key of the layout shown). */
unsigned kb_press(struct kb *kb, int32_t id);

/* Choose candidate index (absolute: page_first + position on the page). */
unsigned kb_choose(struct kb *kb, size_t index);

/* The keys of layout (borrowed, static), their count and the grid size in
 * units; for laying out every layout ahead of time. */
const struct kb_key *kb_layout_keys(enum kb_layout layout, size_t *n,
                                    int *cols, int *rows);

/* The keys of the layout shown (borrowed, static) and their count. */
const struct kb_key *kb_keys(const struct kb *kb, size_t *n);

/* The layout's grid size in units. */
void kb_grid(const struct kb *kb, int *cols, int *rows);

/* The key with id in the layout shown, NULL if none. */
const struct kb_key *kb_find(const struct kb *kb, int32_t id);

/* The caption to draw on key now (letter case, 中 or 英); borrowed. */
const char *kb_caption(const struct kb *kb, const struct kb_key *key);

/* Does the key do anything in this field (else draw it dimmed)? */
bool kb_enabled(const struct kb *kb, const struct kb_key *key);

/* Is the key's state on (shift on or locked)? For highlighting. */
bool kb_active(const struct kb *kb, const struct kb_key *key);

enum kb_layout kb_layout_shown(const struct kb *kb);
bool kb_zh(const struct kb *kb);

/* The composition for display ("" when none); borrowed. */
const char *kb_composition(const struct kb *kb);

/* Candidate bar: all candidates, the page's first index and size, one
 * candidate of the page (i < kb_page_count(); borrowed). */
size_t kb_cand_total(const struct kb *kb);
size_t kb_page_first(const struct kb *kb);
size_t kb_page_count(const struct kb *kb);
const char *kb_page_cand(const struct kb *kb, size_t i);
bool kb_has_prev_page(const struct kb *kb);
bool kb_has_next_page(const struct kb *kb);

#endif
