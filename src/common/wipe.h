/*
 * wipe.h - leaving nothing of a person in the process's memory.
 *
 * The kiosk clears its own copies of personal data field by field when a
 * session ends (app_end_session, docs/privacy.md). Two kinds of copies are
 * out of reach of that: freed heap blocks, which keep their bytes until the
 * allocator hands them out again, and dead stack frames below the one
 * running, where formatted texts and decoded answers were built. For the
 * heap the kiosk's programs link zfree.c (every block is zeroed as it is
 * freed, the libraries' blocks too); for the stacks each thread calls
 * wipe_stack() at the points where a person's data has passed through it.
 */
#ifndef CA_COMMON_WIPE_H
#define CA_COMMON_WIPE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes below the caller's frame zeroed in place by wipe_stack (the rest of
 * the stack below them is dropped, see wipe_stack). */
#define WIPE_STACK_NEAR (16 * 1024)

/*
 * Empty the calling thread's stack below the caller's frame and its vector
 * registers (where string functions last moved text): the nearest
 * WIPE_STACK_NEAR bytes are zeroed, and every page below them down to the
 * thread's stack limit is given back to the kernel (madvise MADV_DONTNEED:
 * it reads as zeros when touched again, and no longer counts as the
 * process's memory). Returns the bytes released, for tests and logs. Safe
 * on any thread, cheap (a few microseconds and one system call); the
 * stack's bounds are looked up once per thread.
 */
size_t wipe_stack(void);

/* Whether freed heap is zeroed in this process (zfree.c linked and
 * active; false under AddressSanitizer, whose allocator replaces it). */
bool wipe_heap_active(void);

#endif
