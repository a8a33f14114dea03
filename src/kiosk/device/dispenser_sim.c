/*
 * dispenser_sim.c - the dispenser simulator in process (dispenser.h,
 * driver sim): stock and faults live in memory and in a small text file,
 * saved durably (file_save) before any answer that depends on it, so a
 * restart keeps them; faults are injected with disp_sim_inject.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/filesave.h"
#include "core/log.h"
#include "dispenser_drv.h"

/* Name of the sim's state file inside data_dir, when state_file is "". */
#define DISP_STATE_NAME "dispenser.state"
/* First line of a state file (format version 1). */
#define DISP_STATE_MAGIC "ca-dispenser-sim 1"
/* Largest state file read. */
#define DISP_STATE_MAX 1024

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

/* The sim driver's struct disp. */
struct sim {
	struct disp d;                    /* first: what dispenser.c sees */
	struct sim_state st;              /* the state, as last saved */
};

static struct sim *sim_of(struct disp *d)
{
	return (struct sim *)d;
}

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
 * Load the state file into sim_of(d)->st. CA_OK; CA_ERR_NOT_FOUND when it does not
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
		ca_errmsg(err, errlen, "%s: cannot open: %s", d->path,
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
		ca_errmsg(err, errlen, "%s: has %d slots but [dispenser] slots is %d;"
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
	sim_of(d)->st = s;
	return CA_OK;
bad:
	ca_errmsg(err, errlen, "%s: not a dispenser state file (or damaged); "
	     "remove it to start from the configured stock", d->path);
	return CA_ERR_CORRUPT;
}

/* Sim: the state as it is (an injected no-answer is used up here too). */
static ca_err sim_status(struct disp *d, struct disp_status *st)
{
	if (sim_of(d)->st.next_no_answer == 1) {
		sim_of(d)->st.next_no_answer = 0;
		(void)sim_save(d, &sim_of(d)->st);
		snprintf(st->text, sizeof(st->text), "no answer (injected)");
		return CA_ERR_IO;
	}
	st->nslots = d->nslots;
	memcpy(st->stock, sim_of(d)->st.stock, sizeof(st->stock));
	st->door_open = sim_of(d)->st.door;
	st->jam = sim_of(d)->st.jam;
	st->fault = sim_of(d)->st.hw;
	st->last_seq = sim_of(d)->st.last_seq;
	st->last_result = sim_of(d)->st.last_result;
	disp_status_text(st);
	return CA_OK;
}

/* Sim: the device's checks in the device's order, then one key; the new
 * state is saved before the result is returned. */
static enum disp_result sim_dispense(struct disp *d, int slot, char *detail,
				     size_t n)
{
	struct sim_state s = sim_of(d)->st;
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
		ca_errmsg(detail, n, "slot %d: not dispensed, state %s not saved",
			  slot, d->path);
		return DISP_FAULT;
	}
	sim_of(d)->st = s;
	if (r == DISP_OK)
		ca_errmsg(detail, n, "slot %d: dispensed, %d left", slot,
			  s.stock[slot - 1]);
	else if (r == DISP_NO_ANSWER)
		ca_errmsg(detail, n, "slot %d: no_answer (injected)", slot);
	else
		ca_errmsg(detail, n, "slot %d: %s", slot, disp_result_name(r));
	return r;
}

/* Sim: set the slot's stock, clear a jam, save. */
static ca_err sim_restock(struct disp *d, int slot, int count, char *err,
			  size_t n)
{
	struct sim_state s = sim_of(d)->st;

	s.stock[slot - 1] = count;
	s.jam = false;
	s.next_jam = false;
	s.last_seq = s.last_seq % 255 + 1;
	if (sim_save(d, &s) != CA_OK) {
		ca_errmsg(err, n, "restock not saved: %s: %s", d->path,
			  strerror(errno));
		return CA_ERR_IO;
	}
	sim_of(d)->st = s;
	return CA_OK;
}

/* Sim: the state file is always current; only the memory to free. */
static void sim_close(struct disp *d)
{
	free(sim_of(d));
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
	s = sim_of(d)->st;
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
	sim_of(d)->st = s;
	return CA_OK;
}

/* Open the sim: state from the file, or the configured stock. */
ca_err disp_sim_open(const struct config *c, struct disp **out, char *err, size_t errlen)
{
	struct disp *d = disp_new(sizeof(struct sim), &sim_ops, c, err, errlen);
	struct sim *sm;
	ca_err e;
	int i;

	if (!d)
		return CA_ERR_NOMEM;
	sm = sim_of(d);
	if (c->disp_state_file[0])
		snprintf(d->path, sizeof(d->path), "%s", c->disp_state_file);
	else
		snprintf(d->path, sizeof(d->path), "%s/%s", c->data_dir,
			 DISP_STATE_NAME);
	e = sim_load(d, err, errlen);
	if (e == CA_ERR_NOT_FOUND) {
		memset(&sm->st, 0, sizeof(sm->st));
		for (i = 0; i < d->nslots; i++)
			sm->st.stock[i] = c->disp_stock[i];
		sm->st.last_result = DISP_NO_ANSWER;
		e = sim_save(d, &sm->st);
		if (e != CA_OK)
			ca_errmsg(err, errlen, "%s: cannot create: %s", d->path, strerror(errno));
	}
	if (e != CA_OK) {
		free(sm);
		return e;
	}
	*out = d;
	return CA_OK;
}
