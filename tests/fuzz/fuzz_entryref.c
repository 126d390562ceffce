/* fuzz_entryref.c — libFuzzer target: the operator's entry reference parser
 * on any bytes; what it accepts has exactly one spelling of each part, and
 * printing it back parses to the same reference. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/entryref.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_entryref: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[HL_ENTRYREF_MAX + 8], back[HL_ENTRYREF_MAX + 8];
	hl_entryref r, r2;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int rc = hl_entryref_parse(s, &r);
	CHECK(rc == 0 || rc == HL_ERR_INVAL);
	if (rc < 0) {
		static const hl_entryref zero;
		CHECK(memcmp(&r, &zero, sizeof r) == 0);
		return 0;
	}
	if (r.by_hash) {
		size_t n = strlen(r.hex);
		CHECK(n >= HL_ENTRYREF_MIN_HEX && n <= 64 && strspn(r.hex, "0123456789abcdef") == n);
		snprintf(back, sizeof back, "%s", r.hex);
	} else {
		CHECK(r.seq >= 1 && r.author[0]);
		if (r.line[0])
			snprintf(back, sizeof back, "%s#%" PRIu64 "@%s", r.author, r.seq, r.line);
		else
			snprintf(back, sizeof back, "%s#%" PRIu64, r.author, r.seq);
		/* Names and seq have one spelling: printing back gives the input. */
		CHECK(strcmp(back, s) == 0);
	}
	CHECK(hl_entryref_parse(back, &r2) == 0);
	CHECK(memcmp(&r, &r2, sizeof r) == 0);
	return 0;
}
