/*
 * keyboard.c - the on-screen keyboard model (see keyboard.h).
 *
 * Start reading at kb_press(): it finds the key in the layout shown, checks
 * that the focused field takes it, and dispatches on the key: pinyin letters
 * to the ime, characters to the field, function keys to their handlers.
 * The layouts are static tables below; a key's rectangle is in grid units.
 */
#include "keyboard.h"

#include <assert.h>
#include <string.h>

#include "core/utf8.h"

/* A character key 2 units wide; L: a letter with its capital. */
#define K(cp, s, X, Y)        { cp, s, NULL, MSG_NONE, X, Y, 2, 1 }
#define L(c, s, S, X, Y)      { c, s, S, MSG_NONE, X, Y, 2, 1 }
#define F(id, cap, X, Y, W, H) { id, NULL, NULL, cap, X, Y, W, H }

#define DIGIT_ROW \
	K('1', "1", 0, 0), K('2', "2", 2, 0), K('3', "3", 4, 0), K('4', "4", 6, 0), \
	K('5', "5", 8, 0), K('6', "6", 10, 0), K('7', "7", 12, 0), K('8', "8", 14, 0), \
	K('9', "9", 16, 0), K('0', "0", 18, 0)

#define LETTER_ROWS \
	L('q', "q", "Q", 0, 1), L('w', "w", "W", 2, 1), L('e', "e", "E", 4, 1), \
	L('r', "r", "R", 6, 1), L('t', "t", "T", 8, 1), L('y', "y", "Y", 10, 1), \
	L('u', "u", "U", 12, 1), L('i', "i", "I", 14, 1), L('o', "o", "O", 16, 1), \
	L('p', "p", "P", 18, 1), \
	L('a', "a", "A", 1, 2), L('s', "s", "S", 3, 2), L('d', "d", "D", 5, 2), \
	L('f', "f", "F", 7, 2), L('g', "g", "G", 9, 2), L('h', "h", "H", 11, 2), \
	L('j', "j", "J", 13, 2), L('k', "k", "K", 15, 2), L('l', "l", "L", 17, 2), \
	L('z', "z", "Z", 3, 3), L('x', "x", "X", 5, 3), L('c', "c", "C", 7, 3), \
	L('v', "v", "V", 9, 3), L('b', "b", "B", 11, 3), L('n', "n", "N", 13, 3), \
	L('m', "m", "M", 15, 3), \
	F(KB_K_BACKSPACE, MSG_KB_BACKSPACE, 17, 3, 3, 1)

/* 中: 20 x 5 units. */
static const struct kb_key layout_pinyin[] = {
	DIGIT_ROW,
	LETTER_ROWS,
	{ '\'', "'", NULL, MSG_KB_SEPARATOR, 0, 3, 3, 1 },
	F(KB_K_SYMBOLS, MSG_KB_SYMBOLS, 0, 4, 3, 1),
	F(KB_K_LANG, MSG_KB_ZH, 3, 4, 3, 1),
	K(0xFF0C, "，", 6, 4),
	F(KB_K_SPACE, MSG_KB_SPACE, 8, 4, 6, 1),
	K(0x3002, "。", 14, 4),
	F(KB_K_ENTER, MSG_KB_ENTER, 16, 4, 4, 1),
};

/* 英: 20 x 5 units. */
static const struct kb_key layout_latin[] = {
	DIGIT_ROW,
	LETTER_ROWS,
	F(KB_K_SHIFT, MSG_KB_SHIFT, 0, 3, 3, 1),
	F(KB_K_SYMBOLS, MSG_KB_SYMBOLS, 0, 4, 3, 1),
	F(KB_K_LANG, MSG_KB_EN, 3, 4, 3, 1),
	K('@', "@", 6, 4),
	F(KB_K_SPACE, MSG_KB_SPACE, 8, 4, 6, 1),
	K('.', ".", 14, 4),
	F(KB_K_ENTER, MSG_KB_ENTER, 16, 4, 4, 1),
};

/* 符号: 20 x 5 units. */
static const struct kb_key layout_symbols[] = {
	DIGIT_ROW,
	K('@', "@", 0, 1), K('.', ".", 2, 1), K('-', "-", 4, 1), K('_', "_", 6, 1),
	K('/', "/", 8, 1), K(':', ":", 10, 1), K(';', ";", 12, 1), K('(', "(", 14, 1),
	K(')', ")", 16, 1), K('#', "#", 18, 1),
	K(0xFF08, "（", 1, 2), K(0xFF09, "）", 3, 2), K(0x3001, "、", 5, 2),
	K(0xFF0C, "，", 7, 2), K(0x3002, "。", 9, 2), K(0xFF1A, "：", 11, 2),
	K(0xFF1B, "；", 13, 2), K(0xFF1F, "？", 15, 2), K(0xFF01, "！", 17, 2),
	K('&', "&", 1, 3), K('+', "+", 3, 3), K('=', "=", 5, 3), K(',', ",", 7, 3),
	K('?', "?", 9, 3), K('!', "!", 11, 3), K('*', "*", 13, 3), K('%', "%", 15, 3),
	F(KB_K_BACKSPACE, MSG_KB_BACKSPACE, 17, 3, 3, 1),
	F(KB_K_LETTERS, MSG_KB_LETTERS, 0, 4, 3, 1),
	F(KB_K_LANG, MSG_KB_ZH, 3, 4, 3, 1),
	F(KB_K_SPACE, MSG_KB_SPACE, 6, 4, 8, 1),
	F(KB_K_ENTER, MSG_KB_ENTER, 14, 4, 6, 1),
};

/* Digit pads: 8 x 4 units; 删除 and 确定 are 2 x 2 on the right. */
#define DIGIT_PAD \
	K('1', "1", 0, 0), K('2', "2", 2, 0), K('3', "3", 4, 0), \
	K('4', "4", 0, 1), K('5', "5", 2, 1), K('6', "6", 4, 1), \
	K('7', "7", 0, 2), K('8', "8", 2, 2), K('9', "9", 4, 2), \
	F(KB_K_BACKSPACE, MSG_KB_BACKSPACE, 6, 0, 2, 2), \
	F(KB_K_ENTER, MSG_KB_ENTER, 6, 2, 2, 2)

static const struct kb_key layout_digits[] = {
	DIGIT_PAD,
	{ '0', "0", NULL, MSG_NONE, 0, 3, 6, 1 },
};

static const struct kb_key layout_digits_x[] = {
	DIGIT_PAD,
	{ 'x', "X", NULL, MSG_NONE, 0, 3, 2, 1 },
	{ '0', "0", NULL, MSG_NONE, 2, 3, 4, 1 },
};

static const struct kb_key layout_digits_dash[] = {
	DIGIT_PAD,
	{ '-', "-", NULL, MSG_NONE, 0, 3, 2, 1 },
	{ '0', "0", NULL, MSG_NONE, 2, 3, 4, 1 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The layout table, indexed by enum kb_layout. */
static const struct {
	const struct kb_key *keys; /* static table */
	size_t n;                  /* keys in it */
	int cols, rows;            /* grid size, units */
} layouts[KB_LAYOUT__N] = {
	[KB_LAYOUT_PINYIN] = { layout_pinyin, COUNT(layout_pinyin), 20, 5 },
	[KB_LAYOUT_LATIN] = { layout_latin, COUNT(layout_latin), 20, 5 },
	[KB_LAYOUT_SYMBOLS] = { layout_symbols, COUNT(layout_symbols), 20, 5 },
	[KB_LAYOUT_DIGITS] = { layout_digits, COUNT(layout_digits), 8, 4 },
	[KB_LAYOUT_DIGITS_X] = { layout_digits_x, COUNT(layout_digits_x), 8, 4 },
	[KB_LAYOUT_DIGITS_DASH] = { layout_digits_dash, COUNT(layout_digits_dash), 8, 4 },
};

/* Can this field take Chinese at all? */
static bool field_takes_zh(const struct kb *kb)
{
	return kb->kind == KB_FIELD_TEXT && kb->ime != NULL;
}

/* The letter layout for the current language. */
static enum kb_layout letters_layout(const struct kb *kb)
{
	return kb->zh ? KB_LAYOUT_PINYIN : KB_LAYOUT_LATIN;
}

static enum kb_layout default_layout(const struct kb *kb)
{
	switch (kb->kind) {
	case KB_FIELD_DIGITS:
		return KB_LAYOUT_DIGITS;
	case KB_FIELD_PHONE:
		return KB_LAYOUT_DIGITS_DASH;
	case KB_FIELD_ID:
		return KB_LAYOUT_DIGITS_X;
	default:
		return letters_layout(kb);
	}
}

/* ---- candidate bar ---- */

static void page_load(struct kb *kb)
{
	size_t n = 0;

	kb->npage = 0;
	if (kb->ime == NULL || !ime_composing(kb->ime))
		return;
	if (ime_cand_page(kb->ime, kb->page_first, kb->page_size, kb->page, &n) == CA_OK)
		kb->npage = n;
}

static void page_reset(struct kb *kb)
{
	kb->page_first = 0;
	page_load(kb);
}

/* ---- the field ---- */

static size_t field_chars(const struct kb *kb)
{
	size_t n;

	if (!utf8_count(kb->text, &n))
		n = strlen(kb->text); /* not ours to repair; count bytes */
	return n;
}

static bool field_full(const struct kb *kb)
{
	return field_chars(kb) >= kb->max_chars;
}

/* Append s to the field, cut to its maximum length in whole characters. */
static unsigned field_append(struct kb *kb, const char *s)
{
	size_t have = field_chars(kb), len = strlen(kb->text), want, put;
	unsigned r;

	if (*s == '\0')
		return 0;
	if (have >= kb->max_chars || len + 1 >= kb->size)
		return KB_R_FULL | KB_R_REFUSED;
	if (!utf8_count(s, &want))
		return KB_R_REFUSED;
	utf8_copy(kb->text + len, kb->size - len, s, kb->max_chars - have);
	if (!utf8_count(kb->text + len, &put))
		put = 0;
	if (put == 0)
		return KB_R_FULL | KB_R_REFUSED; /* not even one character fits */
	r = KB_R_TEXT;
	if (put < want)
		r |= KB_R_FULL;
	return r;
}

/* Delete the field's last character (a whole UTF-8 sequence). */
static unsigned field_backspace(struct kb *kb)
{
	size_t len = strlen(kb->text);

	if (len == 0)
		return 0;
	do
		len--;
	while (len > 0 && ((unsigned char)kb->text[len] & 0xC0) == 0x80);
	kb->text[len] = '\0';
	return KB_R_TEXT;
}

/* ---- composition ---- */

static bool composing(const struct kb *kb)
{
	return kb->ime != NULL && ime_composing(kb->ime);
}

/* Commit the letters as typed and end the composition. */
static unsigned commit_letters(struct kb *kb)
{
	char letters[IME_MAX_LETTERS + 1];
	unsigned r;

	if (!composing(kb))
		return 0;
	memcpy(letters, ime_letters(kb->ime), sizeof(letters));
	letters[IME_MAX_LETTERS] = '\0';
	ime_reset(kb->ime);
	r = field_append(kb, letters) | KB_R_COMPOSE;
	page_reset(kb);
	return r & ~(unsigned)KB_R_REFUSED;
}

/* Choose candidate index; append what it commits. */
static unsigned choose(struct kb *kb, size_t index)
{
	unsigned r = KB_R_COMPOSE;

	if (!composing(kb) || ime_choose(kb->ime, index) != CA_OK)
		return KB_R_REFUSED;
	if (ime_committed(kb->ime)[0] != '\0')
		r |= field_append(kb, ime_committed(kb->ime)) & ~(unsigned)KB_R_REFUSED;
	page_reset(kb);
	return r;
}

/* ---- keys ---- */

static bool is_pinyin_key(int32_t id)
{
	return (id >= 'a' && id <= 'z') || id == '\'';
}

const struct kb_key *kb_find(const struct kb *kb, int32_t id)
{
	size_t i;

	for (i = 0; i < layouts[kb->layout].n; i++)
		if (layouts[kb->layout].keys[i].id == id)
			return &layouts[kb->layout].keys[i];
	return NULL;
}

bool kb_enabled(const struct kb *kb, const struct kb_key *key)
{
	switch (key->id) {
	case KB_K_LANG:
		return field_takes_zh(kb);
	case KB_K_SPACE:
		return kb->kind == KB_FIELD_TEXT;
	case KB_K_SHIFT:
		return kb->kind != KB_FIELD_EMAIL; /* addresses are lower case */
	default:
		break;
	}
	if (key->text != NULL && kb->kind != KB_FIELD_TEXT &&
	    (unsigned char)key->text[0] >= 0x80)
		return false; /* full-width punctuation only in Chinese text */
	if (key->id == '\'' && kb->layout == KB_LAYOUT_PINYIN)
		return composing(kb);
	return true;
}

bool kb_active(const struct kb *kb, const struct kb_key *key)
{
	if (key->id == KB_K_SHIFT)
		return kb->shift != KB_SHIFT_OFF;
	if (key->id == KB_K_LANG)
		return kb->zh;
	return false;
}

const char *kb_caption(const struct kb *kb, const struct kb_key *key)
{
	if (key->id == KB_K_LANG)
		return msg(kb->zh ? MSG_KB_ZH : MSG_KB_EN);
	if (key->caption != MSG_NONE)
		return msg(key->caption);
	if (key->upper != NULL && kb->layout == KB_LAYOUT_LATIN && kb->shift != KB_SHIFT_OFF)
		return key->upper;
	return key->text;
}

static unsigned press_lang(struct kb *kb)
{
	unsigned r = commit_letters(kb) | KB_R_LAYOUT;

	kb->zh = !kb->zh;
	kb->shift = KB_SHIFT_OFF;
	kb->layout = letters_layout(kb);
	return r;
}

static unsigned press_shift(struct kb *kb)
{
	static const enum kb_shift next[] = {
		[KB_SHIFT_OFF] = KB_SHIFT_ONCE,
		[KB_SHIFT_ONCE] = KB_SHIFT_LOCK,
		[KB_SHIFT_LOCK] = KB_SHIFT_OFF,
	};

	kb->shift = next[kb->shift];
	return KB_R_LAYOUT;
}

static unsigned press_page(struct kb *kb, int dir)
{
	size_t total = kb_cand_total(kb);

	if (dir < 0 && kb->page_first > 0)
		kb->page_first -= kb->page_first < kb->page_size ? kb->page_first : kb->page_size;
	else if (dir > 0 && kb->page_first + kb->page_size < total)
		kb->page_first += kb->page_size;
	else
		return 0;
	page_load(kb);
	return KB_R_COMPOSE;
}

/* A pinyin letter or separator on the 中 layout. */
static unsigned press_pinyin(struct kb *kb, int32_t id)
{
	ca_err err;

	if (!composing(kb) && field_full(kb))
		return KB_R_REFUSED | KB_R_FULL;
	err = ime_key(kb->ime, (char)id);
	if (err != CA_OK)
		return KB_R_REFUSED;
	page_reset(kb);
	return KB_R_COMPOSE;
}

/* A key that types its text (digits, symbols, Latin letters). */
static unsigned press_char(struct kb *kb, const struct kb_key *key)
{
	const char *s = key->text;
	unsigned r = 0;

	if (key->upper != NULL && kb->shift != KB_SHIFT_OFF) {
		s = key->upper;
		if (kb->shift == KB_SHIFT_ONCE) {
			kb->shift = KB_SHIFT_OFF;
			r |= KB_R_LAYOUT;
		}
	}
	/* Punctuation after pinyin commits the best candidate first. */
	if (composing(kb))
		r |= choose(kb, 0);
	return r | field_append(kb, s);
}

unsigned kb_press(struct kb *kb, int32_t id)
{
	const struct kb_key *key;

	assert(kb != NULL);
	if (kb->text == NULL)
		return KB_R_REFUSED;
	if (id == KB_K_PAGE_PREV || id == KB_K_PAGE_NEXT)
		return press_page(kb, id == KB_K_PAGE_PREV ? -1 : 1);
	key = kb_find(kb, id);
	if (key == NULL || !kb_enabled(kb, key))
		return KB_R_REFUSED;
	switch (id) {
	case KB_K_BACKSPACE:
		if (composing(kb)) {
			ime_backspace(kb->ime);
			page_reset(kb);
			return KB_R_COMPOSE;
		}
		return field_backspace(kb);
	case KB_K_SPACE:
		if (composing(kb))
			return choose(kb, 0);
		return field_append(kb, " ");
	case KB_K_ENTER:
		if (composing(kb))
			return commit_letters(kb);
		return KB_R_DONE;
	case KB_K_SHIFT:
		return press_shift(kb);
	case KB_K_LANG:
		return press_lang(kb);
	case KB_K_SYMBOLS:
		kb->layout = KB_LAYOUT_SYMBOLS;
		return KB_R_LAYOUT;
	case KB_K_LETTERS:
		kb->layout = letters_layout(kb);
		return KB_R_LAYOUT;
	default:
		break;
	}
	if (kb->layout == KB_LAYOUT_PINYIN && is_pinyin_key(id))
		return press_pinyin(kb, id);
	return press_char(kb, key);
}

unsigned kb_choose(struct kb *kb, size_t index)
{
	assert(kb != NULL);
	if (kb->text == NULL)
		return KB_R_REFUSED;
	return choose(kb, index);
}

/* ---- lifecycle ---- */

void kb_init(struct kb *kb, struct ime *ime)
{
	assert(kb != NULL);
	memset(kb, 0, sizeof(*kb));
	kb->ime = ime;
	kb->page_size = 8;
	kb->kind = KB_FIELD_TEXT;
	kb->zh = ime != NULL;
	kb->layout = letters_layout(kb);
}

void kb_focus(struct kb *kb, char *text, size_t size, size_t max_chars,
              enum kb_field_kind kind)
{
	assert(kb != NULL && text != NULL && size > 0);
	kb_blur(kb);
	kb->text = text;
	kb->size = size;
	kb->max_chars = max_chars;
	kb->kind = kind;
	kb->zh = field_takes_zh(kb);
	kb->shift = kind == KB_FIELD_CODE ? KB_SHIFT_LOCK : KB_SHIFT_OFF;
	kb->layout = default_layout(kb);
}

void kb_blur(struct kb *kb)
{
	assert(kb != NULL);
	if (kb->ime != NULL)
		ime_reset(kb->ime);
	kb->text = NULL;
	kb->size = 0;
	kb->max_chars = 0;
	page_reset(kb);
}

void kb_reset(struct kb *kb)
{
	kb_blur(kb);
	memset(kb->page, 0, sizeof(kb->page));
	kb->kind = KB_FIELD_TEXT;
	kb->zh = kb->ime != NULL;
	kb->shift = KB_SHIFT_OFF;
	kb->layout = letters_layout(kb);
}

void kb_set_page_size(struct kb *kb, size_t n)
{
	if (n < 1)
		n = 1;
	if (n > KB_PAGE_MAX)
		n = KB_PAGE_MAX;
	kb->page_size = n;
	page_reset(kb);
}

/* ---- accessors ---- */

const struct kb_key *kb_layout_keys(enum kb_layout layout, size_t *n,
                                    int *cols, int *rows)
{
	assert(layout < KB_LAYOUT__N);
	*n = layouts[layout].n;
	*cols = layouts[layout].cols;
	*rows = layouts[layout].rows;
	return layouts[layout].keys;
}

const struct kb_key *kb_keys(const struct kb *kb, size_t *n)
{
	*n = layouts[kb->layout].n;
	return layouts[kb->layout].keys;
}

void kb_grid(const struct kb *kb, int *cols, int *rows)
{
	*cols = layouts[kb->layout].cols;
	*rows = layouts[kb->layout].rows;
}

enum kb_layout kb_layout_shown(const struct kb *kb)
{
	return kb->layout;
}

bool kb_zh(const struct kb *kb)
{
	return kb->zh;
}

const char *kb_composition(const struct kb *kb)
{
	return composing(kb) ? ime_composition(kb->ime) : "";
}

size_t kb_cand_total(const struct kb *kb)
{
	return composing(kb) ? ime_cand_count(kb->ime) : 0;
}

size_t kb_page_first(const struct kb *kb)
{
	return kb->page_first;
}

size_t kb_page_count(const struct kb *kb)
{
	return kb->npage;
}

const char *kb_page_cand(const struct kb *kb, size_t i)
{
	return i < kb->npage ? kb->page[i] : "";
}

bool kb_has_prev_page(const struct kb *kb)
{
	return kb->page_first > 0;
}

bool kb_has_next_page(const struct kb *kb)
{
	return kb->page_first + kb->page_size < kb_cand_total(kb);
}
