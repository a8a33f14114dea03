/*
 * ime.c - pinyin composition over googlepinyin (see ime.h for the engine
 * facts this relies on).
 *
 * The engine's header is C++ (namespace ime_pinyin), but its im_* functions
 * have C linkage, so the few prototypes used here are declared below with C
 * types: char16 is uint16_t, a C++ reference parameter is a pointer.
 *
 * State: the letters typed (our copy, the truth), and after every change a
 * refresh() that reads back from the engine the candidate count, the number
 * of fixed characters and the segmentation, and rebuilds the display string.
 */
#include "ime.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the engine's C interface (libgooglepinyin, pinyinime.h) ---- */
bool im_open_decoder(const char *fn_sys_dict, const char *fn_usr_dict);
void im_close_decoder(void);
size_t im_search(const char *sps_buf, size_t sps_len);
size_t im_delsearch(size_t pos, bool is_pos_in_splid, bool clear_fixed_this_step);
void im_reset_search(void);
const char *im_get_sps_str(size_t *decoded_len);
uint16_t *im_get_candidate(size_t cand_id, uint16_t *cand_str, size_t max_len);
size_t im_get_spl_start_pos(const uint16_t **spl_start);
size_t im_choose(size_t cand_id);
size_t im_cancel_last_choice(void);
size_t im_get_fixed_len(void);

#ifndef IME_DICT_DEFAULT
#define IME_DICT_DEFAULT "/usr/lib/x86_64-linux-gnu/googlepinyin/data/dict_pinyin.dat"
#endif

struct ime {
	char letters[IME_MAX_LETTERS + 1];     /* typed letters, NUL-terminated */
	size_t nletters;                       /* strlen(letters) */
	size_t ncand;                          /* engine's candidate count */
	size_t nspl;                           /* syllables (spelling ids), fixed ones too */
	size_t ninitials;                      /* of them, bare initials ("z", "zh") */
	size_t nfixed;                         /* characters fixed by choices */
	size_t fixed_bytes;                    /* UTF-8 bytes of those characters */
	char fixed[IME_CAND_BYTES];            /* the fixed characters, UTF-8 */
	char compose[IME_COMPOSE_BYTES];       /* display string, see ime.h */
	char committed[IME_CAND_BYTES];        /* text committed by the last choose */
	uint16_t u16[IME_MAX_HANZI + 2];       /* scratch for one engine candidate */
};

/* The engine is a process-wide singleton: at most one open handle. */
static bool engine_open;

const char *ime_default_dict(void)
{
	return IME_DICT_DEFAULT;
}

/* Append one code point as UTF-8 at dst[*pos] (room: n bytes incl. NUL). */
static bool put_cp(char *dst, size_t n, size_t *pos, uint32_t cp)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	if (*pos + k >= n)
		return false;
	memcpy(dst + *pos, b, k);
	*pos += k;
	return true;
}

ca_err ime_utf16_to_utf8(const uint16_t *src, size_t len, char *dst, size_t n,
                         size_t *written)
{
	size_t i = 0, pos = 0;
	ca_err err = CA_OK;

	assert(src != NULL && dst != NULL);
	if (n == 0)
		return CA_ERR_TOO_LONG;
	while (i < len && src[i] != 0) {
		uint32_t cp = src[i];
		size_t used = 1;

		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 1 < len && src[i + 1] >= 0xDC00 && src[i + 1] <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (src[i + 1] - 0xDC00u);
				used = 2;
			} else {
				cp = 0xFFFD; /* high surrogate without its low half */
			}
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			cp = 0xFFFD; /* low surrogate on its own */
		}
		if (!put_cp(dst, n, &pos, cp)) {
			err = CA_ERR_TOO_LONG;
			break;
		}
		i += used;
	}
	dst[pos] = '\0';
	if (written != NULL)
		*written = pos;
	return err;
}

/* Byte offset after the first count code points of well-formed UTF-8 s. */
static size_t utf8_prefix(const char *s, size_t count)
{
	size_t i = 0;

	while (s[i] != '\0' && count > 0) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		count--;
	}
	return i;
}

/* Engine candidate id as UTF-8 into buf, whole (fixed part included). */
static ca_err engine_cand(struct ime *ime, size_t id, char *buf, size_t n)
{
	size_t max = sizeof(ime->u16) / sizeof(ime->u16[0]);

	ime->u16[0] = 0;
	if (im_get_candidate(id, ime->u16, max) == NULL) {
		buf[0] = '\0';
		return CA_ERR_TOO_LONG;
	}
	ime->u16[max - 1] = 0;
	return ime_utf16_to_utf8(ime->u16, max, buf, n, NULL);
}

static bool is_vowel(char c)
{
	return c != '\0' && strchr("aeiouv", c) != NULL;
}

/* Does the spelling s (len bytes) hold a vowel, i.e. is it more than an
 * initial? */
static bool has_vowel(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (is_vowel(s[i]))
			return true;
	return false;
}

/* Append s (len bytes) to ime->compose at *pos, truncating at the cap. */
static void compose_add(struct ime *ime, size_t *pos, const char *s, size_t len)
{
	size_t room = sizeof(ime->compose) - 1 - *pos;

	if (len > room)
		len = room;
	memcpy(ime->compose + *pos, s, len);
	*pos += len;
	ime->compose[*pos] = '\0';
}

/* Read the engine's state back after a change: candidates, fixed part,
 * segmentation; rebuild the display string. */
static void refresh(struct ime *ime, size_t ncand)
{
	const uint16_t *start = NULL;
	const char *sps;
	size_t decoded, nspl, i, pos = 0, splen;

	ime->ncand = ime->nletters > 0 ? ncand : 0;
	ime->nfixed = ime->nletters > 0 ? im_get_fixed_len() : 0;
	ime->nspl = 0;
	ime->ninitials = 0;
	ime->fixed[0] = '\0';
	ime->fixed_bytes = 0;
	ime->compose[0] = '\0';
	if (ime->nletters == 0)
		return;
	if (ime->nfixed > 0) {
		char whole[IME_CAND_BYTES];

		if (engine_cand(ime, 0, whole, sizeof(whole)) == CA_OK) {
			ime->fixed_bytes = utf8_prefix(whole, ime->nfixed);
			memcpy(ime->fixed, whole, ime->fixed_bytes);
			ime->fixed[ime->fixed_bytes] = '\0';
		}
	}
	compose_add(ime, &pos, ime->fixed, ime->fixed_bytes);

	sps = im_get_sps_str(&decoded);
	nspl = im_get_spl_start_pos(&start);
	ime->nspl = nspl;
	splen = strlen(sps);
	for (i = 0; start != NULL && i < nspl; i++)
		if (start[i + 1] <= splen && !has_vowel(sps + start[i], start[i + 1] - start[i]))
			ime->ninitials++;
	if (nspl < ime->nfixed || start == NULL) {
		compose_add(ime, &pos, ime->letters, ime->nletters);
		return;
	}
	for (i = ime->nfixed; i < nspl; i++) {
		size_t a = start[i], b = start[i + 1];

		if (b > splen || a > b)
			break;
		/* The engine keeps a typed separator at the end of a syllable
		 * ("xi'" "an"): show it between syllables, instead of a space. */
		while (a < b && sps[a] == '\'')
			a++;
		if (pos > ime->fixed_bytes && ime->compose[pos - 1] != '\'')
			compose_add(ime, &pos, " ", 1);
		compose_add(ime, &pos, sps + a, b - a);
	}
	/* letters the engine did not segment (trailing separators) */
	if (nspl > 0 && start[nspl] < splen)
		compose_add(ime, &pos, sps + start[nspl], splen - start[nspl]);
}

/* Forget the composition, in our state and in the engine's. */
static void clear_composition(struct ime *ime)
{
	im_reset_search();
	memset(ime->letters, 0, sizeof(ime->letters));
	ime->nletters = 0;
	refresh(ime, 0);
}

ca_err ime_open(struct ime **out, const char *dict_path)
{
	struct ime *ime;
	FILE *f;

	assert(out != NULL);
	assert(!engine_open && "the pinyin engine is a singleton");
	*out = NULL;
	if (dict_path == NULL)
		dict_path = ime_default_dict();
	/* Say "cannot read" ourselves: the engine only says false. */
	f = fopen(dict_path, "rb");
	if (f == NULL)
		return CA_ERR_IO;
	fclose(f);
	ime = calloc(1, sizeof(*ime));
	if (ime == NULL)
		return CA_ERR_NOMEM;
	/* "": no user dictionary, so no learning (see ime.h). */
	if (!im_open_decoder(dict_path, "")) {
		free(ime);
		return CA_ERR_IO;
	}
	engine_open = true;
	im_reset_search();
	*out = ime;
	return CA_OK;
}

void ime_close(struct ime *ime)
{
	if (ime == NULL)
		return;
	im_reset_search();
	im_close_decoder();
	engine_open = false;
	memset(ime, 0, sizeof(*ime));
	free(ime);
}

void ime_reset(struct ime *ime)
{
	assert(ime != NULL);
	clear_composition(ime);
	memset(ime->fixed, 0, sizeof(ime->fixed));
	memset(ime->compose, 0, sizeof(ime->compose));
	memset(ime->committed, 0, sizeof(ime->committed));
	memset(ime->u16, 0, sizeof(ime->u16));
}

void ime_forget(struct ime *ime)
{
	char fill[IME_MAX_LETTERS];
	size_t i;

	assert(ime != NULL);
	ime_reset(ime);
	/* The longest composition of one neutral syllable: every position of
	 * the engine's spelling and search buffers is written over. */
	for (i = 0; i < sizeof(fill); i++)
		fill[i] = "ba"[i % 2];
	(void)im_search(fill, sizeof(fill));
	(void)im_get_candidate(0, ime->u16, IME_MAX_HANZI + 1);
	im_reset_search();
	ime_reset(ime);
}

ca_err ime_key(struct ime *ime, char c)
{
	const uint16_t *start = NULL;
	size_t n, nspl, decoded = 0;

	assert(ime != NULL);
	ime->committed[0] = '\0';
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (!((c >= 'a' && c <= 'z') || c == '\''))
		return CA_ERR_ARG;
	if (c == '\'' && (ime->nletters == 0 || ime->letters[ime->nletters - 1] == '\''))
		return CA_ERR_ARG;
	/* See IME_MAX_SYLLABLES: past these caps the engine may abort. */
	if (ime->nletters >= IME_MAX_LETTERS || ime->nspl >= IME_MAX_SYLLABLES)
		return CA_ERR_TOO_LONG;
	if (ime->ninitials >= IME_MAX_INITIALS && !is_vowel(c))
		return CA_ERR_TOO_LONG;
	ime->letters[ime->nletters++] = c;
	ime->letters[ime->nletters] = '\0';
	n = im_search(ime->letters, ime->nletters);
	(void)im_get_sps_str(&decoded);
	nspl = im_get_spl_start_pos(&start);
	if (decoded < ime->nletters || n == 0 || nspl <= im_get_fixed_len()) {
		/* The spelling cannot continue with c: take it back at once.
		 * "fi" decodes but has no syllables and no candidates; left so,
		 * with a choice fixed, the engine's next search asserts. */
		ime->nletters--;
		ime->letters[ime->nletters] = '\0';
		n = ime->nletters > 0 ? im_delsearch(ime->nletters, false, false) : 0;
		if (ime->nletters == 0)
			im_reset_search();
		refresh(ime, n);
		return CA_ERR_INVALID;
	}
	refresh(ime, n);
	return CA_OK;
}

ca_err ime_input(struct ime *ime, const char *letters)
{
	ca_err err = CA_OK;

	assert(letters != NULL);
	for (; *letters != '\0' && err == CA_OK; letters++)
		err = ime_key(ime, *letters);
	return err;
}

ca_err ime_backspace(struct ime *ime)
{
	const uint16_t *start = NULL;
	size_t n, nspl, boundary = 0;

	assert(ime != NULL);
	ime->committed[0] = '\0';
	if (ime->nletters == 0)
		return CA_ERR_ARG;
	nspl = im_get_spl_start_pos(&start);
	if (ime->nfixed > 0 && start != NULL && ime->nfixed <= nspl)
		boundary = start[ime->nfixed];
	ime->nletters--;
	ime->letters[ime->nletters] = '\0';
	if (ime->nletters == 0) {
		clear_composition(ime);
		return CA_OK;
	}
	n = im_delsearch(ime->nletters, false, false);
	if (ime->nfixed > 0 && ime->nletters <= boundary) {
		/* Nothing unfixed left: undo the last choice instead. */
		n = im_cancel_last_choice();
	}
	refresh(ime, n);
	return CA_OK;
}

int ime_composing(const struct ime *ime)
{
	return ime->nletters > 0;
}

const char *ime_letters(const struct ime *ime)
{
	return ime->letters;
}

const char *ime_composition(const struct ime *ime)
{
	return ime->compose;
}

size_t ime_cand_count(const struct ime *ime)
{
	return ime->ncand;
}

ca_err ime_cand(struct ime *ime, size_t index, char *buf, size_t n)
{
	char whole[IME_CAND_BYTES];
	size_t skip, len;
	ca_err err;

	assert(ime != NULL && buf != NULL && n > 0);
	buf[0] = '\0';
	if (index >= ime->ncand)
		return CA_ERR_ARG;
	err = engine_cand(ime, index, whole, sizeof(whole));
	if (err != CA_OK)
		return err;
	/* Candidate 0 is the whole sentence: show only its unfixed part. */
	skip = index == 0 ? utf8_prefix(whole, ime->nfixed) : 0;
	len = strlen(whole + skip);
	if (len >= n)
		return CA_ERR_TOO_LONG;
	memcpy(buf, whole + skip, len + 1);
	return CA_OK;
}

ca_err ime_cand_page(struct ime *ime, size_t first, size_t max,
                     char (*bufs)[IME_CAND_BYTES], size_t *count)
{
	size_t i;
	ca_err err;

	assert(count != NULL);
	*count = 0;
	for (i = 0; i < max && first + i < ime->ncand; i++) {
		err = ime_cand(ime, first + i, bufs[i], IME_CAND_BYTES);
		if (err != CA_OK)
			return err;
		*count = i + 1;
	}
	return CA_OK;
}

ca_err ime_choose(struct ime *ime, size_t index)
{
	const uint16_t *start = NULL;
	size_t n, nspl;
	ca_err err;

	assert(ime != NULL);
	ime->committed[0] = '\0';
	if (index >= ime->ncand)
		return CA_ERR_ARG;
	n = im_choose(index);
	nspl = im_get_spl_start_pos(&start);
	if (im_get_fixed_len() >= nspl) {
		/* Everything is fixed: candidate 0 is the whole text. */
		err = engine_cand(ime, 0, ime->committed, sizeof(ime->committed));
		clear_composition(ime);
		if (err != CA_OK)
			ime->committed[0] = '\0';
		return err;
	}
	refresh(ime, n);
	return CA_OK;
}

const char *ime_committed(const struct ime *ime)
{
	return ime->committed;
}
