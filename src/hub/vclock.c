/* vclock.c - the hub's clock (see vclock.h). */
#include "vclock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/filesave.h"
#include "core/clock.h"
#include "core/cst.h"
#include "core/log.h"

/* Longest single step: ten years. */
#define VCLOCK_STEP_MAX (10LL * 366 * 86400)

static atomic_bool vclock_on;
static atomic_llong vclock_offset_ms;
static pthread_mutex_t share_mu = PTHREAD_MUTEX_INITIALIZER; /* guards share_path, orders writes */
static char *share_path; /* vclock_share()'s file, or NULL */

/* Write the offset to the shared file, under share_mu. */
static ca_err share_write(void)
{
	char text[32], err[256];
	int n;

	if (!share_path)
		return CA_OK;
	n = snprintf(text, sizeof(text), "%lld\n", (long long)atomic_load(&vclock_offset_ms));
	if (file_save(share_path, text, (size_t)n, 0644, err, sizeof(err))) {
		log_error("vclock", "cannot share the clock offset: %s", err);
		return CA_ERR_IO;
	}
	return CA_OK;
}

ca_err vclock_share(const char *path)
{
	ca_err e;

	pthread_mutex_lock(&share_mu);
	free(share_path);
	share_path = path ? strdup(path) : NULL;
	e = path && !share_path ? CA_ERR_NOMEM : share_write();
	pthread_mutex_unlock(&share_mu);
	return e;
}

void vclock_enable(bool on)
{
	atomic_store(&vclock_on, on);
}

bool vclock_enabled(void)
{
	return atomic_load(&vclock_on);
}

int64_t vclock_now_ms(void)
{
	return ca_wall_ms() + (int64_t)atomic_load(&vclock_offset_ms);
}

int64_t vclock_now_s(void)
{
	int64_t ms = vclock_now_ms();

	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

bool vclock_advance(int64_t seconds)
{
	if (!atomic_load(&vclock_on) || seconds <= 0 || seconds > VCLOCK_STEP_MAX)
		return false;
	pthread_mutex_lock(&share_mu);
	atomic_fetch_add(&vclock_offset_ms, (long long)(seconds * 1000));
	(void)share_write(); /* logged; the hub's own clock has moved regardless */
	pthread_mutex_unlock(&share_mu);
	return true;
}

int vclock_today(void)
{
	return ca_cst_day(vclock_now_s() * 1000);
}
