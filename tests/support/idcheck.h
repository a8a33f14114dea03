/*
 * idcheck.h - header-only: every value of an enum goes to its id string
 * and back (the glossary identifiers of core/app.h, core/pay.h). A macro,
 * not a function: each enum has its own id functions, typed by it.
 * Include after <cmocka.h>.
 */
#ifndef TEST_IDCHECK_H
#define TEST_IDCHECK_H

/* For each value 0..n-1 of enum type: from_id(id_of(value)) == value. */
#define assert_ids_round_trip(type, n, id_of, from_id)                  \
	do {                                                             \
		int idc_i;                                               \
		for (idc_i = 0; idc_i < (n); idc_i++)                    \
			assert_int_equal(from_id(id_of((type)idc_i)), idc_i); \
	} while (0)

#endif
