/*
 * money.c - amounts in figures and in capital numerals (see money.h).
 *
 * money_upper() walks the digits from the highest place down, yuan then
 * 角 then 分, and remembers whether zeros were skipped since the last
 * digit it wrote: the next digit written says one 零 first. Group names
 * (万, 亿) follow a group that holds a digit.
 */
#include "money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A text being written into a fixed buffer; ok turns false for good when
 * something did not fit. */
struct mbuf {
	char *p;   /* the buffer */
	size_t n;  /* its size */
	size_t at; /* bytes written, NUL excluded */
	bool ok;   /* everything fitted so far */
};

static void put(struct mbuf *b, const char *s)
{
	size_t k = strlen(s);

	if (!b->ok || b->at + k + 1 > b->n) {
		b->ok = false;
		return;
	}
	memcpy(b->p + b->at, s, k + 1);
	b->at += k;
}

/* The group name after the group ending at place pos (4, 8, 12) of the
 * yuan digits d (len of them). Above 亿 the 万 of 万亿 stands alone when
 * the 亿 group that follows has a digit: 壹万贰仟亿, but 壹万亿. */
static const char *group_name(const char *d, int len, int pos)
{
	int i;

	if (pos == 4)
		return "万";
	if (pos == 8)
		return "亿";
	for (i = len - 1 - 11; i <= len - 1 - 8; i++)
		if (d[i] != '0')
			return "万";
	return "万亿";
}

/* Whether the group of 4 places whose lowest is pos holds a digit. */
static bool group_has_digit(const char *d, int len, int pos)
{
	int i, hi = pos + 3;

	for (i = len - 1 - hi; i <= len - 1 - pos; i++)
		if (i >= 0 && d[i] != '0')
			return true;
	return false;
}

ca_err money_upper(int64_t fen, char *out, size_t n)
{
	static const char *const dig[] = { "零", "壹", "贰", "叁", "肆",
					   "伍", "陆", "柒", "捌", "玖" };
	static const char *const place[] = { "", "拾", "佰", "仟" };
	struct mbuf b = { out, n, 0, n > 0 };
	char d[24];
	int64_t mag, yuan;
	int len, i, jiao, cents;
	bool wrote = false, zeros = false;

	if (n > 0)
		out[0] = '\0';
	if (fen > MONEY_FEN_MAX || fen < -MONEY_FEN_MAX)
		return CA_ERR_ARG;
	mag = fen < 0 ? -fen : fen;
	yuan = mag / 100;
	jiao = (int)(mag / 10 % 10);
	cents = (int)(mag % 10);
	if (fen < 0)
		put(&b, "负");
	if (mag == 0)
		put(&b, "零元整");
	len = snprintf(d, sizeof(d), "%lld", (long long)yuan);
	for (i = 0; yuan > 0 && i < len; i++) {
		int v = d[i] - '0', pos = len - 1 - i;

		if (v == 0) {
			zeros = wrote;
		} else {
			if (zeros)
				put(&b, dig[0]);
			put(&b, dig[v]);
			put(&b, place[pos % 4]);
			wrote = true;
			zeros = false;
		}
		if (pos > 0 && pos % 4 == 0 && group_has_digit(d, len, pos))
			put(&b, group_name(d, len, pos));
	}
	if (yuan > 0)
		put(&b, "元");
	if (jiao > 0) {
		if (zeros)
			put(&b, dig[0]);
		put(&b, dig[jiao]);
		put(&b, "角");
		wrote = true;
		zeros = false;
	} else if (wrote) {
		zeros = true;
	}
	if (cents > 0) {
		if (zeros)
			put(&b, dig[0]);
		put(&b, dig[cents]);
		put(&b, "分");
	}
	if (mag > 0 && jiao == 0 && cents == 0)
		put(&b, "整");
	if (!b.ok) {
		if (n > 0)
			out[0] = '\0';
		return CA_ERR_TOO_LONG;
	}
	return CA_OK;
}

char *money_figures(int64_t fen, char *out, size_t n)
{
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	int k;

	if (n == 0)
		return out;
	k = snprintf(out, n, "%s%llu.%02llu", fen < 0 ? "-" : "",
		     (unsigned long long)(mag / 100), (unsigned long long)(mag % 100));
	if (k < 0 || (size_t)k >= n)
		out[0] = '\0';
	return out;
}
