/*
 * dispenser_sim.c - a key dispenser device on a pseudo-terminal, speaking
 * the serial protocol of src/kiosk/device/dispproto.h (docs/dispenser.md). The
 * kiosk's serial driver talks to the pty's slave side as if it were a
 * real device; the tests in tests/kiosk/test_dispenser.c run it.
 *
 *   dispenser-sim [--slots N] [--stock A,B,..] [--path-file FILE]
 *                 [--fault MODE[=N]]... [--slow MS] [--seed N]
 *
 * It prints "pty PATH" on stdout when ready (and writes PATH to the
 * --path-file), then serves requests until SIGTERM/SIGINT or "quit" on
 * stdin (the end of stdin only stops reading it). Control lines on stdin
 * change it at run time; each is answered by one line on stdout, "ok ..."
 * or "error ...":
 *
 *   jam                 the next DISPENSE jams (then jammed until clear)
 *   empty S             slot S has no keys
 *   noanswer [N|all]    ignore the next N requests (all: until clear)
 *   lose [N]            execute the next N requests, drop their answers
 *   badcrc [N]          send the next N answers with a broken CRC
 *   garbage [N]         put junk bytes (start bytes, fake lengths) before
 *                       the next N answers
 *   slow MS             wait MS before every answer (0: off)
 *   hang                the next DISPENSE is executed, then the device
 *                       answers nothing (that DISPENSE included) until
 *                       clear: a controller that died after the motor ran
 *   door open|closed    the service door (sends an EVENT frame)
 *   fault on|off        a hardware fault
 *   restock S N         slot S holds N keys
 *   clear               no faults (jam, door, fault, one-shot modes, slow)
 *   status              "ok stock A,B door D jam J fault F dispensed K"
 *   quit                exit
 *
 * The device keeps the seq and the answer of the last DISPENSE or RESTOCK
 * it executed; the same request with that seq is answered from memory,
 * never executed again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/device/dispproto.h"

#define SIM_SLOTS_MAX 8
#define SIM_LINE_MAX 256

/* The simulated device. */
struct sim {
	int nslots;                   /* slots */
	int stock[SIM_SLOTS_MAX];     /* keys per slot */
	bool jam;                     /* jammed until clear */
	bool next_jam;                /* the next DISPENSE jams */
	bool door;                    /* door open */
	bool fault;                   /* hardware fault */
	bool hang;                    /* go silent after the next DISPENSE */
	int noanswer;                 /* requests still to ignore; -1 all */
	int lose;                     /* answers still to drop */
	int badcrc;                   /* answers still to corrupt */
	int garbage;                  /* answers still to prefix with junk */
	int slow_ms;                  /* delay before each answer */
	unsigned long dispensed;      /* keys dispensed in total */
	uint8_t last_seq;             /* seq of the last executed DISPENSE/RESTOCK */
	uint8_t last_result;          /* result of the last DISPENSE */
	uint8_t last_cmd;             /* command of that request */
	uint8_t last_req[DPROTO_PAYLOAD_MAX]; /* its payload */
	uint8_t last_req_len;         /* its length */
	uint8_t last_ans[DPROTO_FRAME_MAX]; /* the answer frame sent for it */
	size_t last_ans_len;          /* its length */
	int master;                   /* pty master */
	unsigned seed;                /* junk generator state */
};

static volatile sig_atomic_t sim_stop;

static void on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

/* A small deterministic generator for junk bytes. */
static uint8_t sim_rand(struct sim *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	return (uint8_t)(s->seed >> 16);
}

/* Write all of p to the master, waiting as needed. */
static void sim_write(struct sim *s, const uint8_t *p, size_t n)
{
	struct pollfd pfd = { .fd = s->master, .events = POLLOUT };
	ssize_t w;

	while (n) {
		w = write(s->master, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return;
		} else {
			(void)poll(&pfd, 1, 100);
		}
	}
}

/* Send an answer frame through the fault modes. */
static void sim_send(struct sim *s, const uint8_t *frame, size_t n)
{
	uint8_t buf[DPROTO_FRAME_MAX];

	if (s->lose) {
		s->lose--;
		fprintf(stderr, "dispenser-sim: answer dropped\n");
		return;
	}
	if (s->slow_ms > 0) {
		struct timespec ts = { s->slow_ms / 1000,
				       (long)(s->slow_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (s->garbage) {
		/* Plain noise, a start byte claiming a long frame, and a
		 * short fake frame with a bad CRC. */
		uint8_t junk[24];
		size_t i;

		s->garbage--;
		for (i = 0; i < 8; i++)
			junk[i] = sim_rand(s);
		junk[8] = DPROTO_START;
		junk[9] = 0x30;
		junk[10] = DPROTO_RESULT;
		junk[11] = DPROTO_START;
		junk[12] = 0x02;
		junk[13] = DPROTO_ACK;
		junk[14] = 0x11;
		junk[15] = 0x22;
		junk[16] = 0x00;
		junk[17] = 0x00;
		for (i = 18; i < sizeof(junk); i++)
			junk[i] = sim_rand(s);
		sim_write(s, junk, sizeof(junk));
	}
	memcpy(buf, frame, n);
	if (s->badcrc) {
		s->badcrc--;
		buf[n - 1] ^= 0x5A;
	}
	sim_write(s, buf, n);
}

/* Encode and send an answer; keep a copy in out (size cap) when not NULL. */
static size_t sim_answer(struct sim *s, uint8_t cmd, const uint8_t *p,
			 size_t len, uint8_t *out)
{
	uint8_t frame[DPROTO_FRAME_MAX];
	size_t n = dproto_encode(cmd, p, len, frame, sizeof(frame));

	if (out)
		memcpy(out, frame, n);
	sim_send(s, frame, n);
	return n;
}

static uint8_t sim_flags(const struct sim *s)
{
	return (uint8_t)((s->door ? DPROTO_F_DOOR : 0) |
			 (s->jam ? DPROTO_F_JAM : 0) |
			 (s->fault ? DPROTO_F_FAULT : 0));
}

/* Handle one good request frame. */
static void sim_request(struct sim *s, const struct dproto_frame *f)
{
	uint8_t a[DPROTO_PAYLOAD_MAX], seq;
	int slot, i;

	if (s->noanswer) {
		if (s->noanswer > 0)
			s->noanswer--;
		fprintf(stderr, "dispenser-sim: request ignored\n");
		return;
	}
	seq = f->len ? f->payload[0] : 0;
	switch (f->cmd) {
	case DPROTO_STATUS:
		if (f->len != 1)
			goto badlen;
		a[0] = seq;
		a[1] = sim_flags(s);
		a[2] = s->last_seq;
		a[3] = s->last_result;
		a[4] = (uint8_t)s->nslots;
		for (i = 0; i < s->nslots; i++) {
			a[5 + 2 * i] = (uint8_t)(s->stock[i] >> 8);
			a[6 + 2 * i] = (uint8_t)s->stock[i];
		}
		sim_answer(s, DPROTO_STATUS_REPLY, a, 5 + 2 * (size_t)s->nslots,
			   NULL);
		return;
	case DPROTO_DISPENSE:
	case DPROTO_RESTOCK:
		if (f->len != (f->cmd == DPROTO_DISPENSE ? 2 : 4) || seq == 0)
			goto badlen;
		if (seq == s->last_seq && s->last_ans_len) {
			if (f->cmd != s->last_cmd || f->len != s->last_req_len ||
			    memcmp(f->payload, s->last_req, f->len) != 0) {
				a[0] = seq;
				a[1] = DPROTO_NAK_SEQ;
				sim_answer(s, DPROTO_NAK, a, 2, NULL);
				return;
			}
			fprintf(stderr, "dispenser-sim: seq %u repeated: stored "
				"answer\n", seq);
			sim_send(s, s->last_ans, s->last_ans_len);
			return;
		}
		slot = f->payload[1];
		s->last_seq = seq;
		s->last_cmd = f->cmd;
		s->last_req_len = f->len;
		memcpy(s->last_req, f->payload, f->len);
		if (f->cmd == DPROTO_RESTOCK) {
			if (slot >= 1 && slot <= s->nslots) {
				s->stock[slot - 1] = f->payload[2] << 8 |
						     f->payload[3];
				s->jam = s->next_jam = false;
				a[0] = seq;
				s->last_ans_len = sim_answer(s, DPROTO_ACK, a, 1,
							     s->last_ans);
			} else {
				a[0] = seq;
				a[1] = DPROTO_NAK_LEN;
				s->last_ans_len = sim_answer(s, DPROTO_NAK, a, 2,
							     s->last_ans);
			}
			return;
		}
		if (slot < 1 || slot > s->nslots)
			a[2] = DPROTO_R_BAD_SLOT;
		else if (s->door)
			a[2] = DPROTO_R_DOOR_OPEN;
		else if (s->fault)
			a[2] = DPROTO_R_FAULT;
		else if (s->jam)
			a[2] = DPROTO_R_JAM;
		else if (s->next_jam) {
			s->next_jam = false;
			s->jam = true;
			a[2] = DPROTO_R_JAM;
		} else if (s->stock[slot - 1] == 0)
			a[2] = DPROTO_R_EMPTY;
		else {
			s->stock[slot - 1]--;
			s->dispensed++;
			a[2] = DPROTO_R_OK;
		}
		s->last_result = a[2];
		if (s->hang) {
			/* Executed, then dead: this answer is lost and every
			 * request after it ignored until "clear". */
			s->hang = false;
			s->lose = 1;
			s->noanswer = -1;
			fprintf(stderr, "dispenser-sim: hangs after this dispense\n");
		}
		a[0] = seq;
		a[1] = (uint8_t)slot;
		i = slot >= 1 && slot <= s->nslots ? s->stock[slot - 1] : 0;
		a[3] = (uint8_t)(i >> 8);
		a[4] = (uint8_t)i;
		fprintf(stderr, "dispenser-sim: DISPENSE seq %u slot %d -> %u\n",
			seq, slot, a[2]);
		s->last_ans_len = sim_answer(s, DPROTO_RESULT, a, 5,
					     s->last_ans);
		return;
	default:
		a[0] = seq;
		a[1] = DPROTO_NAK_CMD;
		sim_answer(s, DPROTO_NAK, a, 2, NULL);
		return;
	}
badlen:
	a[0] = seq;
	a[1] = DPROTO_NAK_LEN;
	sim_answer(s, DPROTO_NAK, a, 2, NULL);
}

/* Parse "N" (or empty: 1, "all": -1) for a one-shot count. */
static int sim_count(const char *arg)
{
	if (!arg || !*arg)
		return 1;
	if (strcmp(arg, "all") == 0)
		return -1;
	return atoi(arg);
}

/* Apply one control word (with its arguments a1, a2). The reply goes to
 * out (size n). Returns false for an unknown or malformed control. */
static bool sim_control(struct sim *s, const char *w, const char *a1,
			const char *a2, char *out, size_t n)
{
	int slot;

	snprintf(out, n, "ok %s", w);
	if (strcmp(w, "jam") == 0) {
		s->next_jam = true;
	} else if (strcmp(w, "empty") == 0 || strcmp(w, "restock") == 0) {
		slot = a1 ? atoi(a1) : 0;
		if (slot < 1 || slot > s->nslots)
			return false;
		s->stock[slot - 1] = strcmp(w, "empty") == 0 ? 0
			: (a2 ? atoi(a2) : -1);
		if (s->stock[slot - 1] < 0 || s->stock[slot - 1] > 0xFFFF) {
			s->stock[slot - 1] = 0;
			return false;
		}
	} else if (strcmp(w, "hang") == 0) {
		s->hang = true;
	} else if (strcmp(w, "noanswer") == 0) {
		s->noanswer = sim_count(a1);
	} else if (strcmp(w, "lose") == 0) {
		s->lose = sim_count(a1);
	} else if (strcmp(w, "badcrc") == 0) {
		s->badcrc = sim_count(a1);
	} else if (strcmp(w, "garbage") == 0) {
		s->garbage = sim_count(a1);
	} else if (strcmp(w, "slow") == 0) {
		s->slow_ms = a1 ? atoi(a1) : 0;
		if (s->slow_ms < 0 || s->slow_ms > 60000)
			return false;
	} else if (strcmp(w, "door") == 0 || strcmp(w, "fault") == 0) {
		bool on;
		uint8_t fl;

		if (!a1)
			return false;
		on = strcmp(a1, "open") == 0 || strcmp(a1, "on") == 0;
		if (!on && strcmp(a1, "closed") && strcmp(a1, "off"))
			return false;
		*(strcmp(w, "door") == 0 ? &s->door : &s->fault) = on;
		fl = sim_flags(s);
		if (s->master >= 0) /* not for --fault at start */
			sim_answer(s, DPROTO_EVENT, &fl, 1, NULL);
	} else if (strcmp(w, "clear") == 0) {
		s->jam = s->next_jam = s->door = s->fault = s->hang = false;
		s->noanswer = s->lose = s->badcrc = s->garbage = 0;
		s->slow_ms = 0;
	} else if (strcmp(w, "status") == 0) {
		size_t used = (size_t)snprintf(out, n, "ok stock ");
		int i;

		for (i = 0; i < s->nslots && used < n; i++)
			used += (size_t)snprintf(out + used, n - used, "%s%d",
						 i ? "," : "", s->stock[i]);
		if (used < n)
			snprintf(out + used, n - used, " door %d jam %d fault %d"
				 " dispensed %lu", s->door, s->jam, s->fault,
				 s->dispensed);
	} else if (strcmp(w, "quit") == 0) {
		sim_stop = 1;
	} else {
		return false;
	}
	return true;
}

/* Apply one control line. */
static void sim_line(struct sim *s, char *line)
{
	char out[SIM_LINE_MAX], *w, *a1, *a2, *save = NULL;

	w = strtok_r(line, " \t\r\n", &save);
	if (!w)
		return;
	a1 = strtok_r(NULL, " \t\r\n", &save);
	a2 = strtok_r(NULL, " \t\r\n", &save);
	if (!sim_control(s, w, a1, a2, out, sizeof(out)))
		snprintf(out, sizeof(out), "error %s: unknown or bad control",
			 w);
	printf("%s\n", out);
	fflush(stdout);
}

/* "--fault MODE[=N]" on the command line: the control of the same name. */
static bool sim_fault_opt(struct sim *s, char *arg)
{
	char out[SIM_LINE_MAX], *eq = strchr(arg, '='), *a1 = NULL;
	char *a2 = NULL;

	if (eq) {
		*eq = '\0';
		a1 = eq + 1;
		a2 = strchr(a1, ',');
		if (a2)
			*a2++ = '\0';
	}
	return sim_control(s, arg, a1, a2, out, sizeof(out));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dispenser-sim [--slots N] [--stock A,B,..] [--path-file FILE]\n"
		"                     [--fault MODE[=N]]... [--slow MS] [--seed N]\n"
		"MODE: jam, empty=S, noanswer[=N|all], lose[=N], badcrc[=N],\n"
		"      garbage[=N], door=open, fault=on, hang. Control lines on stdin:\n"
		"      the same words, plus restock S N, clear, status, quit.\n"
		"See docs/dispenser.md.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slots", required_argument, NULL, 'n' },
		{ "stock", required_argument, NULL, 's' },
		{ "path-file", required_argument, NULL, 'p' },
		{ "fault", required_argument, NULL, 'f' },
		{ "slow", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim s;
	struct dproto_dec dec;
	struct dproto_frame f;
	struct termios t;
	struct sigaction sa;
	char *stock = NULL, *faults[16], line[SIM_LINE_MAX];
	const char *path_file = NULL, *slave;
	size_t nfaults = 0, linelen = 0;
	int opt, i, sfd;
	bool stdin_open = true;

	memset(&s, 0, sizeof(s));
	s.nslots = 2;
	s.master = -1;
	s.last_result = DPROTO_R_NONE;
	s.seed = 1;
	for (i = 0; i < SIM_SLOTS_MAX; i++)
		s.stock[i] = 10;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			s.nslots = atoi(optarg);
			break;
		case 's':
			stock = optarg;
			break;
		case 'p':
			path_file = optarg;
			break;
		case 'f':
			if (nfaults == sizeof(faults) / sizeof(faults[0])) {
				usage(stderr);
				return 2;
			}
			faults[nfaults++] = optarg;
			break;
		case 'w':
			s.slow_ms = atoi(optarg);
			break;
		case 'r':
			s.seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || s.nslots < 1 || s.nslots > SIM_SLOTS_MAX) {
		usage(stderr);
		return 2;
	}
	if (stock) {
		char *save = NULL, *tok;

		for (i = 0, tok = strtok_r(stock, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save), i++) {
			if (i >= s.nslots || atoi(tok) < 0) {
				fprintf(stderr, "dispenser-sim: --stock needs "
					"at most --slots counts >= 0\n");
				return 2;
			}
			s.stock[i] = atoi(tok);
		}
	}
	for (i = 0; i < (int)nfaults; i++)
		if (!sim_fault_opt(&s, faults[i])) {
			fprintf(stderr, "dispenser-sim: bad --fault %s\n",
				faults[i]);
			return 2;
		}

	s.master = posix_openpt(O_RDWR | O_NOCTTY);
	if (s.master < 0 || grantpt(s.master) != 0 ||
	    unlockpt(s.master) != 0 || !(slave = ptsname(s.master))) {
		perror("dispenser-sim: pty");
		return 1;
	}
	/* Keep a slave open ourselves: the master then never sees a hang-up
	 * when the driver closes and reopens, and the line is raw from the
	 * start (no echo of requests back to the driver). */
	sfd = open(slave, O_RDWR | O_NOCTTY);
	if (sfd < 0 || tcgetattr(sfd, &t) != 0) {
		perror("dispenser-sim: slave");
		return 1;
	}
	cfmakeraw(&t);
	(void)tcsetattr(sfd, TCSANOW, &t);
	fcntl(s.master, F_SETFL, fcntl(s.master, F_GETFL) | O_NONBLOCK);
	if (path_file) {
		FILE *pf = fopen(path_file, "w");

		if (!pf || fprintf(pf, "%s\n", slave) < 0 || fclose(pf) != 0) {
			perror(path_file);
			return 1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("pty %s\n", slave);
	fflush(stdout);

	dproto_dec_init(&dec);
	while (!sim_stop) {
		struct pollfd pfd[2] = {
			{ .fd = s.master, .events = POLLIN },
			{ .fd = stdin_open ? 0 : -1, .events = POLLIN },
		};
		uint8_t buf[DPROTO_DEC_BUF];
		ssize_t r;

		if (poll(pfd, 2, 500) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			r = read(s.master, buf, dproto_dec_room(&dec));
			if (r > 0)
				dproto_dec_push(&dec, buf, (size_t)r);
			while (dproto_dec_next(&dec, &f))
				sim_request(&s, &f);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			char ch;

			r = read(0, &ch, 1);
			if (r <= 0) {
				stdin_open = false;
				continue;
			}
			if (ch == '\n' || linelen == sizeof(line) - 1) {
				line[linelen] = '\0';
				linelen = 0;
				sim_line(&s, line);
			} else {
				line[linelen++] = ch;
			}
		}
	}
	close(sfd);
	close(s.master);
	return 0;
}
