/* deadline.c — acknowledgement deadlines per precedence: the defaults, the
 * overrides from configuration, and a message's standing against its deadline. */
#include "deadline.h"
#include "config.h"
#include "record/entry.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#define NPREC 4
#define LIST_MAX 256u  /* bytes of an override list */

void hl_deadlines_default(hl_deadlines *d)
{
	if (!d)
		return;
	d->ms[HL_PREC_ROUTINE] = HL_DEADLINE_ROUTINE_MS;
	d->ms[HL_PREC_PRIORITY] = HL_DEADLINE_PRIORITY_MS;
	d->ms[HL_PREC_IMMEDIATE] = HL_DEADLINE_IMMEDIATE_MS;
	d->ms[HL_PREC_FLASH] = HL_DEADLINE_FLASH_MS;
}

static int prec_ok(int prec)
{
	return prec >= HL_PREC_ROUTINE && prec <= HL_PREC_FLASH;
}

int hl_deadlines_set(hl_deadlines *d, int prec, uint64_t ms)
{
	if (!d || !prec_ok(prec) || ms < HL_DEADLINE_MIN_MS || ms > HL_DEADLINE_MAX_MS)
		return HL_ERR_INVAL;
	d->ms[prec] = ms;
	return 0;
}

int hl_deadlines_get(const hl_deadlines *d, int prec, uint64_t *ms)
{
	if (ms)
		*ms = 0;
	if (!d || !ms || !prec_ok(prec))
		return HL_ERR_INVAL;
	*ms = d->ms[prec];
	return 0;
}

int hl_deadlines_check(const hl_deadlines *d, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!d)
		return HL_ERR_INVAL;
	/* A more urgent message that may wait longer than a less urgent one
	 * would invert the order the watch works through. */
	for (int p = HL_PREC_FLASH; p > HL_PREC_ROUTINE; p--) {
		if (d->ms[p] > d->ms[p - 1]) {
			char a[32], b[32];
			hl_config_format_duration(a, sizeof a, d->ms[p]);
			hl_config_format_duration(b, sizeof b, d->ms[p - 1]);
			if (err && errlen)
				snprintf(err, errlen, "%s (%s) would wait longer than %s (%s)",
					 hl_precedence_name(p), a, hl_precedence_name(p - 1), b);
			return HL_ERR_INVAL;
		}
	}
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies s[0..n) trimmed of blanks into out (size bytes); 0 if it does not fit. */
static int copy_trim(const char *s, size_t n, char *out, size_t size)
{
	while (n && is_ws(*s))
		s++, n--;
	while (n && is_ws(s[n - 1]))
		n--;
	if (n >= size)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

static int apply_item(const char *item, hl_deadlines *d, unsigned *seen, char *err, size_t errlen)
{
	char name[16], dur[32], lo[16], hi[16];
	const char *eq = strchr(item, '=');
	uint64_t ms = 0;
	int prec;

	if (!eq) {
		snprintf(err, errlen, "'%s': missing '=' (PREC=DURATION, e.g. flash=3m)", item);
		return HL_ERR_INVAL;
	}
	if (!copy_trim(item, (size_t)(eq - item), name, sizeof name) ||
	    (prec = hl_precedence_parse(name)) < 0) {
		snprintf(err, errlen, "'%s': unknown precedence (flash, immediate, priority, "
			 "routine)", item);
		return HL_ERR_INVAL;
	}
	if (*seen & (1u << prec)) {
		snprintf(err, errlen, "'%s': %s named twice", item, hl_precedence_name(prec));
		return HL_ERR_INVAL;
	}
	*seen |= 1u << prec;
	if (!copy_trim(eq + 1, strlen(eq + 1), dur, sizeof dur) ||
	    hl_config_parse_duration(dur, &ms) < 0) {
		snprintf(err, errlen, "'%s': bad duration (use e.g. 30s, 3m, 1h)", item);
		return HL_ERR_INVAL;
	}
	if (hl_deadlines_set(d, prec, ms) < 0) {
		hl_config_format_duration(lo, sizeof lo, HL_DEADLINE_MIN_MS);
		hl_config_format_duration(hi, sizeof hi, HL_DEADLINE_MAX_MS);
		snprintf(err, errlen, "'%s': out of range (%s to %s)", item, lo, hi);
		return HL_ERR_INVAL;
	}
	return 0;
}

int hl_deadlines_parse(const char *s, hl_deadlines *d, char *err, size_t errlen)
{
	char list[LIST_MAX + 1], item[LIST_MAX + 1], scratch[1];
	hl_deadlines tmp;
	unsigned seen = 0;
	size_t len, start = 0;
	int rc;

	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof scratch;
	}
	err[0] = '\0';
	if (!s || !d)
		return HL_ERR_INVAL;
	len = strnlen(s, LIST_MAX + 1);
	if (len > LIST_MAX) {
		snprintf(err, errlen, "list too long (max %u bytes)", LIST_MAX);
		return HL_ERR_TOOBIG;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c > 0x7e) {
			snprintf(err, errlen, "character 0x%02x at offset %zu (printable ASCII only)",
				 c, i);
			return HL_ERR_INVAL;
		}
	}
	memcpy(list, s, len + 1);
	tmp = *d;
	for (size_t i = 0; i <= len; i++) {
		if (list[i] != ',' && list[i] != '\0')
			continue;
		if (!copy_trim(list + start, i - start, item, sizeof item) || !item[0]) {
			snprintf(err, errlen, "empty item in the list (PREC=DURATION,...)");
			return HL_ERR_INVAL;
		}
		if ((rc = apply_item(item, &tmp, &seen, err, errlen)) < 0)
			return rc;
		start = i + 1;
	}
	if ((rc = hl_deadlines_check(&tmp, err, errlen)) < 0)
		return rc;
	*d = tmp;
	return 0;
}

int hl_deadline_state(uint64_t now_ms, uint64_t since_ms, uint64_t deadline_ms,
		      hl_deadline_status *out)
{
	if (!out)
		return HL_ERR_INVAL;
	memset(out, 0, sizeof *out);
	out->due_ms = since_ms > UINT64_MAX - deadline_ms ? UINT64_MAX : since_ms + deadline_ms;
	if (now_ms >= out->due_ms) {
		out->overdue = 1;
		out->overdue_ms = now_ms - out->due_ms;
	} else {
		out->remaining_ms = out->due_ms - now_ms;
		if (out->remaining_ms > deadline_ms)
			out->remaining_ms = deadline_ms;
	}
	return 0;
}
