/*
 * ime.h - pinyin input: a small C wrapper around the googlepinyin engine.
 *
 * One composition at a time: letters a-z and the syllable separator '\''
 * go in, the engine segments them ("jiangsu" -> "jiang su") and offers
 * candidates (江苏, 将, 讲, ...). Choosing a candidate that covers only part of
 * the letters fixes it and leaves the rest to compose ("jiangsuguotai":
 * choose 江苏, then 国泰); when everything is fixed the whole text is
 * committed and the composition is empty again. The keyboard model
 * (keyboard.h) puts committed text into the focused field.
 *
 * Engine facts this module relies on (libgooglepinyin0 1.0, Debian 12):
 * - the engine is one process-wide object: only one struct ime may be open;
 * - im_open_decoder() refuses a NULL user dictionary; an empty path "" opens
 *   with no user dictionary at all (the engine cannot create a file named ""),
 *   so nothing a person types is learnt or written to disk, and the next
 *   person sees the same candidate order as the first;
 * - im_add_letter() is a stub; every key re-runs im_search() on the whole
 *   letter string, which the engine makes incremental on the common prefix;
 * - after a partial choice, candidate 0 is the whole sentence including the
 *   fixed part; this module strips the fixed part so candidate 0 reads as
 *   the best choice for what is still unfixed.
 *
 * Memory: struct ime is under 1 KiB, allocated once by ime_open(). The
 * engine loads its dictionary and search space on open (+1.3 MiB Pss, +1.8
 * MiB once warm; docs/keyboard.md) and frees it on close, except one
 * 190 KiB buffer it leaks per open: open once per process, ime_reset() per
 * session. No allocation per key.
 *
 * Threads: UI thread only (the engine has global state and no locks).
 */
#ifndef CA_IME_H
#define CA_IME_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define IME_MAX_LETTERS 32   /* letters in one composition; more are refused */
/*
 * Caps that keep the engine alive. It aborts (an assert in
 * MatrixSearch::extend_dmi, compiled into the Debian library) when runs of
 * bare initials exhaust its search pools: "z" x 14, "s" x 15, "zh" x 13,
 * "zzzzzzzzzzzz'" all do. So a composition holds at most IME_MAX_SYLLABLES
 * syllables, and once IME_MAX_INITIALS of them are bare initials ("z",
 * "zh", "s") only a vowel, which completes a syllable, is taken. Found and
 * checked by tests/fuzz/fuzz_keyboard.c; docs/keyboard.md has the numbers.
 */
#define IME_MAX_SYLLABLES 12
#define IME_MAX_INITIALS  8
#define IME_MAX_HANZI   40   /* characters in one candidate (engine's bound) */
/* Bytes for one candidate in UTF-8 with its NUL. */
#define IME_CAND_BYTES  (4 * IME_MAX_HANZI + 1)
/* Bytes for the composing display: fixed text, letters and separators. */
#define IME_COMPOSE_BYTES (IME_CAND_BYTES + 2 * IME_MAX_LETTERS + 1)

struct ime;

/*
 * Open the engine with the system dictionary at dict_path (NULL: the
 * packaged one, ime_default_dict()). *out receives the handle; free it with
 * ime_close(). CA_ERR_IO when the dictionary cannot be read or loaded,
 * CA_ERR_NOMEM. Only one ime may be open at a time (asserted).
 */
ca_err ime_open(struct ime **out, const char *dict_path);

/* Close the engine and free the handle (and wipe what was typed).
 * ime_close(NULL) is fine. */
void ime_close(struct ime *ime);

/* The packaged system dictionary path (borrowed, static). */
const char *ime_default_dict(void);

/* Drop the composition, the fixed choices and the committed text; wipes the
 * buffers (session reset). */
void ime_reset(struct ime *ime);

/*
 * ime_reset, and the engine's own buffers overwritten: its search space,
 * spelling and candidate buffers keep the last letters typed and the
 * characters chosen after a reset, so a neutral search of the longest
 * composition is run over them and dropped. For the end of a session
 * (docs/privacy.md); a few milliseconds.
 */
void ime_forget(struct ime *ime);

/*
 * Add one key to the composition: 'a'..'z' (upper case is folded) or '\''.
 * CA_ERR_ARG for any other character or a separator the engine cannot use
 * (leading or doubled); CA_ERR_INVALID when the letter makes the spelling
 * impossible ("v" alone, "jiangv"); CA_ERR_TOO_LONG past IME_MAX_LETTERS
 * letters, IME_MAX_SYLLABLES syllables or IME_MAX_INITIALS bare initials
 * (choose a candidate to go on).
 * On error the composition is unchanged.
 */
ca_err ime_key(struct ime *ime, char c);

/* ime_key() for each character of letters; stops at the first error. */
ca_err ime_input(struct ime *ime, const char *letters);

/*
 * Backspace inside the composition: remove the last letter. When that
 * leaves no unfixed letter but there are fixed choices, the last choice is
 * undone instead ("江苏g" -> "jiang su"), so one key always makes one visible
 * step back. No effect (and CA_ERR_ARG) when not composing.
 */
ca_err ime_backspace(struct ime *ime);

/* Is there a composition (letters typed, not yet committed)? */
int ime_composing(const struct ime *ime);

/* The letters typed so far, as typed ("jiangsu"); borrowed, valid until the
 * next call that changes the composition. "" when not composing. */
const char *ime_letters(const struct ime *ime);

/*
 * The composition for display: fixed choices, then the unfixed letters with
 * the engine's segmentation, syllables separated by a space or by the '\''
 * the person typed ("江苏guo tai", "xi'an"). Borrowed, as above.
 */
const char *ime_composition(const struct ime *ime);

/* Number of candidates for the unfixed letters (0 when not composing). */
size_t ime_cand_count(const struct ime *ime);

/*
 * Candidate index (0 = best) as UTF-8 into buf of size n (at least
 * IME_CAND_BYTES is always enough). CA_ERR_ARG for an index out of range,
 * CA_ERR_TOO_LONG when buf is too small (buf then holds "").
 */
ca_err ime_cand(struct ime *ime, size_t index, char *buf, size_t n);

/*
 * Fill up to max candidates starting at index first (a page of the caller's
 * size) into bufs[i] (each IME_CAND_BYTES). *count receives how many.
 */
ca_err ime_cand_page(struct ime *ime, size_t first, size_t max,
                     char (*bufs)[IME_CAND_BYTES], size_t *count);

/*
 * Choose candidate index. If it covers all remaining letters, the whole
 * composition (fixed choices and this one) is committed: ime_committed()
 * returns it and the composition is empty. Otherwise it is fixed and the
 * rest of the letters stay to compose. CA_ERR_ARG for a bad index.
 */
ca_err ime_choose(struct ime *ime, size_t index);

/* Text committed by the last ime_choose() (and only by it); "" otherwise.
 * Borrowed; cleared by the next call that changes the composition. */
const char *ime_committed(const struct ime *ime);

/*
 * Convert UTF-16 (len units; the engine's char16) to UTF-8 into dst of size
 * n, NUL-terminated. Surrogate pairs become one 4-byte sequence; an unpaired
 * surrogate becomes U+FFFD. Stops early at a NUL unit. On CA_ERR_TOO_LONG
 * dst holds as many whole characters as fit. *written (may be NULL)
 * receives the bytes written without the NUL.
 */
ca_err ime_utf16_to_utf8(const uint16_t *src, size_t len, char *dst, size_t n,
                         size_t *written);

#endif
