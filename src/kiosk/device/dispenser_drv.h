/*
 * dispenser_drv.h - what the dispenser's drivers share, behind the one
 * interface of dispenser.h (dispenser.c). Not for other modules.
 *
 * A driver keeps its own state in a struct of its own that begins with
 * struct disp (dispenser_sim.c: struct sim, dispenser_serial.c: struct
 * ser), allocated by its open function and freed by its close operation.
 */
#ifndef CA_DISPENSER_DRV_H
#define CA_DISPENSER_DRV_H

#include <stddef.h>

#include "core/err.h"
#include "kiosk/config/config.h"
#include "dispenser.h"

/* Room for a path plus a suffix. */
#define DISP_PATH_MAX (CONFIG_PATH_MAX * 2 + 32)

/* One driver's operations. */
struct disp_ops {
	ca_err (*status)(struct disp *d, struct disp_status *st);
	enum disp_result (*dispense)(struct disp *d, int slot, char *detail, size_t n);
	ca_err (*restock)(struct disp *d, int slot, int count, char *err, size_t n);
	void (*close)(struct disp *d); /* releases the device and frees d */
};

/* What every driver has; the first member of the driver's own struct. */
struct disp {
	const struct disp_ops *ops;       /* the driver */
	int nslots;                       /* slots, from the config */
	char path[DISP_PATH_MAX];         /* sim: state file; serial: tty */
};

/* Fill st->text from the other fields. */
void disp_status_text(struct disp_status *st);

/* A driver's own struct of size bytes (struct disp first), zeroed, with
 * ops and c's slot count set: how each open function begins. NULL when out
 * of memory, said in err. */
struct disp *disp_new(size_t size, const struct disp_ops *ops, const struct config *c,
		      char *err, size_t errlen);

/* Open a driver for c (slots already checked): *out is its struct disp. */
ca_err disp_sim_open(const struct config *c, struct disp **out, char *err, size_t errlen);
ca_err disp_serial_open(const struct config *c, struct disp **out, char *err,
			size_t errlen);

#endif
