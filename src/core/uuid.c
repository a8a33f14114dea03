/* uuid.c - version 4 UUIDs from the kernel's random source. */
#include "uuid.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

ca_err ca_random(void *buf, size_t n)
{
	uint8_t *b = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return CA_ERR_IO;
		}
		got += (size_t)r;
	}
	return CA_OK;
}

ca_err uuid_v4(char out[CA_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	int i, o = 0;

	if (ca_random(b, sizeof(b)) != CA_OK)
		return CA_ERR_IO;
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0F];
	}
	out[o] = '\0';
	return CA_OK;
}

int uuid_valid(const char *s)
{
	int i;

	if (!s || strlen(s) != CA_UUID_LEN)
		return 0;
	for (i = 0; i < CA_UUID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}
