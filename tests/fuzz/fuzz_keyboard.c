/*
 * fuzz_keyboard.c - any sequence of taps on the on-screen keyboard (keys of
 * the layout shown, candidate choices, page turns, focus changes between
 * fields of every kind) against the real pinyin engine. Pins: the field is
 * always well-formed UTF-8 within its byte size and its maximum length in
 * characters, and the composition stays within its bounds.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "ime/ime.h"
#include "ime/keyboard.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ime *ime; /* opened once: the engine is a process singleton */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (ime_open(&ime, NULL) != CA_OK)
		abort();
	return 0;
}

static void check_field(const char *text, size_t size, size_t max_chars)
{
	size_t chars;

	assert(strlen(text) < size);
	assert(utf8_count(text, &chars));
	assert(chars <= max_chars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { enum kb_field_kind kind; size_t max; } fields[] = {
		{ KB_FIELD_TEXT, 100 }, { KB_FIELD_TEXT, 3 }, { KB_FIELD_CODE, 18 },
		{ KB_FIELD_EMAIL, 60 }, { KB_FIELD_DIGITS, 6 }, { KB_FIELD_PHONE, 13 },
		{ KB_FIELD_ID, 18 },
	};
	char text[sizeof(fields) / sizeof(fields[0])][64];
	size_t f = 0, i;
	struct kb kb;

	memset(text, 0, sizeof(text));
	kb_init(&kb, ime);
	kb_focus(&kb, text[0], sizeof(text[0]), fields[0].max, fields[0].kind);
	for (i = 0; i < size; i++) {
		uint8_t b = data[i];

		if (b >= 0xF8) { /* focus another field */
			f = (size_t)(b - 0xF8) % (sizeof(fields) / sizeof(fields[0]));
			kb_focus(&kb, text[f], sizeof(text[f]), fields[f].max, fields[f].kind);
		} else if (b >= 0xE0) { /* tap a candidate */
			kb_choose(&kb, kb_page_first(&kb) + (size_t)(b - 0xE0));
		} else if (b >= 0xDE) {
			kb_press(&kb, b == 0xDE ? KB_K_PAGE_PREV : KB_K_PAGE_NEXT);
		} else if (b == 0xDD) {
			kb_set_page_size(&kb, (size_t)(i % 20));
		} else { /* a key of the layout shown */
			size_t n;
			const struct kb_key *keys = kb_keys(&kb, &n);

			kb_press(&kb, keys[b % n].id);
		}
		check_field(text[f], sizeof(text[f]), fields[f].max);
		assert(strlen(kb_composition(&kb)) < IME_COMPOSE_BYTES);
		assert(kb_page_count(&kb) <= KB_PAGE_MAX);
	}
	kb_reset(&kb);
	return 0;
}
