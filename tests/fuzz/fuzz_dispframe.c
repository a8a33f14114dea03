/*
 * fuzz_dispframe.c - libFuzzer target: the key dispenser's frame decoder
 * (src/kiosk/device/dispproto.h) on arbitrary bytes, pushed in pieces whose sizes
 * come from the input. Properties: never crashes or stalls (room always
 * comes back); every frame handed out re-encodes to bytes whose CRC checks
 * and decodes to the same frame; a good frame appended after the junk is
 * always found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/device/dispproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encode f and decode it again: must give f back. */
static void check_frame(const struct dproto_frame *f)
{
	uint8_t buf[DPROTO_FRAME_MAX];
	struct dproto_dec d;
	struct dproto_frame g;
	size_t n;

	if (f->len > DPROTO_PAYLOAD_MAX)
		abort();
	n = dproto_encode(f->cmd, f->payload, f->len, buf, sizeof(buf));
	if (n != (size_t)f->len + 5)
		abort();
	dproto_dec_init(&d);
	dproto_dec_push(&d, buf, n);
	if (!dproto_dec_next(&d, &g) || g.cmd != f->cmd || g.len != f->len ||
	    memcmp(g.payload, f->payload, f->len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t marker[] = { 0xC3, 0x5A, 0x00, 0x11 };
	uint8_t good[DPROTO_FRAME_MAX];
	struct dproto_dec d;
	struct dproto_frame f;
	size_t i = 0, chunk, took, gn, spins = 0;
	int found = 0;

	dproto_dec_init(&d);
	while (i < size) {
		chunk = (size_t)(data[i] % 17) + 1;
		if (chunk > size - i)
			chunk = size - i;
		took = dproto_dec_push(&d, data + i, chunk);
		i += took;
		while (dproto_dec_next(&d, &f))
			check_frame(&f);
		if (took == 0 && ++spins > 4)
			abort(); /* no room came back */
		if (took)
			spins = 0;
	}
	/* A good frame after the junk: found within the junk's length plus
	 * the buffer, however the junk ended. */
	gn = dproto_encode(0x7E, marker, sizeof(marker), good, sizeof(good));
	for (i = 0; i < 8 && !found; i++) {
		size_t off = 0;

		while (off < gn) {
			off += dproto_dec_push(&d, good + off, gn - off);
			while (dproto_dec_next(&d, &f)) {
				check_frame(&f);
				if (f.cmd == 0x7E && f.len == sizeof(marker) &&
				    memcmp(f.payload, marker, sizeof(marker)) == 0)
					found = 1;
			}
		}
	}
	if (!found)
		abort();
	return 0;
}
