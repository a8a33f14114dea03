/*
 * dispenser.c - the key dispenser HAL (dispenser.h): a small table of
 * operations per driver, like an event loop's backends.
 *
 * Start reading at disp_open: it picks the driver and fills struct disp.
 * The sim driver (sim_*) keeps its whole state in memory and in a small
 * text file, saved with tmp + fsync + rename before any answer that
 * depends on it. The serial driver (ser_*) frames requests with dispproto.h
 * and runs one request/answer exchange at a time in ser_exchange: write,
 * then poll(2) for an answer until the per-answer deadline, resending up to
 * `retries` times. Answers are matched by command and sequence number; a
 * stale answer (another seq), an unsolicited EVENT or a damaged frame is
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
#include "dispenser.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../common/filesave.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "dispproto.h"

/* Name of the sim's state file inside data_dir, when state_file is "". */
#define DISP_STATE_NAME "dispenser.state"
/* First line of a state file (format version 1). */
#define DISP_STATE_MAGIC "ca-dispenser-sim 1"
/* Largest state file read. */
#define DISP_STATE_MAX 1024
/* Room for a path plus a suffix. */
#define DISP_PATH_MAX (CONFIG_PATH_MAX * 2 + 32)

/* The sim's persisted state. */
struct sim_state {
	int stock[CONFIG_DISP_SLOTS_MAX]; /* keys per slot */
	bool jam;                         /* jammed until cleared */
	bool door;                        /* door open */
	bool hw;                          /* hardware fault */
	bool next_jam;                    /* the next dispense jams */
	int next_no_answer;               /* 1: the next call gets no answer;
					   * 2: the next dispense only */
	int next_empty;                   /* slot whose next dispense reads empty, 0 none */
	unsigned last_seq;                /* count of executed dispenses/restocks, 1..255 cycling */
	enum disp_result last_result;     /* last dispense result, DISP_NO_ANSWER = none */
};

struct disp;

/* One driver's operations. */
struct disp_ops {
	ca_err (*status)(struct disp *d, struct disp_status *st);
	enum disp_result (*dispense)(struct disp *d, int slot, char *detail,
				     size_t n);
	ca_err (*restock)(struct disp *d, int slot, int count, char *err,
			  size_t n);
	void (*close)(struct disp *d);
};

struct disp {
	const struct disp_ops *ops;       /* the driver */
	int nslots;                       /* slots, from the config */
	int timeout_ms;                   /* serial: wait for one answer */
	int retries;                      /* serial: resends after no answer */
	int baud;                         /* serial: the line's rate */
	char path[DISP_PATH_MAX];         /* sim: state file; serial: tty */
	struct sim_state sim;             /* sim: the state */
	int fd;                           /* serial: the tty, -1 when closed */
	struct dproto_dec dec;            /* serial: the answer decoder */
	uint8_t seq;                      /* serial: last seq sent */
	uint8_t dev_last_seq;             /* serial: the device's stored seq */
	bool seq_known;                   /* serial: dev_last_seq is current */
};

/* snprintf into buf (size n) when buf is not NULL. */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!buf || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* Names for logs and fault records; see dispenser.h. */
const char *disp_result_name(enum disp_result r)
{
	static const char *const names[DISP__N] = {
		[DISP_OK] = "ok",
		[DISP_EMPTY] = "empty",
		[DISP_JAM] = "jam",
		[DISP_DOOR_OPEN] = "door_open",
		[DISP_NO_ANSWER] = "no_answer",
		[DISP_FAULT] = "fault",
		[DISP_BAD_SLOT] = "bad_slot",
		[DISP_NO_DISPENSER] = "no_dispenser",
	};

	if ((unsigned)r >= DISP__N)
		return "unknown";
	return names[r];
}

/* Fill st->text from the other fields. */
static void status_text(struct disp_status *st)
{
	size_t used;
	int i;

	used = (size_t)snprintf(st->text, sizeof(st->text), "stock");
	for (i = 0; i < st->nslots && used < sizeof(st->text); i++)
		used += (size_t)snprintf(st->text + used, sizeof(st->text) - used,
					 "%s%d", i ? "/" : " ", st->stock[i]);
	if (used < sizeof(st->text))
		snprintf(st->text + used, sizeof(st->text) - used,
			 "; door %s%s%s", st->door_open ? "open" : "closed",
			 st->jam ? "; JAM" : "", st->fault ? "; FAULT" : "");
}

/* ---- sim driver ---- */

/* Write the sim state to d->path, durably (file_save: tmp file, fsync,
 * rename, fsync of the directory). */
static ca_err sim_save(const struct disp *d, const struct sim_state *s)
{
	char text[DISP_STATE_MAX], err[FILESAVE_PATH_MAX + 128];
	size_t used = 0;
	ca_err ret;
	int i;

	used += (size_t)snprintf(text + used, sizeof(text) - used,
				 DISP_STATE_MAGIC "\nslots %d\nstock",
				 d->nslots);
	for (i = 0; i < d->nslots; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " %d", s->stock[i]);
	used += (size_t)snprintf(text + used, sizeof(text) - used,
		"\njam %d\ndoor %d\nfault %d\nnext_jam %d\nnext_no_answer %d\n"
		"next_empty %d\nlast %u %d\n", s->jam, s->door, s->hw,
		s->next_jam, s->next_no_answer, s->next_empty, s->last_seq,
		(int)s->last_result);
	ret = file_save(d->path, text, strlen(text), 0600, err, sizeof(err));
	if (ret != CA_OK) {
		int saved = errno;

		log_error("dispenser", "cannot save state: %s", err);
		errno = saved;
	}
	return ret;
}

/* Read one "key N" line from *p into *v (0/1 flags with maxv 1). */
static bool sim_field(char **p, const char *key, int *v, int maxv)
{
	size_t klen = strlen(key);
	char *end;
	long n;

	if (strncmp(*p, key, klen) != 0 || (*p)[klen] != ' ')
		return false;
	n = strtol(*p + klen + 1, &end, 10);
	if (end == *p + klen + 1 || *end != '\n' || n < 0 || n > maxv)
		return false;
	*v = (int)n;
	*p = end + 1;
	return true;
}

/*
 * Load the state file into d->sim. CA_OK; CA_ERR_NOT_FOUND when it does not
 * exist; CA_ERR_CORRUPT when it is not a state file of this format;
 * CA_ERR_CONFIG when its slot count differs from the config's.
 */
static ca_err sim_load(struct disp *d, char *err, size_t errlen)
{
	char text[DISP_STATE_MAX + 1], *p, *end;
	struct sim_state s;
	int fd, v, slots, i, flags[6], seq, res;
	ssize_t got;
	static const char *const keys[6] = {
		"jam", "door", "fault", "next_jam", "next_no_answer",
		"next_empty",
	};

	fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return CA_ERR_NOT_FOUND;
		say(err, errlen, "%s: cannot open: %s", d->path,
		    strerror(errno));
		return CA_ERR_IO;
	}
	got = read(fd, text, sizeof(text));
	close(fd);
	if (got < 0 || got > DISP_STATE_MAX)
		goto bad;
	text[got] = '\0';
	memset(&s, 0, sizeof(s));
	p = text;
	if (strncmp(p, DISP_STATE_MAGIC "\n", sizeof(DISP_STATE_MAGIC)) != 0)
		goto bad;
	p += sizeof(DISP_STATE_MAGIC);
	if (!sim_field(&p, "slots", &slots, CONFIG_DISP_SLOTS_MAX) ||
	    slots < 1)
		goto bad;
	if (slots != d->nslots) {
		say(err, errlen, "%s: has %d slots but [dispenser] slots is %d;"
		    " remove the file to start from the configured stock",
		    d->path, slots, d->nslots);
		return CA_ERR_CONFIG;
	}
	if (strncmp(p, "stock", 5) != 0)
		goto bad;
	p += 5;
	for (i = 0; i < slots; i++) {
		long n;

		if (*p != ' ')
			goto bad;
		n = strtol(p + 1, &end, 10);
		if (end == p + 1 || n < 0 || n > 0xFFFF)
			goto bad;
		s.stock[i] = (int)n;
		p = end;
	}
	if (*p++ != '\n')
		goto bad;
	for (i = 0; i < 6; i++)
		if (!sim_field(&p, keys[i], &flags[i],
			       i == 5 ? CONFIG_DISP_SLOTS_MAX : i == 4 ? 2 : 1))
			goto bad;
	if (sscanf(p, "last %d %d\n%n", &seq, &res, &v) != 2 || seq < 0 ||
	    seq > 255 || res < 0 || res >= DISP__N)
		goto bad;
	s.jam = flags[0];
	s.door = flags[1];
	s.hw = flags[2];
	s.next_jam = flags[3];
	s.next_no_answer = flags[4];
	if (flags[5] > slots)
		goto bad;
	s.next_empty = flags[5];
	s.last_seq = (unsigned)seq;
	s.last_result = (enum disp_result)res;
	d->sim = s;
	return CA_OK;
bad:
	say(err, errlen, "%s: not a dispenser state file (or damaged); "
	    "remove it to start from the configured stock", d->path);
	return CA_ERR_CORRUPT;
}

/* Sim: the state as it is (an injected no-answer is used up here too). */
static ca_err sim_status(struct disp *d, struct disp_status *st)
{
	if (d->sim.next_no_answer == 1) {
		d->sim.next_no_answer = 0;
		(void)sim_save(d, &d->sim);
		snprintf(st->text, sizeof(st->text), "no answer (injected)");
		return CA_ERR_IO;
	}
	st->nslots = d->nslots;
	memcpy(st->stock, d->sim.stock, sizeof(st->stock));
	st->door_open = d->sim.door;
	st->jam = d->sim.jam;
	st->fault = d->sim.hw;
	st->last_seq = d->sim.last_seq;
	st->last_result = d->sim.last_result;
	status_text(st);
	return CA_OK;
}

/* Sim: the device's checks in the device's order, then one key; the new
 * state is saved before the result is returned. */
static enum disp_result sim_dispense(struct disp *d, int slot, char *detail,
				     size_t n)
{
	struct sim_state s = d->sim;
	enum disp_result r;

	if (s.next_no_answer) {
		/* Like a device that never heard: nothing happens. */
		s.next_no_answer = 0;
		r = DISP_NO_ANSWER;
		goto save;
	}
	s.last_seq = s.last_seq % 255 + 1;
	if (slot < 1 || slot > d->nslots)
		r = DISP_BAD_SLOT;
	else if (s.door)
		r = DISP_DOOR_OPEN;
	else if (s.hw)
		r = DISP_FAULT;
	else if (s.jam)
		r = DISP_JAM;
	else if (s.next_jam) {
		s.next_jam = false;
		s.jam = true;
		r = DISP_JAM;
	} else if (s.next_empty == slot) {
		s.next_empty = 0;
		r = DISP_EMPTY;
	} else if (s.stock[slot - 1] == 0) {
		r = DISP_EMPTY;
	} else {
		s.stock[slot - 1]--;
		r = DISP_OK;
	}
	s.last_result = r;
save:
	if (sim_save(d, &s) != CA_OK) {
		say(detail, n, "slot %d: not dispensed, state %s not saved",
		    slot, d->path);
		return DISP_FAULT;
	}
	d->sim = s;
	if (r == DISP_OK)
		say(detail, n, "slot %d: dispensed, %d left", slot,
		    s.stock[slot - 1]);
	else if (r == DISP_NO_ANSWER)
		say(detail, n, "slot %d: no_answer (injected)", slot);
	else
		say(detail, n, "slot %d: %s", slot, disp_result_name(r));
	return r;
}

/* Sim: set the slot's stock, clear a jam, save. */
static ca_err sim_restock(struct disp *d, int slot, int count, char *err,
			  size_t n)
{
	struct sim_state s = d->sim;

	s.stock[slot - 1] = count;
	s.jam = false;
	s.next_jam = false;
	s.last_seq = s.last_seq % 255 + 1;
	if (sim_save(d, &s) != CA_OK) {
		say(err, n, "restock not saved: %s: %s", d->path,
		    strerror(errno));
		return CA_ERR_IO;
	}
	d->sim = s;
	return CA_OK;
}

/* Sim: nothing to release; the state file is always current. */
static void sim_close(struct disp *d)
{
	(void)d;
}

static const struct disp_ops sim_ops = {
	sim_status, sim_dispense, sim_restock, sim_close,
};

/* Sim only: turn a fault on (or all off); see dispenser.h. */
ca_err disp_sim_inject(struct disp *d, enum disp_fault f, int slot)
{
	struct sim_state s;

	if (!d || d->ops != &sim_ops)
		return CA_ERR_ARG;
	s = d->sim;
	switch (f) {
	case DISP_FAULT_CLEAR:
		s.jam = s.door = s.hw = s.next_jam = false;
		s.next_no_answer = 0;
		s.next_empty = 0;
		break;
	case DISP_FAULT_JAM:
		s.next_jam = true;
		break;
	case DISP_FAULT_EMPTY:
		if (slot < 1 || slot > d->nslots)
			return CA_ERR_ARG;
		s.next_empty = slot;
		break;
	case DISP_FAULT_NO_ANSWER:
		s.next_no_answer = 1;
		break;
	case DISP_FAULT_NO_ANSWER_DISPENSE:
		s.next_no_answer = 2;
		break;
	case DISP_FAULT_DOOR_OPEN:
		s.door = true;
		break;
	case DISP_FAULT_HW:
		s.hw = true;
		break;
	default:
		return CA_ERR_ARG;
	}
	if (sim_save(d, &s) != CA_OK)
		return CA_ERR_IO;
	d->sim = s;
	return CA_OK;
}

/* Open the sim: state from the file, or the configured stock. */
static ca_err sim_open(struct disp *d, const struct config *c, char *err,
		       size_t errlen)
{
	ca_err e;
	int i;

	if (c->disp_state_file[0])
		snprintf(d->path, sizeof(d->path), "%s", c->disp_state_file);
	else
		snprintf(d->path, sizeof(d->path), "%s/%s", c->data_dir,
			 DISP_STATE_NAME);
	e = sim_load(d, err, errlen);
	if (e != CA_ERR_NOT_FOUND)
		return e;
	memset(&d->sim, 0, sizeof(d->sim));
	for (i = 0; i < d->nslots; i++)
		d->sim.stock[i] = c->disp_stock[i];
	d->sim.last_result = DISP_NO_ANSWER;
	if (sim_save(d, &d->sim) != CA_OK) {
		say(err, errlen, "%s: cannot create: %s", d->path,
		    strerror(errno));
		return CA_ERR_IO;
	}
	return CA_OK;
}

/* ---- serial driver ---- */

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
	struct pollfd pfd = { .fd = d->fd, .events = POLLOUT };
	ssize_t w;
	long long left;

	while (n) {
		w = write(d->fd, p, n);
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

/* Open and set up the tty into d->fd: raw, 8N1, no flow control, d->baud,
 * non-blocking, locked against a second user. */
static ca_err ser_line(struct disp *d, char *err, size_t errlen)
{
	struct termios t;
	speed_t sp = ser_speed(d->baud);
	int fd;

	fd = open(d->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		say(err, errlen, "%s: cannot open: %s", d->path,
		    strerror(errno));
		return CA_ERR_IO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		say(err, errlen, "%s: in use by another process", d->path);
		close(fd);
		return CA_ERR_IO;
	}
	if (!isatty(fd) || tcgetattr(fd, &t) != 0 || sp == B0) {
		say(err, errlen, "%s: not a serial line (or baud %d not "
		    "supported)", d->path, d->baud);
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
		say(err, errlen, "%s: cannot set the line up: %s", d->path,
		    strerror(errno));
		close(fd);
		return CA_ERR_IO;
	}
	d->fd = fd;
	dproto_dec_reset(&d->dec);
	return CA_OK;
}

/* The line hung up: close it; the next request opens it again. */
static void ser_hangup(struct disp *d)
{
	log_warn("dispenser", "%s hung up; it is opened again on the next "
		 "request", d->path);
	close(d->fd);
	d->fd = -1;
	d->seq_known = false;
}

/* The next seq: 1..255, never the device's stored one. */
static uint8_t ser_next_seq(struct disp *d)
{
	uint8_t s = d->seq;

	do
		s = (uint8_t)(s % 255 + 1);
	while (s == d->dev_last_seq);
	d->seq = s;
	return s;
}

/* Read what is there into the decoder; false when the line hung up. */
static bool ser_fill(struct disp *d)
{
	uint8_t buf[DPROTO_DEC_BUF];
	size_t room = dproto_dec_room(&d->dec);
	ssize_t r;

	if (room == 0)
		return true;
	r = read(d->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (r > 0) {
		dproto_dec_push(&d->dec, buf, (size_t)r);
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
	uint8_t frame[DPROTO_FRAME_MAX];
	size_t flen = dproto_encode(cmd, payload, len, frame, sizeof(frame));
	struct pollfd pfd;
	int attempt, naks = 0, wr;
	long long deadline, left;
	bool hup = false;
	char oerr[DISP_TEXT_MAX];

	assert(flen > 0);
	if (d->fd < 0) {
		if (ser_line(d, oerr, sizeof(oerr)) != CA_OK) {
			say(why, whylen, "no answer: %s", oerr);
			return false;
		}
		log_info("dispenser", "%s opened again", d->path);
	}
	pfd = (struct pollfd){ .fd = d->fd, .events = POLLIN };
	/* Bytes from before this request can only be stale answers. */
	(void)tcflush(d->fd, TCIFLUSH);
	dproto_dec_reset(&d->dec);
	for (attempt = 0; attempt <= d->retries && !hup; attempt++) {
		bool nak = false;

		deadline = ca_mono_ms() + d->timeout_ms;
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
			if (dproto_dec_next(&d->dec, ans)) {
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
		say(why, whylen, "no answer from %s: line hung up", d->path);
		ser_hangup(d);
	} else
		say(why, whylen, "no answer from %s after %d attempt%s of %d ms"
		    " (%d NAK, %lu bad frame%s)", d->path, d->retries + 1,
		    d->retries ? "s" : "", d->timeout_ms, naks,
		    d->dec.bad_frames, d->dec.bad_frames == 1 ? "" : "s");
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
	struct dproto_frame a;
	uint8_t seq = ser_next_seq(d);
	int i, n;

	if (!ser_exchange(d, DPROTO_STATUS, &seq, 1, DPROTO_STATUS_REPLY, &a,
			  st->text, sizeof(st->text))) {
		d->seq_known = false;
		return CA_ERR_IO;
	}
	n = a.len >= 5 ? a.payload[4] : -1;
	if (n < 1 || n > CONFIG_DISP_SLOTS_MAX || a.len != 5 + 2 * n) {
		say(st->text, sizeof(st->text), "bad STATUS answer from %s "
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
	d->dev_last_seq = a.payload[2];
	d->seq_known = true;
	status_text(st);
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
	struct disp_status st;
	struct dproto_frame a;
	uint8_t req[2];
	enum disp_result r;
	char why[DISP_TEXT_MAX];

	if (!d->seq_known) {
		memset(&st, 0, sizeof(st));
		if (ser_status(d, &st) != CA_OK) {
			say(detail, n, "slot %d: not sent: %s", slot, st.text);
			return DISP_NO_ANSWER;
		}
	}
	req[0] = ser_next_seq(d);
	req[1] = (uint8_t)slot;
	if (!ser_exchange(d, DPROTO_DISPENSE, req, 2, DPROTO_RESULT, &a, why,
			  sizeof(why))) {
		/* The device may have acted: learn its seq before the next. */
		d->seq_known = false;
		say(detail, n, "slot %d: %s", slot, why);
		return DISP_NO_ANSWER;
	}
	d->dev_last_seq = req[0];
	if (a.len != 5 || a.payload[1] != (uint8_t)slot) {
		/* Our seq: the device did act, we cannot read how. Unknown,
		 * like no answer: the caller asks STATUS (last_result). */
		d->seq_known = false;
		say(detail, n, "slot %d: bad RESULT answer (%u bytes)", slot,
		    a.len);
		return DISP_NO_ANSWER;
	}
	r = ser_result(a.payload[2]);
	if (r == DISP_OK)
		say(detail, n, "slot %d: dispensed, %d left (seq %u)", slot,
		    a.payload[3] << 8 | a.payload[4], req[0]);
	else
		say(detail, n, "slot %d: %s (seq %u)", slot,
		    disp_result_name(r), req[0]);
	return r;
}

/* Serial: RESTOCK, confirmed by ACK. */
static ca_err ser_restock(struct disp *d, int slot, int count, char *err,
			  size_t n)
{
	struct disp_status st;
	struct dproto_frame a;
	uint8_t req[4];

	/* Like a dispense: a seq the device holds would be answered from
	 * memory and the restock not done. */
	if (!d->seq_known) {
		memset(&st, 0, sizeof(st));
		if (ser_status(d, &st) != CA_OK) {
			say(err, n, "%s", st.text);
			return CA_ERR_IO;
		}
	}
	req[0] = ser_next_seq(d);
	req[1] = (uint8_t)slot;
	req[2] = (uint8_t)(count >> 8);
	req[3] = (uint8_t)(count & 0xFF);
	if (!ser_exchange(d, DPROTO_RESTOCK, req, 4, DPROTO_ACK, &a, err, n)) {
		d->seq_known = false;
		return CA_ERR_IO;
	}
	d->dev_last_seq = req[0];
	return CA_OK;
}

/* Serial: close the tty (which drops the lock). */
static void ser_close(struct disp *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static const struct disp_ops ser_ops = {
	ser_status, ser_dispense, ser_restock, ser_close,
};

/* Open the line (ser_line) and read the status once: a device that does
 * not answer yet is not an error (its seq is learnt before the first
 * dispense). */
static ca_err ser_open(struct disp *d, const struct config *c, char *err,
		       size_t errlen)
{
	struct disp_status st;
	ca_err e;

	snprintf(d->path, sizeof(d->path), "%s", c->disp_device);
	d->timeout_ms = c->disp_timeout_ms;
	d->retries = c->disp_retries;
	d->baud = c->disp_baud;
	dproto_dec_init(&d->dec);
	e = ser_line(d, err, errlen);
	if (e != CA_OK)
		return e;
	memset(&st, 0, sizeof(st));
	if (ser_status(d, &st) != CA_OK)
		log_warn("dispenser", "%s", st.text);
	else
		log_info("dispenser", "%s: %s", d->path, st.text);
	return CA_OK;
}

/* ---- the interface ---- */

/* Pick the driver from c and open it; see dispenser.h. */
ca_err disp_open(const struct config *c, struct disp **out, char *err,
		 size_t errlen)
{
	struct disp *d = NULL;
	ca_err e;

	assert(c && out);
	*out = NULL;
	if (c->disp_driver == CONFIG_DISP_NONE) {
		say(err, errlen, "no dispenser");
		return CA_ERR_NOT_FOUND;
	}
	if (c->disp_slots < 1 || c->disp_slots > CONFIG_DISP_SLOTS_MAX) {
		say(err, errlen, "[dispenser] slots %d out of range",
		    c->disp_slots);
		return CA_ERR_ARG;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		say(err, errlen, "out of memory");
		return CA_ERR_NOMEM;
	}
	d->fd = -1;
	d->nslots = c->disp_slots;
	if (c->disp_driver == CONFIG_DISP_SIM) {
		d->ops = &sim_ops;
		e = sim_open(d, c, err, errlen);
	} else {
		d->ops = &ser_ops;
		e = ser_open(d, c, err, errlen);
	}
	if (e != CA_OK) {
		disp_close(d);
		return e;
	}
	*out = d;
	return CA_OK;
}

/* Close the driver and free d (NULL is fine). */
void disp_close(struct disp *d)
{
	if (!d)
		return;
	d->ops->close(d);
	free(d);
}

/* Status through the driver; *st zeroed first. */
ca_err disp_status(struct disp *d, struct disp_status *st)
{
	assert(st);
	memset(st, 0, sizeof(*st));
	if (!d) {
		snprintf(st->text, sizeof(st->text), "no dispenser");
		return CA_ERR_NOT_FOUND;
	}
	return d->ops->status(d, st);
}

/* Check the slot, dispense through the driver, log the result. */
enum disp_result disp_dispense(struct disp *d, int slot, char *detail,
			       size_t n)
{
	enum disp_result r;

	if (!d) {
		say(detail, n, "no dispenser");
		return DISP_NO_DISPENSER;
	}
	if (slot < 1 || slot > d->nslots) {
		say(detail, n, "slot %d: no such slot (1..%d)", slot,
		    d->nslots);
		return DISP_BAD_SLOT;
	}
	r = d->ops->dispense(d, slot, detail, n);
	log_msg(r == DISP_OK ? LOG_INFO : LOG_WARN, "dispenser",
		"dispense slot %d: %s", slot, disp_result_name(r));
	return r;
}

/* Check slot and count, restock through the driver, log it. */
ca_err disp_restock(struct disp *d, int slot, int count, char *err,
		    size_t errlen)
{
	ca_err e;

	if (!d) {
		say(err, errlen, "no dispenser");
		return CA_ERR_NOT_FOUND;
	}
	if (slot < 1 || slot > d->nslots || count < 0 || count > 0xFFFF) {
		say(err, errlen, "restock slot %d to %d: bad slot or count",
		    slot, count);
		return CA_ERR_ARG;
	}
	e = d->ops->restock(d, slot, count, err, errlen);
	if (e == CA_OK)
		log_info("dispenser", "slot %d restocked to %d", slot, count);
	return e;
}
