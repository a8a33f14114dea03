/* vclock.c - the hub's clock (see vclock.h). */
#include "vclock.h"

#include <stdatomic.h>
#include <time.h>

#include "core/clock.h"
#include "core/cst.h"

/* Longest single step: ten years. */
#define VCLOCK_STEP_MAX (10LL * 366 * 86400)

static atomic_bool vclock_on;
static atomic_llong vclock_offset_ms;

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
	atomic_fetch_add(&vclock_offset_ms, (long long)(seconds * 1000));
	return true;
}

int vclock_today(void)
{
	return ca_cst_day(vclock_now_s() * 1000);
}
