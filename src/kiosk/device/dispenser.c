/*
 * dispenser.c - the key dispenser HAL (dispenser.h): a small table of
 * operations per driver, like an event loop's backends. The drivers live
 * in files of their own behind dispenser_drv.h: dispenser_sim.c (the
 * simulator in process) and dispenser_serial.c (a device on a tty).
 *
 * Start reading at disp_open: it checks the config and lets the driver
 * open; every call then checks its arguments here, goes through the
 * driver's operation, and is logged here.
 */
#include "dispenser.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dispenser_drv.h"

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

struct disp *disp_new(size_t size, const struct disp_ops *ops, const struct config *c,
		      char *err, size_t errlen)
{
	struct disp *d;

	assert(size >= sizeof(*d));
	d = calloc(1, size);
	if (!d) {
		ca_errmsg(err, errlen, "out of memory");
		return NULL;
	}
	d->ops = ops;
	d->nslots = c->disp_slots;
	return d;
}

void disp_status_text(struct disp_status *st)
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

/* ---- the interface ---- */

/* Pick the driver from c and open it; see dispenser.h. */
ca_err disp_open(const struct config *c, struct disp **out, char *err,
		 size_t errlen)
{
	assert(c && out);
	*out = NULL;
	if (c->disp_driver == CONFIG_DISP_NONE) {
		ca_errmsg(err, errlen, "no dispenser");
		return CA_ERR_NOT_FOUND;
	}
	if (c->disp_slots < 1 || c->disp_slots > CONFIG_DISP_SLOTS_MAX) {
		ca_errmsg(err, errlen, "[dispenser] slots %d out of range",
			  c->disp_slots);
		return CA_ERR_ARG;
	}
	return c->disp_driver == CONFIG_DISP_SIM ? disp_sim_open(c, out, err, errlen)
						 : disp_serial_open(c, out, err, errlen);
}

/* Close the driver, which frees d (NULL is fine). */
void disp_close(struct disp *d)
{
	if (d)
		d->ops->close(d);
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
		ca_errmsg(detail, n, "no dispenser");
		return DISP_NO_DISPENSER;
	}
	if (slot < 1 || slot > d->nslots) {
		ca_errmsg(detail, n, "slot %d: no such slot (1..%d)", slot,
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
		ca_errmsg(err, errlen, "no dispenser");
		return CA_ERR_NOT_FOUND;
	}
	if (slot < 1 || slot > d->nslots || count < 0 || count > 0xFFFF) {
		ca_errmsg(err, errlen, "restock slot %d to %d: bad slot or count",
			  slot, count);
		return CA_ERR_ARG;
	}
	e = d->ops->restock(d, slot, count, err, errlen);
	if (e == CA_OK)
		log_info("dispenser", "slot %d restocked to %d", slot, count);
	return e;
}
