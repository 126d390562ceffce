/* form_value.c — the values of a NOTICE form: each type's syntax and canonical
 * spelling, filling a form from key=value strings, the canonical body, its strict
 * decoder and the human rendering. */
#include "form.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEG 10000           /* coordinates are held in 1/10000 degree (about 11 m) */
#define COORD_DIGITS 4

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		hl_text_trim_cut(err);
	}
	return HL_ERR_INVAL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* At most max bytes of s for a message, not cutting a UTF-8 character. */
static int clip(const char *s, size_t len, size_t max)
{
	size_t n = len > max ? max : len;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}

/* Reads exactly n digits at s. */
static int digits(const char *s, size_t n, int *v)
{
	int acc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		acc = acc * 10 + (s[i] - '0');
	}
	*v = acc;
	return 1;
}

int hl_form_parse_number(hl_form_type t, const char *s, size_t len, int64_t *v)
{
	int64_t whole = 0, frac = 0, scale = t == HL_FT_DECIMAL ? 1000000 : 1;
	int64_t whole_max = HL_FORM_NUM_LIMIT / scale;
	size_t i = 0, nd = 0, nf = 0;
	int neg = 0;

	if (v)
		*v = 0;
	if (!s || !v || (t != HL_FT_INT && t != HL_FT_DECIMAL))
		return HL_ERR_INVAL;
	if (i < len && s[i] == '-')
		neg = 1, i++;
	for (; i < len && is_digit(s[i]); i++, nd++) {
		whole = whole * 10 + (s[i] - '0');
		if (whole > whole_max)
			return HL_ERR_TOOBIG;
	}
	if (nd == 0)
		return HL_ERR_INVAL;
	if (i < len && s[i] == '.' && t == HL_FT_DECIMAL) {
		for (i++; i < len && is_digit(s[i]); i++, nf++) {
			if (nf == 6)
				return HL_ERR_INVAL;
			frac = frac * 10 + (s[i] - '0');
		}
		if (nf == 0)
			return HL_ERR_INVAL;
		for (size_t k = nf; k < 6; k++)
			frac *= 10;
	}
	if (i != len)
		return HL_ERR_INVAL;
	*v = (whole * scale + frac) * (neg ? -1 : 1);
	return 0;
}

/* Canonical: no '+', no leading zeros, no trailing fraction zeros, no "-0". */
void hl_form_format_number(hl_form_type t, int64_t v, char *out, size_t size)
{
	uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v;
	int n;

	if (t != HL_FT_DECIMAL) {
		snprintf(out, size, "%" PRId64, v);
		return;
	}
	n = snprintf(out, size, "%s%" PRIu64, v < 0 ? "-" : "", a / 1000000);
	if (a % 1000000 && n > 0 && (size_t)n < size) {
		char frac[8];
		int k = 6;
		snprintf(frac, sizeof frac, "%06" PRIu64, a % 1000000);
		while (k > 0 && frac[k - 1] == '0')
			frac[--k] = '\0';
		snprintf(out + n, size - (size_t)n, ".%s", frac);
	}
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int check_date(const char *s, int *y, int *m, int *d, char *err, size_t errlen)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
	    !digits(s + 8, 2, d))
		return bad(err, errlen, "'%.*s' is not a date (want YYYY-MM-DD)", clip(s, strlen(s), 10), s);
	if (*y < 1970 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > mdays[*m - 1] + (*m == 2 && is_leap(*y)))
		return bad(err, errlen, "no such date %.*s", clip(s, strlen(s), 10), s);
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SSZ, or without :SS on input; *canon says whether the
 * seconds were there. */
static int parse_utc(const char *s, size_t len, int64_t *t, int *canon, char *err, size_t errlen)
{
	int y, mo, d, h, mi, sec = 0;
	char tmp[24];

	if (len != 20 && len != 17)
		return bad(err, errlen, "'%.*s' is not a UTC time (want YYYY-MM-DDTHH:MM:SSZ)",
			   clip(s, len, 40), s);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (len < 11 || tmp[10] != 'T' || tmp[len - 1] != 'Z' || !digits(tmp + 11, 2, &h) ||
	    tmp[13] != ':' || !digits(tmp + 14, 2, &mi) ||
	    (len == 20 && (tmp[16] != ':' || !digits(tmp + 17, 2, &sec))))
		return bad(err, errlen, "'%s' is not a UTC time (want YYYY-MM-DDTHH:MM:SSZ)", tmp);
	if (check_date(tmp, &y, &mo, &d, err, errlen) < 0)
		return HL_ERR_INVAL;
	if (h > 23 || mi > 59 || sec > 59)
		return bad(err, errlen, "no such time of day in '%s'", tmp);
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*canon = len == 20;
	return 0;
}

int hl_form_parse_utc(const char *s, size_t len, int64_t *t)
{
	int canon = 0;

	if (t)
		*t = 0;
	if (!s || !t || parse_utc(s, len, t, &canon, NULL, 0) < 0 || !canon) {
		if (t)
			*t = 0;
		return HL_ERR_INVAL;
	}
	return 0;
}

/* One coordinate "D[.dddd]H": *v in 1/DEG degree, negative for the second
 * hemisphere letter. */
static int parse_coord(const char *s, size_t len, size_t *used, const char *what,
		       char pos, char neg, int maxdeg, int32_t *v, char *err, size_t errlen)
{
	size_t i = 0, nd = 0, nf = 0;
	int32_t whole = 0, frac = 0;

	for (; i < len && is_digit(s[i]) && nd < 4; i++, nd++)
		whole = whole * 10 + (s[i] - '0');
	if (i < len && s[i] == '.')
		for (i++; i < len && is_digit(s[i]) && nf <= COORD_DIGITS; i++, nf++)
			frac = frac * 10 + (s[i] - '0');
	if (nd == 0 || nd > 3 || (i < len && s[i] == '.') || nf > COORD_DIGITS ||
	    (nf == 0 && i > nd) || i >= len || (s[i] != pos && s[i] != neg))
		return bad(err, errlen, "bad %s '%.*s' (want degrees with up to %d decimals and %c or %c, "
			   "e.g. 55.75%c)", what, clip(s, len, 24), s, COORD_DIGITS,
			   pos, neg, pos);
	for (size_t k = nf; k < COORD_DIGITS; k++)
		frac *= 10;
	*v = whole * DEG + frac;
	if (*v > maxdeg * DEG)
		return bad(err, errlen, "%s %.*s is out of range (0 to %d %c or %c)", what,
			   (int)i + 1, s, maxdeg, pos, neg);
	if (s[i] == neg)
		*v = -*v;
	*used = i + 1;
	return 0;
}

static int put_str(hl_buf *out, const char *s)
{
	return hl_buf_put(out, s, strlen(s));
}

static int put_coord(hl_buf *out, int32_t v, char pos, char neg)
{
	char s[24], frac[8];
	int32_t a = v < 0 ? -v : v;
	int k = COORD_DIGITS;

	snprintf(frac, sizeof frac, "%04d", (int)(a % DEG));
	while (k > 0 && frac[k - 1] == '0')
		frac[--k] = '\0';
	snprintf(s, sizeof s, "%d%s%s%c", (int)(a / DEG), k ? "." : "", frac, v < 0 ? neg : pos);
	return put_str(out, s);
}

/* "LAT LON" (one or more spaces between); canonical with one space, 0 as N/E
 * and 180W as 180E (the same meridian). */
static int parse_latlon(const char *s, size_t len, size_t *used, int32_t *lat, int32_t *lon,
			char *err, size_t errlen)
{
	size_t a = 0, b = 0, sp;

	if (parse_coord(s, len, &a, "latitude", 'N', 'S', 90, lat, err, errlen) < 0)
		return HL_ERR_INVAL;
	for (sp = a; sp < len && s[sp] == ' '; sp++)
		;
	if (sp == a || sp == len)
		return bad(err, errlen, "want a position 'LAT LON' such as '55.75N 37.62E'");
	if (parse_coord(s + sp, len - sp, &b, "longitude", 'E', 'W', 180, lon, err, errlen) < 0)
		return HL_ERR_INVAL;
	if (*lon == -180 * DEG)
		*lon = 180 * DEG;
	*used = sp + b;
	return 0;
}

static int put_latlon(hl_buf *out, int32_t lat, int32_t lon)
{
	int rc = put_coord(out, lat, 'N', 'S');

	if (rc == 0)
		rc = put_str(out, " ");
	return rc < 0 ? rc : put_coord(out, lon, 'E', 'W');
}

/* "P; P; P[; ...]" (3 to 16 vertices) or "P radius Nkm". */
static int canon_area(const char *s, size_t len, hl_buf *out, char *err, size_t errlen)
{
	int32_t lat[HL_FORM_MAX_POINTS], lon[HL_FORM_MAX_POINTS];
	size_t i = 0, used = 0;
	int n = 0, rc, km = 0, nd = 0;

	for (;;) {
		if (n == (int)HL_FORM_MAX_POINTS)
			return bad(err, errlen, "too many points (max %u)", HL_FORM_MAX_POINTS);
		if (parse_latlon(s + i, len - i, &used, &lat[n], &lon[n], err, errlen) < 0)
			return HL_ERR_INVAL;
		i += used;
		if (n > 0 && lat[n] == lat[n - 1] && lon[n] == lon[n - 1])
			return bad(err, errlen, "point %d repeats point %d", n + 1, n);
		n++;
		if (i == len || s[i] != ';')
			break;
		for (i++; i < len && s[i] == ' '; i++)
			;
	}
	if (n == 1 && len - i > 8 && memcmp(s + i, " radius ", 8) == 0) {
		for (i += 8; i < len && is_digit(s[i]) && nd < 5; i++, nd++)
			km = km * 10 + (s[i] - '0');
		if (nd == 0 || len - i != 2 || memcmp(s + i, "km", 2) != 0 || s[i - nd] == '0')
			return bad(err, errlen, "want 'LAT LON radius Nkm', e.g. '55.75N 37.62E radius 50km'");
		if (km > (int)HL_FORM_MAX_RADIUS_KM)
			return bad(err, errlen, "radius %dkm is out of range (1 to %ukm)", km,
				   HL_FORM_MAX_RADIUS_KM);
		char r[32];
		snprintf(r, sizeof r, " radius %dkm", km);
		rc = put_latlon(out, lat[0], lon[0]);
		return rc < 0 ? rc : put_str(out, r);
	}
	if (i != len)
		return bad(err, errlen, "unexpected '%.*s' (points are separated by ';')",
			   clip(s + i, len - i, 24), s + i);
	if (n < 3)
		return bad(err, errlen, "an area needs 3 or more points 'P; P; P' or 'P radius Nkm'");
	if (lat[n - 1] == lat[0] && lon[n - 1] == lon[0])
		return bad(err, errlen, "do not repeat the first point at the end");
	for (int k = 0; k < n; k++) {
		if ((k && (rc = put_str(out, "; ")) < 0) || (rc = put_latlon(out, lat[k], lon[k])) < 0)
			return rc;
	}
	return 0;
}

static int canon_text(const hl_form_field *f, const char *s, size_t len, hl_buf *out,
		      char *err, size_t errlen)
{
	size_t chars = 0;

	if (!hl_text_valid((const uint8_t *)s, len))
		return bad(err, errlen, "not valid UTF-8 text (or holds control characters)");
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r')
			return bad(err, errlen, "carriage return in text (use a plain newline)");
		if (!f->multiline && (s[i] == '\n' || s[i] == '\t'))
			return bad(err, errlen, "must be one line (no newline or tab)");
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	if (chars > f->max_length)
		return bad(err, errlen, "too long (%zu characters, max %u)", chars, f->max_length);
	return hl_buf_put(out, s, len);
}

int hl_form_canon(const hl_form_field *f, const char *s, size_t len, hl_buf *out,
		  char *err, size_t errlen)
{
	char a[32], b[32], c[32];
	int64_t v = 0;
	int32_t lat, lon;
	size_t used = 0;
	int y, m, d, canon, rc;

	if (errlen)
		err[0] = '\0';
	if (!f || !s || !out)
		return HL_ERR_INVAL;
	if (len == 0)
		return bad(err, errlen, "empty value");
	/* Only text may hold newlines and tabs; what else is wrong is echoed in messages. */
	if (f->type != HL_FT_TEXT && !hl_label_valid(s, len))
		return bad(err, errlen, "not valid UTF-8 or holds control characters");
	switch (f->type) {
	case HL_FT_TEXT:
		return canon_text(f, s, len, out, err, errlen);
	case HL_FT_INT:
	case HL_FT_DECIMAL:
		rc = hl_form_parse_number(f->type, s, len, &v);
		if (rc == HL_ERR_TOOBIG)
			return bad(err, errlen, "'%.*s' is out of range", clip(s, len, 40), s);
		if (rc < 0)
			return bad(err, errlen, "'%.*s' is not %s", clip(s, len, 40), s,
				   f->type == HL_FT_INT ? "a whole number" :
				   "a decimal number (digits, at most 6 after the point)");
		hl_form_format_number(f->type, v, a, sizeof a);
		if (v < f->min || v > f->max) {
			hl_form_format_number(f->type, f->min, b, sizeof b);
			hl_form_format_number(f->type, f->max, c, sizeof c);
			return bad(err, errlen, "%s is out of range (%s to %s)", a, b, c);
		}
		return put_str(out, a);
	case HL_FT_UTC:
		if (parse_utc(s, len, &v, &canon, err, errlen) < 0)
			return HL_ERR_INVAL;
		if (len == 20)
			return hl_buf_put(out, s, len);
		rc = hl_buf_put(out, s, 16);
		return rc < 0 ? rc : put_str(out, ":00Z");
	case HL_FT_DATE:
		if (len != 10)
			return bad(err, errlen, "'%.*s' is not a date (want YYYY-MM-DD)",
				   clip(s, len, 40), s);
		memcpy(a, s, len);
		a[len] = '\0';
		if (check_date(a, &y, &m, &d, err, errlen) < 0)
			return HL_ERR_INVAL;
		return hl_buf_put(out, s, len);
	case HL_FT_ENUM:
		for (int i = 0; i < f->n_values; i++)
			if (strlen(f->values[i]) == len && memcmp(f->values[i], s, len) == 0)
				return hl_buf_put(out, s, len);
		{
			char list[HL_FORM_MAX_VALUES * (HL_FORM_MAX_NAME + 2) + 1];
			size_t o = 0;
			list[0] = '\0';
			for (int i = 0; i < f->n_values; i++)
				o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
						      f->values[i]);
			return bad(err, errlen, "'%.*s' is not one of: %s", clip(s, len, 40),
				   s, list);
		}
	case HL_FT_LATLON:
		if (parse_latlon(s, len, &used, &lat, &lon, err, errlen) < 0)
			return HL_ERR_INVAL;
		if (used != len)
			return bad(err, errlen, "unexpected '%.*s' after the position",
				   clip(s + used, len - used, 24), s + used);
		return put_latlon(out, lat, lon);
	case HL_FT_AREA:
		return canon_area(s, len, out, err, errlen);
	}
	return HL_ERR_INVAL;
}

static void values_init(hl_form_values *v, const hl_form *f)
{
	memset(v, 0, sizeof *v);
	v->form = f;
	hl_buf_init(&v->buf, HL_MAX_BODY + HL_FORM_MAX_FIELDS);
}

void hl_form_values_free(hl_form_values *v)
{
	if (!v)
		return;
	hl_buf_free(&v->buf);
	memset(v, 0, sizeof *v);
}

/* Canonicalises a value of field i into v->buf, NUL-terminated. */
static int store(hl_form_values *v, int i, const char *s, size_t len, char *msg, size_t msglen)
{
	size_t start = v->buf.len;
	int rc = hl_form_canon(&v->form->fields[i], s, len, &v->buf, msg, msglen);

	if (rc == 0)
		rc = hl_buf_put_u8(&v->buf, 0);
	if (rc == HL_ERR_TOOBIG && msglen && !msg[0])
		snprintf(msg, msglen, "the form's values are over %u bytes", HL_MAX_BODY);
	if (rc < 0)
		return rc;
	v->set[i] = 1;
	v->off[i] = (uint32_t)start;
	v->len[i] = (uint32_t)(v->buf.len - start - 1);
	return 0;
}

static int check_required(hl_form_values *v, char *err, size_t errlen)
{
	for (int i = 0; i < v->form->n_fields; i++) {
		const hl_form_field *fd = &v->form->fields[i];
		if (fd->required && !v->set[i])
			return bad(err, errlen, "%s: required (%s)", fd->name, fd->label);
	}
	return 0;
}

int hl_form_fill(const hl_form *f, const char *const *kv, int n, hl_form_values *out,
		 char *err, size_t errlen)
{
	char msg[256];
	int rc = HL_ERR_INVAL;

	if (errlen)
		err[0] = '\0';
	if (!out)
		return HL_ERR_INVAL;
	values_init(out, f);
	if (!f || n < 0 || (n > 0 && !kv))
		return HL_ERR_INVAL;
	for (int k = 0; k < n; k++) {
		const char *s = kv[k], *eq = s ? strchr(s, '=') : NULL;
		const hl_form_field *fd;
		int i;

		if (!eq) {
			rc = s && hl_label_valid(s, strlen(s))
				? bad(err, errlen, "'%.*s': want field=value", clip(s, strlen(s), 40), s)
				: bad(err, errlen, "argument %d: want field=value", k + 1);
			goto out;
		}
		fd = hl_form_field_find(f, s, (size_t)(eq - s));
		if (!fd) {
			char list[HL_FORM_MAX_FIELDS * (HL_FORM_MAX_NAME + 2) + 1];
			size_t o = 0;
			list[0] = '\0';
			for (int j = 0; j < f->n_fields; j++)
				o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "",
						      f->fields[j].name);
			if (!hl_label_valid(s, (size_t)(eq - s)))
				rc = bad(err, errlen, "argument %d: unknown field (fields: %s)", k + 1, list);
			else
				rc = bad(err, errlen, "unknown field '%.*s' (fields: %s)",
					 clip(s, (size_t)(eq - s), 40), s, list);
			goto out;
		}
		i = (int)(fd - f->fields);
		if (out->set[i]) {
			rc = bad(err, errlen, "%s: duplicate field (given twice)", fd->name);
			goto out;
		}
		rc = store(out, i, eq + 1, strlen(eq + 1), msg, sizeof msg);
		if (rc < 0) {
			if (errlen) {
				snprintf(err, errlen, "%s: %s", fd->name, msg);
				hl_text_trim_cut(err);
			}
			goto out;
		}
	}
	rc = check_required(out, err, errlen);
out:
	if (rc < 0)
		hl_form_values_free(out);
	return rc;
}

const char *hl_form_value(const hl_form_values *v, const char *field)
{
	const hl_form_field *fd;

	if (!v || !v->form || !field)
		return NULL;
	fd = hl_form_field_find(v->form, field, strlen(field));
	if (!fd || !v->set[fd - v->form->fields])
		return NULL;
	return (const char *)v->buf.p + v->off[fd - v->form->fields];
}

int hl_form_encode(const hl_form_values *v, hl_buf *out)
{
	char head[HL_FORM_MAX_NAME + 32];
	size_t start;
	int rc;

	if (!v || !v->form || !out)
		return HL_ERR_INVAL;
	start = out->len;
	snprintf(head, sizeof head, "form=%s\nversion=%u\n", v->form->name, v->form->version);
	rc = put_str(out, head);
	for (int i = 0; i < v->form->n_fields && rc == 0; i++) {
		const char *s = (const char *)v->buf.p + v->off[i];
		if (!v->set[i])
			continue;
		rc = put_str(out, v->form->fields[i].name);
		if (rc == 0)
			rc = put_str(out, "=");
		for (uint32_t k = 0; k < v->len[i] && rc == 0; k++) {
			const char *e = s[k] == '\\' ? "\\\\" : s[k] == '\n' ? "\\n" :
					s[k] == '\t' ? "\\t" : NULL;
			rc = e ? put_str(out, e) : hl_buf_put(out, s + k, 1);
		}
		if (rc == 0)
			rc = put_str(out, "\n");
	}
	if (rc == 0 && out->len - start > HL_MAX_BODY)
		rc = HL_ERR_TOOBIG;
	if (rc < 0)
		out->len = start;
	return rc;
}

/* One "key=value\n" line at the cursor: key and raw (escaped) value. */
static int next_kv(hl_rd *r, const char **key, size_t *klen, const char **val, size_t *vlen)
{
	const uint8_t *line, *nl;
	const char *eq;
	uint8_t c;
	size_t n;

	nl = memchr(r->p + r->off, '\n', hl_rd_left(r));
	if (!nl)
		return HL_ERR_TRUNC;
	n = (size_t)(nl - (r->p + r->off));
	if (hl_rd_ref(r, &line, n) < 0 || hl_rd_u8(r, &c) < 0)
		return HL_ERR_TRUNC;
	eq = memchr(line, '=', n);
	if (!eq || eq == (const char *)line)
		return HL_ERR_INVAL;
	*key = (const char *)line;
	*klen = (size_t)(eq - *key);
	*val = eq + 1;
	*vlen = n - *klen - 1;
	return 0;
}

/* Undoes the encoding's escapes (\\ \n \t); a raw tab must have been escaped. */
static int unescape(const char *s, size_t n, hl_buf *out)
{
	int rc = 0;

	hl_buf_reset(out);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char c = s[i];
		if (c == '\t')
			return HL_ERR_NONCANON;
		if (c == '\r')
			return HL_ERR_INVAL;
		if (c == '\\') {
			if (++i == n)
				return HL_ERR_INVAL;
			c = s[i] == '\\' ? '\\' : s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : 0;
			if (!c)
				return HL_ERR_INVAL;
		}
		rc = hl_buf_put_u8(out, (uint8_t)c);
	}
	return rc;
}

static int decode_head(hl_rd *r, const hl_form_set *set, const hl_form **form, char *err,
		       size_t errlen)
{
	const char *k, *v;
	size_t kl, vl;
	char name[HL_FORM_MAX_NAME + 1];
	uint32_t ver = 0;

	if (next_kv(r, &k, &kl, &v, &vl) < 0 || kl != 4 || memcmp(k, "form", 4) != 0)
		return bad(err, errlen, "line 1: want form=NAME");
	if (vl == 0 || vl > HL_FORM_MAX_NAME)
		return bad(err, errlen, "line 1: bad form name");
	for (size_t i = 0; i < vl; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || is_digit(v[i]) || v[i] == '-'))
			return bad(err, errlen, "line 1: bad form name");
	memcpy(name, v, vl);
	name[vl] = '\0';
	if (next_kv(r, &k, &kl, &v, &vl) < 0 || kl != 7 || memcmp(k, "version", 7) != 0)
		return bad(err, errlen, "line 2: want version=N");
	if (vl == 0 || vl > 5 || v[0] == '0')
		return bad(err, errlen, "line 2: bad version");
	for (size_t i = 0; i < vl; i++) {
		if (!is_digit(v[i]))
			return bad(err, errlen, "line 2: bad version");
		ver = ver * 10 + (uint32_t)(v[i] - '0');
	}
	*form = hl_form_find(set, name, ver);
	if (!*form) {
		bad(err, errlen, "form %s version %u is not known here", name, ver);
		return HL_ERR_NOTFOUND;
	}
	return 0;
}

int hl_form_decode(const uint8_t *body, size_t len, const hl_form_set *set,
		   hl_form_values *out, char *err, size_t errlen)
{
	const hl_form *f = NULL;
	char msg[256];
	hl_buf raw;
	hl_rd r;
	int rc, line = 2, last = -1;

	if (errlen)
		err[0] = '\0';
	if (!out)
		return HL_ERR_INVAL;
	values_init(out, NULL);
	hl_buf_init(&raw, HL_MAX_BODY);
	if (!set || (!body && len))
		return HL_ERR_INVAL;
	if (len > HL_MAX_BODY) {
		bad(err, errlen, "body of %zu bytes is over the limit (%u)", len, HL_MAX_BODY);
		return HL_ERR_TOOBIG;
	}
	if (!hl_text_valid(body, len)) {
		bad(err, errlen, "not valid UTF-8 text");
		return HL_ERR_UTF8;
	}
	hl_rd_init(&r, body, len);
	rc = decode_head(&r, set, &f, err, errlen);
	if (rc < 0)
		goto out;
	out->form = f;
	while (hl_rd_left(&r) > 0) {
		const char *k, *v;
		size_t kl, vl;
		const hl_form_field *fd;
		int i;

		line++;
		if (next_kv(&r, &k, &kl, &v, &vl) < 0) {
			rc = bad(err, errlen, "line %d: want field=value and a newline", line);
			goto out;
		}
		fd = hl_form_field_find(f, k, kl);
		if (!fd) {
			rc = hl_label_valid(k, kl)
				? bad(err, errlen, "line %d: unknown field '%.*s'", line, clip(k, kl, 40), k)
				: bad(err, errlen, "line %d: unknown field", line);
			goto out;
		}
		i = (int)(fd - f->fields);
		if (i <= last) {
			rc = i == last ? HL_ERR_INVAL : HL_ERR_NONCANON;
			bad(err, errlen, "line %d: %s: %s", line, fd->name,
			    i == last ? "duplicate field" : "out of the form's order");
			goto out;
		}
		last = i;
		rc = unescape(v, vl, &raw);
		if (rc < 0) {
			bad(err, errlen, "line %d: %s: bad escape or raw tab", line, fd->name);
			goto out;
		}
		rc = store(out, i, (const char *)raw.p, raw.len, msg, sizeof msg);
		if (rc < 0) {
			bad(err, errlen, "line %d: %s: %s", line, fd->name, msg);
			goto out;
		}
		if (out->len[i] != raw.len || memcmp(out->buf.p + out->off[i], raw.p, raw.len) != 0) {
			rc = bad(err, errlen, "line %d: %s: not in canonical form (%s)", line,
				 fd->name, (const char *)out->buf.p + out->off[i]);
			rc = HL_ERR_NONCANON;
			goto out;
		}
	}
	rc = check_required(out, err, errlen);
out:
	hl_buf_free(&raw);
	if (rc < 0)
		hl_form_values_free(out);
	return rc;
}

int hl_form_render(const hl_form_values *v, hl_buf *out)
{
	char head[HL_FORM_MAX_TITLE + HL_FORM_MAX_NAME + 32];
	size_t start;
	int rc;

	if (!v || !v->form || !out)
		return HL_ERR_INVAL;
	start = out->len;
	snprintf(head, sizeof head, "%s (%s v%u)\n", v->form->title, v->form->name,
		 v->form->version);
	rc = put_str(out, head);
	for (int i = 0; i < v->form->n_fields && rc == 0; i++) {
		const hl_form_field *fd = &v->form->fields[i];
		const char *s = (const char *)v->buf.p + v->off[i];

		rc = put_str(out, "  ");
		if (rc == 0)
			rc = put_str(out, fd->label);
		if (rc == 0 && !v->set[i]) {
			rc = put_str(out, ": (not given)\n");
			continue;
		}
		if (rc == 0 && !fd->multiline) {
			rc = put_str(out, ": ");
			if (rc == 0)
				rc = hl_buf_put(out, s, v->len[i]);
			if (rc == 0)
				rc = put_str(out, "\n");
			continue;
		}
		/* Multi-line text starts on its own line, indented, so it cannot pass
		 * for another field's label. */
		if (rc == 0)
			rc = put_str(out, ":\n      ");
		for (uint32_t k = 0; k < v->len[i] && rc == 0; k++)
			rc = s[k] == '\n' ? put_str(out, "\n      ") : hl_buf_put(out, s + k, 1);
		if (rc == 0)
			rc = put_str(out, "\n");
	}
	if (rc < 0)
		out->len = start;
	return rc;
}
