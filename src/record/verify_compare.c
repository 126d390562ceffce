/* verify_compare.c — `hotline verify --against`: compares two verified exports of one
 * line seq by seq through their hash stores, and says what each lacks of the other. */
#include "verify_int.h"

#include <string.h>

#include "util/err.h"

static void set_lacks(hl_verify_cmp *c, int f, int s, const hl_verify_station *own,
		      const hl_verify_station *oth)
{
	for (int i = 0; i < 2; i++) {
		c->lacks[f][s][i].lo = 1;
		c->lacks[f][s][i].hi = 0;
	}
	if (!oth->entries)
		return;
	if (!own->entries) {
		c->lacks[f][s][1].lo = oth->first_seq;
		c->lacks[f][s][1].hi = oth->last_seq;
		return;
	}
	if (oth->first_seq < own->first_seq) {
		c->lacks[f][s][0].lo = oth->first_seq;
		c->lacks[f][s][0].hi = oth->last_seq < own->first_seq ? oth->last_seq : own->first_seq - 1;
	}
	if (oth->last_seq > own->last_seq) {
		c->lacks[f][s][1].lo = oth->first_seq > own->last_seq ? oth->first_seq : own->last_seq + 1;
		c->lacks[f][s][1].hi = oth->last_seq;
	}
}

int hl_verify_compare(hl_verifier *v1, hl_verifier *v2, hl_verify_cmp *c)
{
	uint8_t b1[256][32], b2[256][32];

	if (!v1 || !v2 || !c)
		return HL_ERR_INVAL;
	memset(c, 0, sizeof *c);
	if (!v1->done_ok || !v2->done_ok)
		return HL_ERR_STATE;
	if (memcmp(v1->rep->hdr.line_id, v2->rep->hdr.line_id, 32) != 0)
		return 0;
	c->same_line = 1;
	c->identical = 1;
	for (int s = 0; s < 2; s++) {
		const hl_verify_station *a = &v1->rep->st[s];
		int t = memcmp(v2->rep->st[0].key.ed, a->key.ed, 32) == 0 ? 0 : 1;
		const hl_verify_station *b = &v2->rep->st[t];
		uint64_t lo, hi;

		set_lacks(c, 0, s, a, b);
		set_lacks(c, 1, s, b, a);
		if (a->entries != b->entries || a->first_seq != b->first_seq)
			c->identical = 0;
		if (!a->entries || !b->entries)
			continue;
		lo = a->first_seq > b->first_seq ? a->first_seq : b->first_seq;
		hi = a->last_seq < b->last_seq ? a->last_seq : b->last_seq;
		for (uint64_t q = lo; q <= hi;) {
			size_t n = hi - q + 1 > 256 ? 256 : (size_t)(hi - q + 1);
			if (hl_verify_hs_read(&v1->hs[s], q - v1->c[s].from, b1[0], n) < 0 ||
			    hl_verify_hs_read(&v2->hs[t], q - v2->c[t].from, b2[0], n) < 0)
				return HL_ERR_IO;
			for (size_t i = 0; i < n; i++) {
				if (memcmp(b1[i], b2[i], 32) == 0)
					continue;
				c->differ = 1;
				c->identical = 0;
				c->differ_station = s;
				c->differ_seq = q + i;
				memcpy(c->differ_hash[0], b1[i], 32);
				memcpy(c->differ_hash[1], b2[i], 32);
				return 0;
			}
			q += n;
		}
	}
	return 0;
}
