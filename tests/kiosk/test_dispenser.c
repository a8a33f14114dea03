/*
 * test_dispenser.c - the key dispenser: frame codec (dispproto.h), the sim
 * driver with its state file, the none driver, and the serial driver
 * against the real device simulator (build/dispenser-sim on a pty, started
 * per test, killed at the end of it).
 *
 * Serial tests use 300 ms answers and 2 retries so the whole program runs
 * in a few seconds. CA_DISPENSER_SIM names the simulator binary (the
 * Makefile sets it; default build/dispenser-sim).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "kiosk/device/dispenser.h"
#include "kiosk/device/dispproto.h"
#include "../support/dispsim.h"
#include "../support/tmpdir.h"

/* Serial settings of every serial test. */
#define T_TIMEOUT_MS 300
#define T_RETRIES 2

/* ---- frame codec ---- */

/* Push all of p into d (asserting it fits). */
static void push(struct dproto_dec *d, const uint8_t *p, size_t n)
{
	assert_int_equal(dproto_dec_push(d, p, n), n);
}

static void test_dproto_crc16_ccitt_false_known_answer(void **state)
{
	(void)state;
	/* The catalogue check value of CRC-16/CCITT-FALSE. */
	assert_int_equal(dproto_crc16((const uint8_t *)"123456789", 9), 0x29B1);
	assert_int_equal(dproto_crc16(NULL, 0), 0xFFFF);
}

static void test_dproto_worked_examples_of_the_doc(void **state)
{
	/* docs/dispenser.md: DISPENSE seq 2 slot 1, and its RESULT. */
	static const uint8_t disp[] = { 0xA5, 0x02, 0x02, 0x02, 0x01,
					0x71, 0x8B };
	static const uint8_t res[] = { 0xA5, 0x05, 0x82, 0x02, 0x01, 0x00,
				       0x00, 0x04, 0xA5, 0xBA };
	uint8_t out[DPROTO_FRAME_MAX];
	const uint8_t p1[] = { 2, 1 }, p2[] = { 2, 1, 0, 0, 4 };

	(void)state;
	assert_int_equal(dproto_encode(DPROTO_DISPENSE, p1, 2, out,
				       sizeof(out)), sizeof(disp));
	assert_memory_equal(out, disp, sizeof(disp));
	assert_int_equal(dproto_encode(DPROTO_RESULT, p2, 5, out,
				       sizeof(out)), sizeof(res));
	assert_memory_equal(out, res, sizeof(res));
}

static void test_dproto_encode_decode_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 5, 21, DPROTO_PAYLOAD_MAX };
	uint8_t payload[DPROTO_PAYLOAD_MAX], out[DPROTO_FRAME_MAX];
	struct dproto_dec d;
	struct dproto_frame f;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < lens[i]; j++)
			payload[j] = (uint8_t)(j * 37 + i); /* start bytes too */
		n = dproto_encode(0x82, payload, lens[i], out, sizeof(out));
		assert_int_equal(n, lens[i] + 5);
		dproto_dec_init(&d);
		/* one byte at a time: no frame before the last byte */
		for (j = 0; j < n; j++) {
			push(&d, out + j, 1);
			assert_int_equal(dproto_dec_next(&d, &f), j == n - 1);
		}
		assert_int_equal(f.cmd, 0x82);
		assert_int_equal(f.len, lens[i]);
		assert_memory_equal(f.payload, payload, lens[i]);
		assert_int_equal(d.dropped, 0);
		assert_int_equal(d.bad_frames, 0);
		assert_int_equal(d.n, 0);
	}
	/* Over the cap, or no room: refused, nothing written past cap. */
	assert_int_equal(dproto_encode(1, payload, DPROTO_PAYLOAD_MAX + 1, out,
				       sizeof(out)), 0);
	assert_int_equal(dproto_encode(1, payload, 3, out, 7), 0);
}

static void test_dproto_resync_after_garbage_bytes(void **state)
{
	/* Noise with start bytes, one claiming an over-long frame. */
	static const uint8_t junk[] = { 0x00, 0xFF, 0xA5, 0xFE, 0x13, 0xA5,
					0xA5, 0x41, 0x7F };
	uint8_t good[DPROTO_FRAME_MAX], p[] = { 7, 1 };
	struct dproto_dec d;
	struct dproto_frame f;
	size_t n;

	(void)state;
	n = dproto_encode(DPROTO_DISPENSE, p, 2, good, sizeof(good));
	dproto_dec_init(&d);
	push(&d, junk, sizeof(junk));
	push(&d, good, n);
	assert_int_equal(dproto_dec_next(&d, &f), 1);
	assert_int_equal(f.cmd, DPROTO_DISPENSE);
	assert_int_equal(f.payload[0], 7);
	assert_int_equal(dproto_dec_next(&d, &f), 0);
	assert_int_equal(d.dropped, sizeof(junk));
	assert_true(d.bad_frames >= 1);
}

static void test_dproto_drops_corrupted_frame_keeps_next(void **state)
{
	uint8_t a[DPROTO_FRAME_MAX], b[DPROTO_FRAME_MAX];
	uint8_t pa[] = { 1, 0x10, 0x20 }, pb[] = { 2 };
	struct dproto_dec d;
	struct dproto_frame f;
	size_t na, nb;

	(void)state;
	na = dproto_encode(0x55, pa, 3, a, sizeof(a));
	nb = dproto_encode(DPROTO_ACK, pb, 1, b, sizeof(b));
	a[4] ^= 0x01; /* one payload bit flipped: CRC mismatch */
	dproto_dec_init(&d);
	push(&d, a, na);
	push(&d, b, nb);
	assert_int_equal(dproto_dec_next(&d, &f), 1);
	assert_int_equal(f.cmd, DPROTO_ACK);
	assert_int_equal(f.payload[0], 2);
	assert_int_equal(d.bad_frames, 1);
	assert_int_equal(d.dropped, na);
	assert_int_equal(dproto_dec_next(&d, &f), 0);
}

static void test_dproto_stray_start_does_not_hold_up_answer(void **state)
{
	/* A start byte claiming 48 bytes, then a complete good frame: the
	 * good frame comes out without waiting for 48 more bytes. */
	uint8_t buf[2 + DPROTO_FRAME_MAX], p[] = { 9 };
	struct dproto_dec d;
	struct dproto_frame f;
	size_t n;

	(void)state;
	buf[0] = DPROTO_START;
	buf[1] = 48;
	n = dproto_encode(DPROTO_STATUS, p, 1, buf + 2, sizeof(buf) - 2);
	dproto_dec_init(&d);
	push(&d, buf, n + 2);
	assert_int_equal(dproto_dec_next(&d, &f), 1);
	assert_int_equal(f.cmd, DPROTO_STATUS);
	assert_int_equal(f.payload[0], 9);
	assert_int_equal(d.dropped, 2);
}

static void test_dproto_buffer_full_of_junk_never_stalls(void **state)
{
	uint8_t junk[DPROTO_DEC_BUF], good[DPROTO_FRAME_MAX], p[] = { 3 };
	struct dproto_dec d;
	struct dproto_frame f;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = i % 2 ? 0x40 : DPROTO_START; /* A5 40 A5 40 ... */
	dproto_dec_init(&d);
	push(&d, junk, sizeof(junk));
	assert_int_equal(dproto_dec_next(&d, &f), 0);
	assert_true(dproto_dec_room(&d) > 0);
	n = dproto_encode(DPROTO_ACK, p, 1, good, sizeof(good));
	for (i = 0; i < 10 * DPROTO_DEC_BUF && f.cmd != DPROTO_ACK; i++) {
		size_t took = dproto_dec_push(&d, good, n);

		if (took < n) {
			/* make room the way a reader would: decode */
			(void)dproto_dec_next(&d, &f);
			continue;
		}
		while (dproto_dec_next(&d, &f))
			if (f.cmd == DPROTO_ACK)
				break;
	}
	assert_int_equal(f.cmd, DPROTO_ACK);
}

/* ---- sim and none drivers ---- */

/* A config for the sim driver with a fresh state file. */
static void sim_config(struct config *c, char *dir, size_t n)
{
	config_defaults(c);
	snprintf(dir, n, "/tmp/test_dispenser.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", dir);
	c->disp_driver = CONFIG_DISP_SIM;
	c->disp_slots = 3;
	c->disp_stock[0] = 5;
	c->disp_stock[1] = 1;
	c->disp_stock[2] = 0;
}

/* Remove the state file(s) and the directory of a sim test. */
static void sim_cleanup(const char *dir)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/dispenser.state", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dispenser.state.tmp", dir);
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

/* Stock of slot (1-based) as d reports it. */
static int stock_of(struct disp *d, int slot)
{
	struct disp_status st;

	assert_int_equal(disp_status(d, &st), CA_OK);
	return st.stock[slot - 1];
}

/* The simulator has dispensed keys in all, and slot 1 holds stock. */
static void assert_keys(struct dispsim *sp, struct disp *d, int keys, int stock)
{
	assert_int_equal(dispsim_dispensed(sp), keys);
	assert_int_equal(stock_of(d, 1), stock);
}

static void test_sim_dispense_decrements_and_persists(void **state)
{
	char dir[64], detail[DISP_TEXT_MAX], path[300], text[512];
	struct config c;
	struct disp *d;
	FILE *f;
	size_t got;

	(void)state;
	sim_config(&c, dir, sizeof(dir));
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(stock_of(d, 1), 5);
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)), DISP_OK);
	assert_string_equal(detail, "slot 1: dispensed, 4 left");
	assert_int_equal(disp_dispense(d, 2, NULL, 0), DISP_OK);
	assert_int_equal(stock_of(d, 1), 4);
	assert_int_equal(stock_of(d, 2), 0);
	disp_close(d);

	/* Saved whole: no temporary file left, the new stock on disk. */
	snprintf(path, sizeof(path), "%s/dispenser.state.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/dispenser.state", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	got = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[got] = '\0';
	assert_non_null(strstr(text, "stock 4 0 0\n"));

	/* A restart keeps the stock, not the configured one. */
	c.disp_stock[0] = 99;
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(stock_of(d, 1), 4);
	assert_int_equal(stock_of(d, 2), 0);
	assert_int_equal(disp_dispense(d, 2, NULL, 0), DISP_EMPTY);
	disp_close(d);
	sim_cleanup(dir);
}

/* Inject f, dispense from slot 1, expect want, stock unchanged. */
static void assert_fault(struct disp *d, enum disp_fault f,
			 enum disp_result want)
{
	char detail[DISP_TEXT_MAX];
	int before = stock_of(d, 1);

	assert_int_equal(disp_sim_inject(d, f, 1), CA_OK);
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)), want);
	assert_non_null(strstr(detail, disp_result_name(want)));
	assert_int_equal(stock_of(d, 1), before);
}

static void test_sim_each_fault_gives_its_result_no_key(void **state)
{
	char dir[64];
	struct config c;
	struct disp *d;
	struct disp_status st;

	(void)state;
	sim_config(&c, dir, sizeof(dir));
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);

	assert_fault(d, DISP_FAULT_EMPTY, DISP_EMPTY);
	/* one-shot: the next dispense works */
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);

	assert_fault(d, DISP_FAULT_NO_ANSWER, DISP_NO_ANSWER);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);

	assert_fault(d, DISP_FAULT_DOOR_OPEN, DISP_DOOR_OPEN);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_true(st.door_open);
	assert_int_equal(disp_sim_inject(d, DISP_FAULT_CLEAR, 0), CA_OK);

	assert_fault(d, DISP_FAULT_HW, DISP_FAULT);
	assert_int_equal(disp_sim_inject(d, DISP_FAULT_CLEAR, 0), CA_OK);

	/* A jam stays, across a restart, until a restock. */
	assert_fault(d, DISP_FAULT_JAM, DISP_JAM);
	disp_close(d);
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_true(st.jam);
	assert_int_equal(st.last_result, DISP_JAM);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_JAM);
	assert_int_equal(stock_of(d, 1), 3);
	assert_int_equal(disp_restock(d, 1, 3, NULL, 0), CA_OK);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_int_equal(stock_of(d, 1), 2);

	/* An injected no-answer also hits a status query, once. */
	assert_int_equal(disp_sim_inject(d, DISP_FAULT_NO_ANSWER, 0), CA_OK);
	assert_int_equal(disp_status(d, &st), CA_ERR_IO);
	assert_int_equal(disp_status(d, &st), CA_OK);
	disp_close(d);
	sim_cleanup(dir);
}

static void test_sim_bad_slot(void **state)
{
	char dir[64], detail[DISP_TEXT_MAX];
	struct config c;
	struct disp *d;

	(void)state;
	sim_config(&c, dir, sizeof(dir));
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(disp_dispense(d, 0, detail, sizeof(detail)),
			 DISP_BAD_SLOT);
	assert_string_equal(detail, "slot 0: no such slot (1..3)");
	assert_int_equal(disp_dispense(d, 4, NULL, 0), DISP_BAD_SLOT);
	assert_int_equal(disp_dispense(d, -1, NULL, 0), DISP_BAD_SLOT);
	assert_int_equal(disp_sim_inject(d, DISP_FAULT_EMPTY, 4), CA_ERR_ARG);
	assert_int_equal(disp_restock(d, 4, 1, NULL, 0), CA_ERR_ARG);
	assert_int_equal(disp_restock(d, 1, -1, NULL, 0), CA_ERR_ARG);
	assert_int_equal(stock_of(d, 1), 5);
	disp_close(d);
	sim_cleanup(dir);
}

static void test_sim_restock_is_saved(void **state)
{
	char dir[64];
	struct config c;
	struct disp *d;

	(void)state;
	sim_config(&c, dir, sizeof(dir));
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(disp_restock(d, 3, 12, NULL, 0), CA_OK);
	disp_close(d);
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	assert_int_equal(stock_of(d, 3), 12);
	assert_int_equal(disp_dispense(d, 3, NULL, 0), DISP_OK);
	assert_int_equal(stock_of(d, 3), 11);
	disp_close(d);
	sim_cleanup(dir);
}

static void test_sim_bad_state_file_reported_with_path(void **state)
{
	char dir[64], err[256], path[300];
	struct config c;
	struct disp *d;

	(void)state;
	sim_config(&c, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/dispenser.state", dir);
	assert_int_equal(tmpdir_put(path, "ca-dispenser-sim 1\nslots 3\nstock 1 x 3\n"), 0);
	assert_int_equal(disp_open(&c, &d, err, sizeof(err)), CA_ERR_CORRUPT);
	assert_null(d);
	assert_non_null(strstr(err, path));

	/* Another slot count than the config: refused, not guessed. */
	unlink(path);
	c.disp_slots = 3;
	assert_int_equal(disp_open(&c, &d, NULL, 0), CA_OK);
	disp_close(d);
	c.disp_slots = 2;
	assert_int_equal(disp_open(&c, &d, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "has 3 slots"));
	sim_cleanup(dir);
}

static void test_none_driver_says_no_dispenser(void **state)
{
	char err[64], detail[64];
	struct config c;
	struct disp *d = (struct disp *)&c;
	struct disp_status st;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.disp_driver, CONFIG_DISP_NONE);
	assert_int_equal(disp_open(&c, &d, err, sizeof(err)), CA_ERR_NOT_FOUND);
	assert_null(d);
	assert_string_equal(err, "no dispenser");
	assert_int_equal(disp_dispense(NULL, 1, detail, sizeof(detail)),
			 DISP_NO_DISPENSER);
	assert_int_equal(disp_status(NULL, &st), CA_ERR_NOT_FOUND);
	assert_string_equal(st.text, "no dispenser");
	disp_close(NULL);
	assert_string_equal(disp_result_name(DISP_NO_ANSWER), "no_answer");
	assert_string_equal(disp_result_name(DISP__N), "unknown");
}

/* ---- serial driver against build/dispenser-sim ---- */

/* The simulator with slots 2, stock 5,0 (tests/support/dispsim.h). */
static int sim_start(void **state)
{
	struct dispsim *sp = calloc(1, sizeof(*sp));

	*state = sp;
	return sp ? dispsim_start(sp, 2, "5,0") : -1;
}

static int sim_stop(void **state)
{
	struct dispsim *sp = *state;

	if (sp)
		dispsim_stop(sp);
	free(sp);
	return 0;
}

/* Open the serial driver on the simulator's pty. */
static struct disp *ser_open_sim(struct dispsim *sp)
{
	char err[256];
	struct config c;
	struct disp *d = NULL;

	config_defaults(&c);
	c.disp_driver = CONFIG_DISP_SERIAL;
	snprintf(c.disp_device, sizeof(c.disp_device), "%s", sp->pty);
	c.disp_baud = 115200;
	c.disp_slots = 2;
	c.disp_timeout_ms = T_TIMEOUT_MS;
	c.disp_retries = T_RETRIES;
	if (disp_open(&c, &d, err, sizeof(err)) != CA_OK)
		fail_msg("disp_open %s: %s", sp->pty, err);
	return d;
}

/* The same, with fault (a control line of the simulator) set first. */
static struct disp *ser_open_faulty(struct dispsim *sp, const char *fault)
{
	struct disp *d = ser_open_sim(sp);

	if (dispsim_ctl(sp, fault, NULL, 0) != 0)
		fail_msg("dispenser-sim refused '%s'", fault);
	return d;
}

static void test_serial_dispense_success(void **state)
{
	struct dispsim *sp = *state;
	char detail[DISP_TEXT_MAX];
	struct disp_status st;
	struct disp *d = ser_open_sim(sp);

	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_int_equal(st.nslots, 2);
	assert_int_equal(st.stock[0], 5);
	assert_int_equal(st.stock[1], 0);
	assert_false(st.door_open || st.jam || st.fault);
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)), DISP_OK);
	assert_non_null(strstr(detail, "dispensed, 4 left"));
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_keys(sp, d, 2, 3);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_int_equal(st.last_result, DISP_OK);
	disp_close(d);
}

static void test_serial_jam_then_restock_clears(void **state)
{
	struct dispsim *sp = *state;
	struct disp_status st;
	struct disp *d = ser_open_faulty(sp, "jam");

	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_JAM);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_JAM);
	assert_int_equal(dispsim_dispensed(sp), 0);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_true(st.jam);
	assert_int_equal(st.stock[0], 5);
	assert_int_equal(disp_restock(d, 1, 5, NULL, 0), CA_OK);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_int_equal(dispsim_dispensed(sp), 1);
	disp_close(d);
}

static void test_serial_empty_slot_and_bad_slot(void **state)
{
	struct dispsim *sp = *state;
	struct disp *d = ser_open_sim(sp);

	assert_int_equal(disp_dispense(d, 2, NULL, 0), DISP_EMPTY);
	assert_int_equal(disp_dispense(d, 3, NULL, 0), DISP_BAD_SLOT);
	assert_int_equal(dispsim_ctl(sp, "empty 1", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_EMPTY);
	assert_int_equal(dispsim_dispensed(sp), 0);
	/* A restock through the driver reaches the device. */
	assert_int_equal(disp_restock(d, 2, 7, NULL, 0), CA_OK);
	assert_int_equal(disp_dispense(d, 2, NULL, 0), DISP_OK);
	assert_int_equal(stock_of(d, 2), 6);
	disp_close(d);
}

static void test_serial_no_answer_within_timeout(void **state)
{
	struct dispsim *sp = *state;
	char detail[DISP_TEXT_MAX];
	struct disp_status st;
	struct disp *d = ser_open_faulty(sp, "noanswer all");
	long long t0, ms;
	const long long budget = (T_RETRIES + 1) * T_TIMEOUT_MS;

	t0 = ca_mono_ms();
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)),
			 DISP_NO_ANSWER);
	ms = ca_mono_ms() - t0;
	assert_true(ms >= budget - 20);
	assert_true(ms <= budget + 400);
	assert_non_null(strstr(detail, "no answer"));
	assert_int_equal(disp_status(d, &st), CA_ERR_IO);
	assert_non_null(strstr(st.text, "no answer"));
	assert_int_equal(dispsim_dispensed(sp), 0);
	/* The device is back: the driver relearns the seq and goes on. */
	assert_int_equal(dispsim_ctl(sp, "clear", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_int_equal(dispsim_dispensed(sp), 1);
	disp_close(d);
}

static void test_serial_corrupted_answers_recovered_by_retry(void **state)
{
	struct dispsim *sp = *state;
	struct disp *d = ser_open_faulty(sp, "badcrc 2");

	assert_int_equal(stock_of(d, 1), 5); /* third STATUS answer is good */
	assert_int_equal(dispsim_ctl(sp, "badcrc 1", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	/* The retry was answered from the device's memory: one key. */
	assert_keys(sp, d, 1, 4);
	/* More damage than retries: no answer, still at most one key. */
	assert_int_equal(dispsim_ctl(sp, "badcrc 3", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_NO_ANSWER);
	assert_keys(sp, d, 2, 3);
	disp_close(d);
}

static void test_serial_garbage_before_answers(void **state)
{
	struct dispsim *sp = *state;
	struct disp *d = ser_open_faulty(sp, "garbage 3");
	long long t0;

	t0 = ca_mono_ms();
	assert_int_equal(stock_of(d, 1), 5);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	/* Found by resynchronising, not by waiting for retries. */
	assert_true(ca_mono_ms() - t0 < T_TIMEOUT_MS);
	assert_int_equal(dispsim_dispensed(sp), 2);
	disp_close(d);
}

static void test_serial_lost_answer_retry_does_not_dispense_twice(void **state)
{
	struct dispsim *sp = *state;
	struct disp *d = ser_open_faulty(sp, "lose 1");

	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_keys(sp, d, 1, 4);
	/* Answers slower than the timeout: the late answer is taken. */
	assert_int_equal(dispsim_ctl(sp, "slow 400", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_OK);
	assert_int_equal(dispsim_ctl(sp, "slow 0", NULL, 0), 0);
	/* the device's queued repeats are answered from memory */
	usleep(1000 * 1000);
	assert_keys(sp, d, 2, 3);
	disp_close(d);
}

/* Send frame on fd and read one answer frame within 2 s. */
static void raw_exchange(int fd, const uint8_t *frame, size_t n,
			 struct dproto_frame *ans)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct dproto_dec dec;
	uint8_t buf[64];
	ssize_t r;

	dproto_dec_init(&dec);
	assert_int_equal(write(fd, frame, n), (ssize_t)n);
	while (!dproto_dec_next(&dec, ans)) {
		assert_true(poll(&pfd, 1, 2000) > 0);
		r = read(fd, buf, sizeof(buf));
		assert_true(r > 0);
		push(&dec, buf, (size_t)r);
	}
}

static void test_serial_device_same_seq_answered_from_memory(void **state)
{
	struct dispsim *sp = *state;
	uint8_t frame[DPROTO_FRAME_MAX], p[] = { 77, 1 }, q[] = { 77, 2 };
	struct dproto_frame a, b;
	struct termios t;
	size_t n;
	int fd;

	fd = open(sp->pty, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(tcgetattr(fd, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
	n = dproto_encode(DPROTO_DISPENSE, p, 2, frame, sizeof(frame));
	raw_exchange(fd, frame, n, &a);
	raw_exchange(fd, frame, n, &b);
	assert_int_equal(a.cmd, DPROTO_RESULT);
	assert_int_equal(a.payload[2], DPROTO_R_OK);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.payload, a.payload, a.len);
	assert_int_equal(dispsim_dispensed(sp), 1);
	/* The same seq with another request is refused, not executed. */
	n = dproto_encode(DPROTO_DISPENSE, q, 2, frame, sizeof(frame));
	raw_exchange(fd, frame, n, &b);
	assert_int_equal(b.cmd, DPROTO_NAK);
	assert_int_equal(b.payload[1], DPROTO_NAK_SEQ);
	assert_int_equal(dispsim_dispensed(sp), 1);
	close(fd);
}

static void test_serial_door_open_and_event(void **state)
{
	struct dispsim *sp = *state;
	struct disp_status st;
	struct disp *d = ser_open_faulty(sp, "door open"); /* also sends an EVENT frame */

	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_DOOR_OPEN);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_true(st.door_open);
	assert_int_equal(dispsim_ctl(sp, "fault on", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_DOOR_OPEN);
	assert_int_equal(dispsim_ctl(sp, "door closed", NULL, 0), 0);
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_FAULT);
	assert_int_equal(dispsim_dispensed(sp), 0);
	disp_close(d);
}

/* A scripted device on the master side of a pty (child process): answers
 * STATUS normally; answers DISPENSE first with a stale RESULT (another
 * seq, "ok"), then an EVENT, then the real RESULT ("empty"); then exits. */
static void scripted_device(int master)
{
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	struct dproto_dec dec;
	struct dproto_frame f;
	uint8_t buf[64], out[DPROTO_FRAME_MAX], a[16];
	size_t n;
	ssize_t r;

	dproto_dec_init(&dec);
	while (poll(&pfd, 1, 3000) > 0) {
		r = read(master, buf, sizeof(buf));
		if (r <= 0)
			break;
		dproto_dec_push(&dec, buf, (size_t)r);
		while (dproto_dec_next(&dec, &f)) {
			memset(a, 0, sizeof(a));
			a[0] = f.payload[0];
			if (f.cmd == DPROTO_STATUS) {
				a[3] = DPROTO_R_NONE;
				a[4] = 2;
				a[6] = 5;
				n = dproto_encode(DPROTO_STATUS_REPLY, a, 9, out,
						  sizeof(out));
				if (write(master, out, n) != (ssize_t)n)
					_exit(1);
				continue;
			}
			a[0] = (uint8_t)(f.payload[0] ^ 0x80); /* stale seq */
			a[1] = f.payload[1];
			a[2] = DPROTO_R_OK;
			n = dproto_encode(DPROTO_RESULT, a, 5, out, sizeof(out));
			a[0] = DPROTO_F_DOOR;
			n += dproto_encode(DPROTO_EVENT, a, 1, out + n,
					   sizeof(out) - n);
			if (write(master, out, n) != (ssize_t)n)
				_exit(1);
			a[0] = f.payload[0];
			a[2] = DPROTO_R_EMPTY;
			n = dproto_encode(DPROTO_RESULT, a, 5, out, sizeof(out));
			if (write(master, out, n) != (ssize_t)n)
				_exit(1);
			usleep(200 * 1000); /* let the host read before closing */
			_exit(0);
		}
	}
	_exit(2);
}

static void test_serial_stale_answer_is_never_taken(void **state)
{
	struct config c;
	struct disp *d = NULL;
	char err[256];
	int master, st;
	pid_t pid;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	config_defaults(&c);
	c.disp_driver = CONFIG_DISP_SERIAL;
	snprintf(c.disp_device, sizeof(c.disp_device), "%s", ptsname(master));
	c.disp_timeout_ms = T_TIMEOUT_MS;
	c.disp_retries = T_RETRIES;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		scripted_device(master);
	if (disp_open(&c, &d, err, sizeof(err)) != CA_OK)
		fail_msg("disp_open: %s", err);
	/* The stale "ok" (other seq) and the EVENT are skipped. */
	assert_int_equal(disp_dispense(d, 1, NULL, 0), DISP_EMPTY);
	disp_close(d);
	close(master);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * A USB serial adapter pulled out and plugged back in: the kiosk's device
 * path is a symlink (as udev makes under /dev/serial/by-id). First it
 * points at a pty whose master we close (the line hangs up: no answer,
 * "hung up"); then at the simulator's pty. The same struct disp answers
 * again without being closed and opened by the caller.
 */
static void test_serial_unplugged_line_is_reopened(void **state)
{
	struct dispsim *sp = *state;
	char dir[] = "/tmp/ca-disp-XXXXXX", link[64], detail[DISP_TEXT_MAX];
	char err[256];
	struct disp_status st;
	struct config c;
	struct disp *d = NULL;
	int master;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/ttyDISP", dir);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	assert_int_equal(symlink(ptsname(master), link), 0);
	config_defaults(&c);
	c.disp_driver = CONFIG_DISP_SERIAL;
	snprintf(c.disp_device, sizeof(c.disp_device), "%s", link);
	c.disp_slots = 2;
	c.disp_timeout_ms = T_TIMEOUT_MS;
	c.disp_retries = T_RETRIES;
	/* Nobody answers on that line yet: open works, status does not. */
	if (disp_open(&c, &d, err, sizeof(err)) != CA_OK)
		fail_msg("disp_open %s: %s", link, err);
	close(master); /* pulled out */
	assert_int_equal(disp_status(d, &st), CA_ERR_IO);
	assert_non_null(strstr(st.text, "hung up"));
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)), DISP_NO_ANSWER);
	assert_int_equal(dispsim_dispensed(sp), 0);
	/* Plugged back in: the same path now leads to a device. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink(sp->pty, link), 0);
	assert_int_equal(disp_status(d, &st), CA_OK);
	assert_int_equal(st.stock[0], 5);
	assert_int_equal(disp_dispense(d, 1, detail, sizeof(detail)), DISP_OK);
	assert_int_equal(dispsim_dispensed(sp), 1);
	disp_close(d);
	unlink(link);
	rmdir(dir);
}

/* A restock right after the line came back (the device's stored seq not
 * known) is still executed, not answered from the device's memory. */
static void test_serial_restock_learns_seq_first(void **state)
{
	struct dispsim *sp = *state;
	struct disp *d = ser_open_sim(sp);
	char err[256];

	/* The same restock twice: the second must be done again (a seq
	 * reused by chance would be answered from memory). */
	assert_int_equal(disp_restock(d, 2, 3, err, sizeof(err)), CA_OK);
	assert_int_equal(dispsim_ctl(sp, "empty 2", NULL, 0), 0);
	disp_close(d);
	/* A new driver whose STATUS at open goes unanswered: it starts its
	 * seqs from the same place, and does not know the device's. */
	assert_int_equal(dispsim_ctl(sp, "noanswer 3", NULL, 0), 0);
	d = ser_open_sim(sp);
	assert_int_equal(disp_restock(d, 2, 3, err, sizeof(err)), CA_OK);
	assert_int_equal(stock_of(d, 2), 3);
	disp_close(d);
}

static void test_serial_open_errors(void **state)
{
	char err[256];
	struct config c;
	struct disp *d;

	(void)state;
	config_defaults(&c);
	c.disp_driver = CONFIG_DISP_SERIAL;
	snprintf(c.disp_device, sizeof(c.disp_device), "/nonexistent/tty");
	assert_int_equal(disp_open(&c, &d, err, sizeof(err)), CA_ERR_IO);
	assert_null(d);
	assert_non_null(strstr(err, "/nonexistent/tty"));
	snprintf(c.disp_device, sizeof(c.disp_device), "/dev/null");
	assert_int_equal(disp_open(&c, &d, err, sizeof(err)), CA_ERR_IO);
	assert_non_null(strstr(err, "not a serial line"));
}

#define SERIAL(t) cmocka_unit_test_setup_teardown(t, sim_start, sim_stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dproto_crc16_ccitt_false_known_answer),
		cmocka_unit_test(test_dproto_worked_examples_of_the_doc),
		cmocka_unit_test(test_dproto_encode_decode_round_trip),
		cmocka_unit_test(test_dproto_resync_after_garbage_bytes),
		cmocka_unit_test(test_dproto_drops_corrupted_frame_keeps_next),
		cmocka_unit_test(test_dproto_stray_start_does_not_hold_up_answer),
		cmocka_unit_test(test_dproto_buffer_full_of_junk_never_stalls),
		cmocka_unit_test(test_sim_dispense_decrements_and_persists),
		cmocka_unit_test(test_sim_each_fault_gives_its_result_no_key),
		cmocka_unit_test(test_sim_bad_slot),
		cmocka_unit_test(test_sim_restock_is_saved),
		cmocka_unit_test(test_sim_bad_state_file_reported_with_path),
		cmocka_unit_test(test_none_driver_says_no_dispenser),
		SERIAL(test_serial_dispense_success),
		SERIAL(test_serial_jam_then_restock_clears),
		SERIAL(test_serial_empty_slot_and_bad_slot),
		SERIAL(test_serial_no_answer_within_timeout),
		SERIAL(test_serial_corrupted_answers_recovered_by_retry),
		SERIAL(test_serial_garbage_before_answers),
		SERIAL(test_serial_lost_answer_retry_does_not_dispense_twice),
		SERIAL(test_serial_device_same_seq_answered_from_memory),
		SERIAL(test_serial_door_open_and_event),
		cmocka_unit_test(test_serial_stale_answer_is_never_taken),
		cmocka_unit_test(test_serial_open_errors),
		SERIAL(test_serial_unplugged_line_is_reopened),
		SERIAL(test_serial_restock_learns_seq_first),
	};

	log_set_level(LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("kiosk/dispenser", tests, NULL,
					   NULL);
}
