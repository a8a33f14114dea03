/*
 * dispproto.c - frame CRC, encoder and resynchronising decoder for the key
 * dispenser's serial protocol (dispproto.h, docs/dispenser.md).
 *
 * The decoder keeps the unconsumed bytes in a small buffer and looks at the
 * buffer afresh on every call: hunt for the start byte, check the length,
 * wait until the whole candidate is there, check the CRC. A failed candidate
 * costs only its start byte, so a real frame that began inside garbage is
 * still found. While a candidate is incomplete, a complete good frame that
 * starts later in the buffer wins: a stray start byte with a large length
 * must not hold up the real answer that follows it.
 */
#include "dispproto.h"

#include <assert.h>
#include <string.h>

/* CRC-16/CCITT-FALSE, bit by bit (frames are short; no table needed). */
uint16_t dproto_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021)
					     : (uint16_t)(crc << 1);
	}
	return crc;
}

/* Encode one frame; see dispproto.h. */
size_t dproto_encode(uint8_t cmd, const uint8_t *payload, size_t len,
		     uint8_t *out, size_t cap)
{
	size_t total = len + 5;
	uint16_t crc;

	if (len > DPROTO_PAYLOAD_MAX || total > cap)
		return 0;
	assert(out && (len == 0 || payload));
	out[0] = DPROTO_START;
	out[1] = (uint8_t)len;
	out[2] = cmd;
	if (len)
		memcpy(out + 3, payload, len);
	crc = dproto_crc16(out + 1, len + 2);
	out[3 + len] = (uint8_t)(crc >> 8);
	out[4 + len] = (uint8_t)(crc & 0xFF);
	return total;
}

/* An empty decoder with zero counters. */
void dproto_dec_init(struct dproto_dec *d)
{
	memset(d, 0, sizeof(*d));
}

/* Free bytes in the buffer. */
size_t dproto_dec_room(const struct dproto_dec *d)
{
	return sizeof(d->buf) - d->n;
}

/* Append what fits; see dispproto.h. */
size_t dproto_dec_push(struct dproto_dec *d, const uint8_t *p, size_t n)
{
	size_t room = dproto_dec_room(d);

	if (n > room)
		n = room;
	memcpy(d->buf + d->n, p, n);
	d->n += n;
	return n;
}

/* Remove the first k buffered bytes. */
static void dec_consume(struct dproto_dec *d, size_t k)
{
	memmove(d->buf, d->buf + k, d->n - k);
	d->n -= k;
}

/* Candidate frame at offset off: 1 good (length *total), 0 incomplete,
 * -1 bad (length over the cap or CRC mismatch). buf[off] is a start byte. */
static int dec_check(const struct dproto_dec *d, size_t off, size_t *total)
{
	size_t len, t;
	uint16_t crc;

	if (d->n - off < 2)
		return 0;
	len = d->buf[off + 1];
	if (len > DPROTO_PAYLOAD_MAX)
		return -1;
	t = len + 5;
	if (d->n - off < t)
		return 0;
	crc = (uint16_t)(d->buf[off + t - 2] << 8 | d->buf[off + t - 1]);
	if (dproto_crc16(d->buf + off + 1, len + 2) != crc)
		return -1;
	*total = t;
	return 1;
}

/* Copy the good frame at the start of the buffer into f and consume it. */
static void dec_take(struct dproto_dec *d, size_t total,
		     struct dproto_frame *f)
{
	f->len = d->buf[1];
	f->cmd = d->buf[2];
	memcpy(f->payload, d->buf + 3, f->len);
	dec_consume(d, total);
}

/* The next good frame, hunting and dropping as the file header says. */
int dproto_dec_next(struct dproto_dec *d, struct dproto_frame *f)
{
	size_t i, total, later;
	uint8_t *s;
	int r;

	for (;;) {
		s = memchr(d->buf, DPROTO_START, d->n);
		i = s ? (size_t)(s - d->buf) : d->n;
		d->dropped += i;
		dec_consume(d, i);
		if (d->n == 0)
			return 0;
		r = dec_check(d, 0, &total);
		if (r == 1) {
			dec_take(d, total, f);
			return 1;
		}
		if (r < 0) {
			d->bad_frames++;
			d->dropped++;
			dec_consume(d, 1);
			continue;
		}
		/* Incomplete: does a complete good frame start later? */
		for (later = 1; later < d->n; later++) {
			if (d->buf[later] != DPROTO_START)
				continue;
			if (dec_check(d, later, &total) == 1)
				break;
		}
		if (later >= d->n) {
			if (dproto_dec_room(d) == 0) {
				/* Full of an incomplete candidate: it cannot
				 * be a frame (frames fit many times over). */
				d->bad_frames++;
				d->dropped++;
				dec_consume(d, 1);
				continue;
			}
			return 0;
		}
		d->bad_frames++;
		d->dropped += later;
		dec_consume(d, later);
	}
}

/* Forget the buffered bytes (counted as dropped). */
void dproto_dec_reset(struct dproto_dec *d)
{
	d->dropped += d->n;
	d->n = 0;
}
