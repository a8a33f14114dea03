/*
 * dispproto.h - the key dispenser's serial frame format: CRC, encoder and a
 * resynchronising stream decoder. Pure: no I/O, no allocation. Used by the
 * serial driver (dispenser.c) and by the device simulator
 * (tools/dispenser_sim.c). docs/dispenser.md is the protocol reference.
 *
 * A frame on the wire:
 *
 *   0xA5 | LEN | CMD | PAYLOAD (LEN bytes) | CRC_HI | CRC_LO
 *
 * LEN is the payload length, 0..DPROTO_PAYLOAD_MAX. The CRC is
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0)
 * over LEN, CMD and the payload, sent high byte first.
 *
 * Invariant of the decoder: it never hands out a frame whose length or CRC
 * is wrong; every byte it drops is counted.
 */
#ifndef CA_DISPPROTO_H
#define CA_DISPPROTO_H

#include <stddef.h>
#include <stdint.h>

#define DPROTO_START 0xA5
#define DPROTO_PAYLOAD_MAX 64
/* Start, length, command, payload, two CRC bytes. */
#define DPROTO_FRAME_MAX (DPROTO_PAYLOAD_MAX + 5)
/* Bytes the decoder buffers: room for a frame and the garbage before it. */
#define DPROTO_DEC_BUF (4 * DPROTO_FRAME_MAX)

/* Commands: host -> device below 0x80, device -> host from 0x80 (and the
 * two control characters ACK / NAK). */
enum dproto_cmd {
	DPROTO_STATUS = 0x01,       /* [seq] */
	DPROTO_DISPENSE = 0x02,     /* [seq, slot] */
	DPROTO_RESTOCK = 0x03,      /* [seq, slot, count_hi, count_lo] */
	DPROTO_ACK = 0x06,          /* [seq]: RESTOCK done */
	DPROTO_NAK = 0x15,          /* [seq, reason]: request refused */
	DPROTO_STATUS_REPLY = 0x81, /* [seq, flags, last_seq, last_result, n, stock_hi, stock_lo x n] */
	DPROTO_RESULT = 0x82,       /* [seq, slot, result, stock_hi, stock_lo] */
	DPROTO_EVENT = 0x90,        /* [flags]: unsolicited, door or fault changed */
};

/* Device results of a DISPENSE (RESULT frame, last_result of STATUS). */
enum dproto_result {
	DPROTO_R_OK = 0,        /* one key dispensed */
	DPROTO_R_EMPTY = 1,     /* slot has no key; nothing moved */
	DPROTO_R_JAM = 2,       /* mechanism jammed; the key is not out */
	DPROTO_R_DOOR_OPEN = 3, /* service door open; nothing moved */
	DPROTO_R_FAULT = 4,     /* other hardware fault; nothing moved */
	DPROTO_R_BAD_SLOT = 5,  /* no such slot */
	DPROTO_R_NONE = 0xFF,   /* last_result before any DISPENSE */
};

/* Status flags (STATUS_REPLY, EVENT). */
#define DPROTO_F_DOOR 0x01  /* service door open */
#define DPROTO_F_JAM 0x02   /* jammed until cleared by staff */
#define DPROTO_F_FAULT 0x04 /* hardware fault */

/* NAK reasons. */
enum dproto_nak {
	DPROTO_NAK_CRC = 1, /* frame with a bad CRC (seq 0: unknown) */
	DPROTO_NAK_LEN = 2, /* payload length wrong for the command */
	DPROTO_NAK_CMD = 3, /* unknown command */
	DPROTO_NAK_SEQ = 4, /* same seq as the last command, other payload */
};

/* One decoded frame. */
struct dproto_frame {
	uint8_t cmd;                        /* command byte */
	uint8_t len;                        /* payload length */
	uint8_t payload[DPROTO_PAYLOAD_MAX]; /* payload bytes */
};

/* Stream decoder state; zero it with dproto_dec_init. */
struct dproto_dec {
	uint8_t buf[DPROTO_DEC_BUF]; /* bytes not yet consumed */
	size_t n;                    /* bytes in buf */
	unsigned long dropped;       /* garbage bytes skipped while hunting */
	unsigned long bad_frames;    /* candidate frames dropped (length or CRC) */
};

/* CRC-16/CCITT-FALSE of n bytes ("123456789" gives 0x29B1). */
uint16_t dproto_crc16(const uint8_t *p, size_t n);

/*
 * Encode a frame of cmd with payload (len bytes) into out (size cap).
 * Returns the frame length, or 0 when len > DPROTO_PAYLOAD_MAX or the frame
 * does not fit.
 */
size_t dproto_encode(uint8_t cmd, const uint8_t *payload, size_t len,
		     uint8_t *out, size_t cap);

void dproto_dec_init(struct dproto_dec *d);

/* Room left in the decoder's buffer; dproto_dec_push takes at most this. */
size_t dproto_dec_room(const struct dproto_dec *d);

/* Append up to n bytes; returns how many were taken (the rest must be pushed
 * again after dproto_dec_next made room). */
size_t dproto_dec_push(struct dproto_dec *d, const uint8_t *p, size_t n);

/*
 * The next good frame into *f: returns 1, or 0 when more bytes are needed.
 * Bytes before a start byte are dropped; a candidate with a length over
 * DPROTO_PAYLOAD_MAX or a bad CRC is dropped by its start byte only, and the
 * hunt goes on from the next byte (a real frame may begin inside it).
 */
int dproto_dec_next(struct dproto_dec *d, struct dproto_frame *f);

/* Drop everything buffered (counted as dropped). */
void dproto_dec_reset(struct dproto_dec *d);

#endif
