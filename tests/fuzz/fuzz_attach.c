/* fuzz_attach.c — libFuzzer target: hl_attach_parse on any bytes. An
 * accepted descriptor must have its fields in range, format back to exactly
 * the bytes it was parsed from, and parse again to the same fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/attach.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_attach: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_attach_desc d, d2;
	size_t off = 0, off2 = 0;
	char back[HL_ATTACH_DESC_MAX + 1];

	if (hl_attach_parse(data, size, &d, &off) < 0) {
		CHECK(off == 0 && d.size == 0);
		return 0;
	}
	CHECK(off >= 1 && off <= size && off <= HL_ATTACH_DESC_MAX && data[off - 1] == '\n');
	CHECK(d.size >= 1 && d.size <= HL_MAX_ATTACHMENT);
	CHECK(hl_attach_name_valid(d.name, strlen(d.name)));
	int n = hl_attach_format(&d, back, sizeof back);
	CHECK(n > 0 && (size_t)n == off && memcmp(back, data, off) == 0);
	CHECK(hl_attach_parse((const uint8_t *)back, (size_t)n, &d2, &off2) == 0);
	CHECK(off2 == off && memcmp(&d, &d2, sizeof d) == 0);
	return 0;
}
