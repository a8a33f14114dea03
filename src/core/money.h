/*
 * money.h - amounts of money as an invoice writes them: in figures
 * ("-1234.50") and in Chinese capital numerals (负壹仟贰佰叁拾肆元伍角).
 *
 * Amounts are integer fen (1/100 yuan), negative on a red-letter invoice.
 * Pure functions: no locale, no allocation.
 */
#ifndef CA_MONEY_H
#define CA_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Largest magnitude the functions take: 9999 万亿 yuan less a fen (16
 * digits of yuan, the groups up to 万亿 that capital numerals name). */
#define MONEY_FEN_MAX 999999999999999999LL

/* Bytes enough for any money_upper() text, its NUL included. */
#define MONEY_UPPER_MAX 256

/* Bytes enough for any money_figures() text, its NUL included. */
#define MONEY_FIGURES_MAX 24

/*
 * fen in capital numerals into out (size n), by the rules for filling in
 * bills and vouchers (正确填写票据和结算凭证的基本规定):
 *  - digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟, groups 万亿, then 元角分;
 *    a leading ten is 壹拾 (10 is 壹拾元整);
 *  - one 零 for each run of zeros between two written digits, wherever a
 *    group name or the 元 falls in it (1001.10 壹仟零壹元壹角, 100100
 *    壹拾万零壹佰元整, 1680.32 壹仟陆佰捌拾元零叁角贰分, 10.05
 *    壹拾元零伍分); zeros at the end write nothing (100000 壹拾万元整);
 *  - 整 after 元 when there are no 角 and 分; none after 角 or 分;
 *  - under one yuan no 元 (0.50 伍角, 0.05 伍分); zero is 零元整;
 *  - a negative amount begins with 负 (-600 负陆佰元整).
 * CA_ERR_ARG when |fen| > MONEY_FEN_MAX, CA_ERR_TOO_LONG when n is too
 * small (MONEY_UPPER_MAX always suffices); out is "" then.
 */
ca_err money_upper(int64_t fen, char *out, size_t n);

/* fen in figures with two decimals and no grouping, into out (size n):
 * "600.00", "0.05", "-99999999.99". Returns out ("" when it does not fit). */
char *money_figures(int64_t fen, char *out, size_t n);

#endif
