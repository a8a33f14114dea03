/*
 * bench_ime.c - `make bench-ime` (part of `make bench`): the pinyin budgets
 * (docs/architecture.md, Budgets), measured the way the kiosk uses the engine.
 *
 * 1. Memory: Rss and Pss of this process from /proc/self/smaps_rollup
 *    before and after ime_open() with the packaged dictionary, and after
 *    the typing below (the engine's search space is then warm).
 * 2. Keystroke to candidates: the time of kb_press(letter) on the keyboard
 *    model, which runs the engine's search and converts the first page of
 *    candidates (8) to UTF-8, i.e. everything before the UI can draw the
 *    candidate bar. Over ROUNDS rounds of typing the company name (the
 *    short way: jiangsuguotai 空格, xindian 新 点, ruanjianyouxiangongsi
 *    空格) and a set of common words of the form, each committed with 空格.
 *    Reports p50, p99 and max per key, and the same for choices (空格 or a
 *    tap on a candidate, which commits or re-searches the rest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ime/ime.h"
#include "ime/keyboard.h"

#define ROUNDS 200
#define MAX_SAMPLES (ROUNDS * 512)

static double key_us[MAX_SAMPLES], choose_us[MAX_SAMPLES];
static size_t nkey, nchoose;

static const char *const words[] = {
	"jiangsu", "nanjing", "suzhou", "wuxi", "changzhou", "kunshan",
	"zhangjiagang", "gongsi", "youxian", "zeren", "keji", "ruanjian",
	"xinxi", "jishu", "fuwu", "shangmao", "jianshe", "gongcheng",
	"zhongguo", "beijing", "shanghai", "wangjianguo", "lina", "zhangsan",
	"lu", "jie", "hao", "shi", "qu", "zhen", "dasha", "louceng",
	"zhongshanbeilu", "renminlu", "chuangxin", "kaifaqu", "yuanqu",
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Rss and Pss in KiB from /proc/self/smaps_rollup; -1 when unreadable. */
static void mem_kib(long *rss, long *pss)
{
	char line[256];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	*rss = *pss = -1;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Rss:", 4) == 0)
			*rss = strtol(line + 4, NULL, 10);
		else if (strncmp(line, "Pss:", 4) == 0)
			*pss = strtol(line + 4, NULL, 10);
	}
	fclose(f);
}

static void type_keys(struct kb *kb, const char *keys)
{
	for (; *keys != '\0'; keys++) {
		double t0 = now_us();

		kb_press(kb, (unsigned char)*keys);
		if (nkey < MAX_SAMPLES)
			key_us[nkey++] = now_us() - t0;
	}
}

static void timed_choose(struct kb *kb, int space, size_t index)
{
	double t0 = now_us();

	if (space)
		kb_press(kb, KB_K_SPACE);
	else
		kb_choose(kb, index);
	if (nchoose < MAX_SAMPLES)
		choose_us[nchoose++] = now_us() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	printf("  %-26s n=%-6zu p50 %7.1f us   p99 %7.1f us   max %7.1f us\n", what, n,
	       v[n / 2], v[n * 99 / 100], v[n - 1]);
}

int main(void)
{
	static char field[4 * 200 + 1];
	long rss0, pss0, rss1, pss1, rss2, pss2;
	struct ime *ime;
	struct kb kb;
	double t0, open_ms, first_us;
	size_t r, w;
	ca_err err;

	mem_kib(&rss0, &pss0);
	t0 = now_us();
	err = ime_open(&ime, NULL);
	open_ms = (now_us() - t0) / 1000.0;
	if (err != CA_OK) {
		fprintf(stderr, "bench-ime: cannot open %s: %s\n", ime_default_dict(),
		        ca_strerror(err));
		return 1;
	}
	mem_kib(&rss1, &pss1);
	kb_init(&kb, ime);
	kb_set_page_size(&kb, 8);

	field[0] = '\0';
	kb_focus(&kb, field, sizeof(field), 200, KB_FIELD_TEXT);
	t0 = now_us();
	kb_press(&kb, 'j');
	first_us = now_us() - t0;
	kb_blur(&kb);

	for (r = 0; r < ROUNDS; r++) {
		field[0] = '\0';
		kb_focus(&kb, field, sizeof(field), 200, KB_FIELD_TEXT);
		type_keys(&kb, "jiangsuguotai");
		timed_choose(&kb, 1, 0);
		type_keys(&kb, "xindian");
		timed_choose(&kb, 0, 1);
		timed_choose(&kb, 0, 0);
		type_keys(&kb, "ruanjianyouxiangongsi");
		timed_choose(&kb, 1, 0);
		if (r == 0 && strcmp(field, "江苏国泰新点软件有限公司") != 0) {
			fprintf(stderr, "bench-ime: typed %s\n", field);
			return 1;
		}
		field[0] = '\0';
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			if (strlen(field) > sizeof(field) - 64)
				field[0] = '\0';
			type_keys(&kb, words[w]);
			timed_choose(&kb, 1, 0);
		}
		kb_blur(&kb);
	}
	mem_kib(&rss2, &pss2);

	printf("pinyin (googlepinyin, %s)\n", ime_default_dict());
	printf("  open: %.1f ms; first key after open: %.1f us\n", open_ms, first_us);
	report("keystroke to candidates", key_us, nkey);
	report("choose / space", choose_us, nchoose);
	printf("  memory KiB         Rss     Pss\n");
	printf("    before open  %7ld %7ld\n", rss0, pss0);
	printf("    dict loaded  %7ld %7ld   (+%ld Pss)\n", rss1, pss1, pss1 - pss0);
	printf("    after typing %7ld %7ld   (+%ld Pss)\n", rss2, pss2, pss2 - pss0);
	printf("  budget: candidates <= 1000 us a key (p99 %s)\n",
	       key_us[nkey * 99 / 100] <= 1000.0 ? "met" : "MISSED");
	ime_close(ime);
	return 0;
}
