/*
 * dispenser_serial.c - a dispenser device on a tty (dispenser.h, driver
 * serial). Requests are framed with dispproto.h and run one
 * request/answer exchange at a time in ser_exchange: write, then poll(2)
 * for an answer until the per-answer deadline, resending up to `retries`
 * times. Answers are matched by command and sequence number; a stale
 * answer (another seq), an unsolicited EVENT or a damaged frame is
 * skipped, never taken for the answer.
 *
 * A line that hangs up (a USB serial adapter pulled out, the device's
 * power cut) is closed at once and opened again by the next request, so a
 * device plugged back in (under the same path, e.g. a udev symlink) is
 * used again without restarting the kiosk.
 *
 * Sequence numbers (docs/dispenser.md): 1..255, never 0, and never the seq
 * the device holds as its last executed DISPENSE/RESTOCK, because the
 * device answers that seq with the stored result without acting. The host
 * learns that seq from STATUS at open, and again before the next DISPENSE
 * whenever an exchange ended without an answer.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dispenser_drv.h"
#include "dispproto.h"

/* The serial driver's struct disp. */
struct ser {
	struct disp d;                    /* first: what dispenser.c sees */
	int timeout_ms;                   /* wait for one answer */
	int retries;                      /* resends after no answer */
	int baud;                         /* the line's rate */
	int fd;                           /* the tty, -1 when closed */
	struct dproto_dec dec;            /* the answer decoder */
	uint8_t seq;                      /* last seq sent */
	uint8_t dev_last_seq;             /* the device's stored seq */
	bool seq_known;                   /* dev_last_seq is current */
};

static struct ser *ser_of(struct disp *d)
{
	return (struct ser *)d;
}

/* termios speed for a baud rate the config accepted; B0 when unknown. */
static speed_t ser_speed(int baud)
{
	switch (baud) {
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return B0;
	}
}

/* Write all n bytes before deadline (monotonic ms): 1 written, 0 not
 * before the deadline, -1 the line is gone (EIO and the like). */
static int ser_write(struct disp *d, const uint8_t *p, size_t n,
		     long long deadline)
{
	struct ser *sr = ser_of(d);
	struct pollfd pfd = { .fd = sr->fd, .events = POLLOUT };
	ssize_t w;
	long long left;

	while (n) {
		w = write(sr->fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		left = deadline - ca_mono_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & (POLLHUP | POLLERR))
			return -1;
	}
	return 1;
}

/* Open and set up the tty into sr->fd: raw, 8N1, no flow control, sr->baud,
 * non-blocking, locked against a second user. */
static ca_err ser_line(struct disp *d, char *err, size_t errlen)
{
	struct ser *sr = ser_of(d);
	struct termios t;
	speed_t sp = ser_speed(sr->baud);
	int fd;

	fd = open(d->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ca_errmsg(err, errlen, "%s: cannot open: %s", d->path,
			  strerror(errno));
		return CA_ERR_IO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ca_errmsg(err, errlen, "%s: in use by another process", d->path);
		close(fd);
		return CA_ERR_IO;
	}
	if (!isatty(fd) || tcgetattr(fd, &t) != 0 || sp == B0) {
		ca_errmsg(err, errlen, "%s: not a serial line (or baud %d not "
		     "supported)", d->path, sr->baud);
		close(fd);
		return CA_ERR_IO;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) != 0 || cfsetospeed(&t, sp) != 0 ||
	    tcsetattr(fd, TCSANOW, &t) != 0) {
		ca_errmsg(err, errlen, "%s: cannot set the line up: %s", d->path,
			  strerror(errno));
		close(fd);
		return CA_ERR_IO;
	}
	sr->fd = fd;
	dproto_dec_reset(&sr->dec);
	return CA_OK;
}

/* The line hung up: close it; the next request opens it again. */
static void ser_hangup(struct disp *d)
{
	struct ser *sr = ser_of(d);

	log_warn("dispenser", "%s hung up; it is opened again on the next "
		 "request", d->path);
	close(sr->fd);
	sr->fd = -1;
	sr->seq_known = false;
}

/* The next seq: 1..255, never the device's stored one. */
static uint8_t ser_next_seq(struct disp *d)
{
	struct ser *sr = ser_of(d);
	uint8_t s = sr->seq;

	do
		s = (uint8_t)(s % 255 + 1);
	while (s == sr->dev_last_seq);
	sr->seq = s;
	return s;
}

/* Read what is there into the decoder; false when the line hung up. */
static bool ser_fill(struct disp *d)
{
	struct ser *sr = ser_of(d);
	uint8_t buf[DPROTO_DEC_BUF];
	size_t room = dproto_dec_room(&sr->dec);
	ssize_t r;

	if (room == 0)
		return true;
	r = read(sr->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (r > 0) {
		dproto_dec_push(&sr->dec, buf, (size_t)r);
		return true;
	}
	return r < 0 && (errno == EAGAIN || errno == EINTR);
}

/*
 * One request (cmd, payload with the seq first) and its answer: a frame of
 * want_cmd with the same seq, or a NAK (then resent at once). Up to
 * retries + 1 sends, each waiting timeout_ms. True with *ans filled; false
 * when no good answer came (why says so).
 */
static bool ser_exchange(struct disp *d, uint8_t cmd, const uint8_t *payload,
			 size_t len, uint8_t want_cmd, struct dproto_frame *ans,
			 char *why, size_t whylen)
{
	struct ser *sr = ser_of(d);
	uint8_t frame[DPROTO_FRAME_MAX];
	size_t flen = dproto_encode(cmd, payload, len, frame, sizeof(frame));
	struct pollfd pfd;
	int attempt, naks = 0, wr;
	long long deadline, left;
	bool hup = false;
	char oerr[DISP_TEXT_MAX];

	assert(flen > 0);
	if (sr->fd < 0) {
		if (ser_line(d, oerr, sizeof(oerr)) != CA_OK) {
			ca_errmsg(why, whylen, "no answer: %s", oerr);
			return false;
		}
		log_info("dispenser", "%s opened again", d->path);
	}
	pfd = (struct pollfd){ .fd = sr->fd, .events = POLLIN };
	/* Bytes from before this request can only be stale answers. */
	(void)tcflush(sr->fd, TCIFLUSH);
	dproto_dec_reset(&sr->dec);
	for (attempt = 0; attempt <= sr->retries && !hup; attempt++) {
		bool nak = false;

		deadline = ca_mono_ms() + sr->timeout_ms;
		if (attempt)
			log_warn("dispenser", "resending cmd 0x%02x seq %u "
				 "(attempt %d)", cmd, payload[0], attempt + 1);
		wr = ser_write(d, frame, flen, deadline);
		if (wr < 0) {
			hup = true;
			break;
		}
		if (wr == 0)
			continue;
		while (!nak) {
			if (dproto_dec_next(&sr->dec, ans)) {
				/* An EVENT is only a hint: the flags that count
				 * come with STATUS; skipped like stale answers. */
				if (ans->cmd == DPROTO_NAK && ans->len == 2 &&
				    (ans->payload[0] == payload[0] ||
				     ans->payload[0] == 0)) {
					nak = true;
					naks++;
					continue;
				}
				if (ans->cmd == want_cmd && ans->len >= 1 &&
				    ans->payload[0] == payload[0])
					return true;
				continue; /* stale or unexpected: skip */
			}
			left = deadline - ca_mono_ms();
			if (left <= 0)
				break;
			if (poll(&pfd, 1, (int)left) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (pfd.revents & POLLIN) {
				if (!ser_fill(d)) {
					hup = true;
					break;
				}
			} else if (pfd.revents & (POLLHUP | POLLERR)) {
				hup = true;
				break;
			}
		}
	}
	if (hup) {
		ca_errmsg(why, whylen, "no answer from %s: line hung up", d->path);
		ser_hangup(d);
	} else
		ca_errmsg(why, whylen, "no answer from %s after %d attempt%s of %d ms"
		     " (%d NAK, %lu bad frame%s)", d->path, sr->retries + 1,
		     sr->retries ? "s" : "", sr->timeout_ms, naks,
		     sr->dec.bad_frames, sr->dec.bad_frames == 1 ? "" : "s");
	return false;
}

/* Device result byte to a HAL result. */
static enum disp_result ser_result(uint8_t r)
{
	switch (r) {
	case DPROTO_R_OK: return DISP_OK;
	case DPROTO_R_EMPTY: return DISP_EMPTY;
	case DPROTO_R_JAM: return DISP_JAM;
	case DPROTO_R_DOOR_OPEN: return DISP_DOOR_OPEN;
	case DPROTO_R_BAD_SLOT: return DISP_BAD_SLOT;
	case DPROTO_R_NONE: return DISP_NO_ANSWER;
	default: return DISP_FAULT;
	}
}

/* Serial: STATUS; also learns the device's stored seq. */
static ca_err ser_status(struct disp *d, struct disp_status *st)
{
	struct ser *sr = ser_of(d);
	struct dproto_frame a;
	uint8_t seq = ser_next_seq(d);
	int i, n;

	if (!ser_exchange(d, DPROTO_STATUS, &seq, 1, DPROTO_STATUS_REPLY, &a,
			  st->text, sizeof(st->text))) {
		sr->seq_known = false;
		return CA_ERR_IO;
	}
	n = a.len >= 5 ? a.payload[4] : -1;
	if (n < 1 || n > CONFIG_DISP_SLOTS_MAX || a.len != 5 + 2 * n) {
		ca_errmsg(st->text, sizeof(st->text), "bad STATUS answer from %s "
		     "(%u bytes)", d->path, a.len);
		return CA_ERR_IO;
	}
	st->nslots = n;
	st->door_open = a.payload[1] & DPROTO_F_DOOR;
	st->jam = a.payload[1] & DPROTO_F_JAM;
	st->fault = a.payload[1] & DPROTO_F_FAULT;
	st->last_seq = a.payload[2];
	st->last_result = ser_result(a.payload[3]);
	for (i = 0; i < n; i++)
		st->stock[i] = a.payload[5 + 2 * i] << 8 | a.payload[6 + 2 * i];
	sr->dev_last_seq = a.payload[2];
	sr->seq_known = true;
	disp_status_text(st);
	if (n != d->nslots)
		log_warn("dispenser", "%s reports %d slots, config says %d",
			 d->path, n, d->nslots);
	return CA_OK;
}

/* Serial: DISPENSE with a fresh seq (after a STATUS when the device's
 * stored seq is not known); retries inside ser_exchange keep the seq. */
static enum disp_result ser_dispense(struct disp *d, int slot, char *detail,
				     size_t n)
{
	struct ser *sr = ser_of(d);
	struct disp_status st;
	struct dproto_frame a;
	uint8_t req[2];
	enum disp_result r;
	char why[DISP_TEXT_MAX];

	if (!sr->seq_known) {
		memset(&st, 0, sizeof(st));
		if (ser_status(d, &st) != CA_OK) {
			ca_errmsg(detail, n, "slot %d: not sent: %s", slot, st.text);
			return DISP_NO_ANSWER;
		}
	}
	req[0] = ser_next_seq(d);
	req[1] = (uint8_t)slot;
	if (!ser_exchange(d, DPROTO_DISPENSE, req, 2, DPROTO_RESULT, &a, why,
			  sizeof(why))) {
		/* The device may have acted: learn its seq before the next. */
		sr->seq_known = false;
		ca_errmsg(detail, n, "slot %d: %s", slot, why);
		return DISP_NO_ANSWER;
	}
	sr->dev_last_seq = req[0];
	if (a.len != 5 || a.payload[1] != (uint8_t)slot) {
		/* Our seq: the device did act, we cannot read how. Unknown,
		 * like no answer: the caller asks STATUS (last_result). */
		sr->seq_known = false;
		ca_errmsg(detail, n, "slot %d: bad RESULT answer (%u bytes)", slot,
			  a.len);
		return DISP_NO_ANSWER;
	}
	r = ser_result(a.payload[2]);
	if (r == DISP_OK)
		ca_errmsg(detail, n, "slot %d: dispensed, %d left (seq %u)", slot,
			  a.payload[3] << 8 | a.payload[4], req[0]);
	else
		ca_errmsg(detail, n, "slot %d: %s (seq %u)", slot,
			  disp_result_name(r), req[0]);
	return r;
}

/* Serial: RESTOCK, confirmed by ACK. */
static ca_err ser_restock(struct disp *d, int slot, int count, char *err,
			  size_t n)
{
	struct ser *sr = ser_of(d);
	struct disp_status st;
	struct dproto_frame a;
	uint8_t req[4];

	/* Like a dispense: a seq the device holds would be answered from
	 * memory and the restock not done. */
	if (!sr->seq_known) {
		memset(&st, 0, sizeof(st));
		if (ser_status(d, &st) != CA_OK) {
			ca_errmsg(err, n, "%s", st.text);
			return CA_ERR_IO;
		}
	}
	req[0] = ser_next_seq(d);
	req[1] = (uint8_t)slot;
	req[2] = (uint8_t)(count >> 8);
	req[3] = (uint8_t)(count & 0xFF);
	if (!ser_exchange(d, DPROTO_RESTOCK, req, 4, DPROTO_ACK, &a, err, n)) {
		sr->seq_known = false;
		return CA_ERR_IO;
	}
	sr->dev_last_seq = req[0];
	return CA_OK;
}

/* Serial: close the tty (which drops the lock) and free the driver. */
static void ser_close(struct disp *d)
{
	struct ser *sr = ser_of(d);

	if (sr->fd >= 0)
		close(sr->fd);
	free(sr);
}

static const struct disp_ops ser_ops = {
	ser_status, ser_dispense, ser_restock, ser_close,
};

/* Open the line (ser_line) and read the status once: a device that does
 * not answer yet is not an error (its seq is learnt before the first
 * dispense). */
ca_err disp_serial_open(const struct config *c, struct disp **out, char *err,
			size_t errlen)
{
	struct disp *d = disp_new(sizeof(struct ser), &ser_ops, c, err, errlen);
	struct disp_status st;
	struct ser *sr;
	ca_err e;

	if (!d)
		return CA_ERR_NOMEM;
	sr = ser_of(d);
	sr->fd = -1;
	snprintf(d->path, sizeof(d->path), "%s", c->disp_device);
	sr->timeout_ms = c->disp_timeout_ms;
	sr->retries = c->disp_retries;
	sr->baud = c->disp_baud;
	dproto_dec_init(&sr->dec);
	e = ser_line(d, err, errlen);
	if (e != CA_OK) {
		free(sr);
		return e;
	}
	memset(&st, 0, sizeof(st));
	if (ser_status(d, &st) != CA_OK)
		log_warn("dispenser", "%s", st.text);
	else
		log_info("dispenser", "%s: %s", d->path, st.text);
	*out = d;
	return CA_OK;
}
