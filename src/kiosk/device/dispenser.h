/*
 * dispenser.h - the key dispenser hardware abstraction (HAL).
 *
 * One small interface over three drivers, picked by [dispenser] driver in
 * the kiosk config (docs/config.md, docs/dispenser.md):
 *
 *   none    no dispenser; disp_open says so (CA_ERR_NOT_FOUND) and the
 *           kiosk shows a pickup code for the counter instead;
 *   sim     in process: stock and faults live in a state file (written
 *           tmp + fsync + rename), so a restart keeps them; faults are
 *           injected with disp_sim_inject;
 *   serial  a device on a tty speaking the framed protocol of dispproto.h,
 *           with per-answer timeouts, bounded retries and sequence numbers
 *           so a retried DISPENSE is never executed twice.
 *
 * Slots are numbered from 1. Calls block for at most
 * (retries + 1) * timeout_ms (serial) and never forever; run them off the
 * UI thread. One struct disp is used by one thread at a time.
 *
 * Invariant: DISP_OK is returned only when the device (or the simulator)
 * confirmed that one key left the slot. Every other result means no key came
 * out, except DISP_NO_ANSWER, which means "unknown": the request may have
 * reached the device. disp_status's last_seq / last_result then tell what
 * the device did with the last DISPENSE (see docs/dispenser.md, "Recovery").
 */
#ifndef CA_DISPENSER_H
#define CA_DISPENSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "kiosk/config/config.h"

/* Room for a detail or status text. */
#define DISP_TEXT_MAX 160

/* Outcome of disp_dispense. */
enum disp_result {
	DISP_OK,           /* one key dispensed, confirmed by the device */
	DISP_EMPTY,        /* the slot has no key */
	DISP_JAM,          /* mechanism jammed; staff must clear it */
	DISP_DOOR_OPEN,    /* the service door is open */
	DISP_NO_ANSWER,    /* no valid answer within the retries: outcome unknown */
	DISP_FAULT,        /* hardware fault, or the state could not be saved */
	DISP_BAD_SLOT,     /* no such slot */
	DISP_NO_DISPENSER, /* driver none, or the handle is not open */
	DISP__N
};

/* Faults the sim driver can be told to show (disp_sim_inject). */
enum disp_fault {
	DISP_FAULT_CLEAR,     /* clear every fault below */
	DISP_FAULT_JAM,       /* next dispense jams; stays jammed until cleared or restocked */
	DISP_FAULT_EMPTY,     /* next dispense from the slot reports empty (sensor) */
	DISP_FAULT_NO_ANSWER, /* next call (dispense or status) gets no answer */
	DISP_FAULT_NO_ANSWER_DISPENSE, /* next dispense gets no answer (and is not
				* executed); status still answers */
	DISP_FAULT_DOOR_OPEN, /* door open until cleared */
	DISP_FAULT_HW,        /* hardware fault until cleared */
};

/* What disp_status reports. */
struct disp_status {
	int nslots;                      /* slots, 1..CONFIG_DISP_SLOTS_MAX */
	int stock[CONFIG_DISP_SLOTS_MAX]; /* keys per slot (index 0 = slot 1) */
	bool door_open;                  /* service door open */
	bool jam;                        /* jammed until cleared */
	bool fault;                      /* hardware fault */
	unsigned last_seq;               /* seq of the last DISPENSE/RESTOCK the device executed, 0 = none */
	enum disp_result last_result;    /* result of the last DISPENSE (DISP_NO_ANSWER: none yet) */
	char text[DISP_TEXT_MAX];        /* one line for maintenance mode and logs */
};

struct disp;

/*
 * Open the dispenser c names ([dispenser] keys; the sim's state file
 * defaults to data_dir/dispenser.state). On success *out is the handle
 * (free with disp_close). CA_ERR_NOT_FOUND for driver none ("no
 * dispenser"); CA_ERR_IO when the tty cannot be opened or set up;
 * CA_ERR_CORRUPT for an unreadable state file; CA_ERR_CONFIG when the state
 * file's slots differ from the config. err (size errlen) says what and
 * names the file. A serial device that does not answer at open is not an
 * error (it may be switched on later); its status says so.
 */
ca_err disp_open(const struct config *c, struct disp **out, char *err,
		 size_t errlen);

/* Close the tty / forget the sim; disp_close(NULL) is fine. */
void disp_close(struct disp *d);

/* Ask the device for its state. CA_OK with *st filled, or CA_ERR_IO when it
 * did not answer (st->text says so, the rest zeroed). */
ca_err disp_status(struct disp *d, struct disp_status *st);

/*
 * Dispense one key from slot (1-based). detail (size n, may be NULL) gets
 * one line for logs and the fault record, e.g. "slot 2: dispensed, 9 left".
 * The sim saves the new stock before it returns DISP_OK.
 */
enum disp_result disp_dispense(struct disp *d, int slot, char *detail,
			       size_t n);

/*
 * Record a restock: slot now holds count keys (an absolute count, so a
 * repeat does no harm), and a jam is cleared (staff had the door open).
 * Sim: saved in the state file; serial: the RESTOCK command. CA_ERR_ARG for
 * a bad slot or count, CA_ERR_IO when the device did not confirm.
 */
ca_err disp_restock(struct disp *d, int slot, int count, char *err,
		    size_t errlen);

/* Sim driver only: show fault f (on slot, for DISP_FAULT_EMPTY). CA_ERR_ARG
 * for another driver or a bad slot; CA_ERR_IO when the state is not saved. */
ca_err disp_sim_inject(struct disp *d, enum disp_fault f, int slot);

/* Stable lower-case name of r ("ok", "empty", "jam", "door_open",
 * "no_answer", "fault", "bad_slot", "no_dispenser"); never NULL. */
const char *disp_result_name(enum disp_result r);

#endif
