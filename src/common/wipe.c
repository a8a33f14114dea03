/* wipe.c - see wipe.h. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wipe.h"

/* The calling thread's lowest stack address, once looked up (0: not yet,
 * UINTPTR_MAX: unknown). */
static _Thread_local uintptr_t stack_lo;

/* Set by zfree.c's constructor when it is linked in. */
bool wipe_heap_on;

bool wipe_heap_active(void)
{
	return wipe_heap_on;
}

/* Zero WIPE_STACK_NEAR bytes just below the caller's frame. Not inlined,
 * so that its array lies below wipe_stack's frame; the empty asm keeps the
 * compiler from dropping the stores to an array nobody reads. */
__attribute__((noinline)) static void zero_near(void)
{
	unsigned char buf[WIPE_STACK_NEAR];

	explicit_bzero(buf, sizeof(buf));
	__asm__ volatile("" : : "r"(buf) : "memory");
}

/*
 * Zero the vector registers: string and memory functions move text through
 * them 16 to 64 bytes at a time, and a thread that sleeps keeps them as the
 * last copy left them (a core dump holds every thread's register state).
 * x86-64: VZEROALL clears xmm/ymm 0-15 (all of zmm0-15), AVX-512's zmm16-31
 * are cleared apart (glibc's string functions use them to avoid VZEROUPPER);
 * without AVX, PXOR clears xmm0-15. AArch64: v0-v31.
 */
__attribute__((noinline)) static void zero_vector_regs(void)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512f"))
		__asm__ volatile(
			"vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
			"vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, %%zmm19\n\t"
			"vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, %%zmm21\n\t"
			"vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, %%zmm23\n\t"
			"vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
			"vpxord %%zmm26, %%zmm26, %%zmm26\n\tvpxord %%zmm27, %%zmm27, %%zmm27\n\t"
			"vpxord %%zmm28, %%zmm28, %%zmm28\n\tvpxord %%zmm29, %%zmm29, %%zmm29\n\t"
			"vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31"
			::: "memory");
	if (__builtin_cpu_supports("avx"))
		__asm__ volatile("vzeroall" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
				 "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
				 "xmm13", "xmm14", "xmm15", "memory");
	else
		__asm__ volatile(
			"pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
			"pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
			"pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\tpxor %%xmm8, %%xmm8\n\t"
			"pxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
			"pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\t"
			"pxor %%xmm15, %%xmm15"
			::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
#elif defined(__aarch64__)
	__asm__ volatile(
		"movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\tmovi v3.16b, #0\n\t"
		"movi v4.16b, #0\n\tmovi v5.16b, #0\n\tmovi v6.16b, #0\n\tmovi v7.16b, #0\n\t"
		"movi v8.16b, #0\n\tmovi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
		"movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\tmovi v15.16b, #0\n\t"
		"movi v16.16b, #0\n\tmovi v17.16b, #0\n\tmovi v18.16b, #0\n\tmovi v19.16b, #0\n\t"
		"movi v20.16b, #0\n\tmovi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
		"movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\tmovi v27.16b, #0\n\t"
		"movi v28.16b, #0\n\tmovi v29.16b, #0\n\tmovi v30.16b, #0\n\tmovi v31.16b, #0"
		::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
		  "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
		  "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "memory");
#endif
}

static uintptr_t lookup_lo(void)
{
	pthread_attr_t at;
	void *lo = NULL;
	size_t sz = 0;

	if (pthread_getattr_np(pthread_self(), &at) != 0)
		return UINTPTR_MAX;
	if (pthread_attr_getstack(&at, &lo, &sz) != 0)
		lo = NULL;
	pthread_attr_destroy(&at);
	return lo ? (uintptr_t)lo : UINTPTR_MAX;
}

__attribute__((noinline)) size_t wipe_stack(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo, hi;

	zero_near();
	if (stack_lo == 0)
		stack_lo = lookup_lo();
	if (stack_lo == UINTPTR_MAX || page == 0 || sp < WIPE_STACK_NEAR) {
		zero_vector_regs();
		return 0;
	}
	/* Below what zero_near cleared, whole pages only. The pages of the
	 * main thread's stack that were never mapped make madvise answer
	 * ENOMEM after it has dropped the mapped ones: that is success here. */
	lo = (stack_lo + page - 1) & ~(page - 1);
	hi = (sp - WIPE_STACK_NEAR / 2) & ~(page - 1);
	if (hi <= lo) {
		zero_vector_regs();
		return 0;
	}
	if (madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0 && errno != ENOMEM)
		hi = lo;
	zero_vector_regs(); /* last: the calls above moved data through them */
	return hi - lo;
}
