/*
 * fuzz_codec.c - libFuzzer target: the record decoder on arbitrary bytes.
 * Property: never crashes; whatever it accepts re-encodes to text that
 * decodes to the same record and encodes to the same text. The same for
 * the feed's invoice rows: what the decoder accepts keeps the rules and
 * decodes again, from its encoding, to the same invoice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ca_app a, b;
	static struct ca_proc_record r, s;
	static struct ca_invoice i, k;
	json_t *j, *e;
	char err[CODEC_ERR_MAX], *t1 = NULL, *t2 = NULL;

	if (codec_app_from_text((const char *)data, size, &a, err, sizeof(err)) == CA_OK) {
		if (codec_app_to_text(&a, &t1) != CA_OK ||
		    codec_app_from_text(t1, strlen(t1), &b, err, sizeof(err)) != CA_OK ||
		    memcmp(&a, &b, sizeof(a)) != 0 || codec_app_to_text(&b, &t2) != CA_OK ||
		    strcmp(t1, t2) != 0)
			abort();
		free(t1);
		free(t2);
		t1 = t2 = NULL;
	}
	if (codec_record_from_text((const char *)data, size, &r, err, sizeof(err)) == CA_OK) {
		if (codec_record_to_text(&r, &t1) != CA_OK ||
		    codec_record_from_text(t1, strlen(t1), &s, err, sizeof(err)) != CA_OK ||
		    memcmp(&r, &s, sizeof(r)) != 0)
			abort();
		free(t1);
	}
	j = json_loadb((const char *)data, size, 0, NULL);
	if (j && codec_invoice_decode(j, &i, err, sizeof(err)) == CA_OK) {
		e = codec_invoice_encode(&i);
		if (!ca_invoice_check(&i, NULL, 0) || !e ||
		    codec_invoice_decode(e, &k, err, sizeof(err)) != CA_OK ||
		    memcmp(&i, &k, sizeof(i)) != 0)
			abort();
		json_decref(e);
	}
	json_decref(j);
	return 0;
}
