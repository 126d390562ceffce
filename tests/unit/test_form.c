/* test_form.c — NOTICE forms: every shipped form round-trips (fill, encode, decode,
 * render), invalid fillings are refused naming the field, schema errors name
 * FILE:LINE: KEY, and the decoder takes nothing but the canonical encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "config/form.h"
#include "util/limits.h"
#include "testutil.h"
#include "util/text.h"

static const char *forms_dir(void)
{
	const char *d = getenv("HL_FORMS_DIR");

	return d && *d ? d : "forms";
}

static hl_form_set *load_shipped(void)
{
	static hl_form_set set;
	char err[512];
	int rc;

	if (set.n)
		return &set;
	rc = hl_form_load_dir(forms_dir(), &set, err, sizeof err);
	if (rc != 0)
		fail_msg("loading %s: %s", forms_dir(), err);
	return &set;
}

static void free_shipped(void)
{
	hl_form_set_free(load_shipped());
}

/* ---- every shipped form: a valid notice round-trips ---------------------- */

struct valid {
	const char *form;
	const char *kv[12];
};

static const struct valid valids[] = {
	{ "launch-notification", {
		"launch_date=2025-03-01", "missile_class=icbm",
		"launch_area=62.9N 40.4E radius 20km",
		"impact_area=65.0N 172.5E; 65.5N 173W; 64.0000N 174.5E",
		"window_start=2025-03-01T06:00Z", "window_end=2025-03-01T18:00:00Z",
		"missile_count=02", "reference=NRRC-2025/031",
		"remarks=Первая строка\nsecond line\twith a tab and a \\ backslash", NULL } },
	{ "incident-at-sea", {
		"incident_time=2024-07-14T09:31:05Z", "position=43.1N 131.9E",
		"incident_type=dangerous-manoeuvre", "own_units=USS Example (DDG-00)\nP-8A call sign RAVEN1",
		"other_units=Адмирал Пример (бпк)", "closest_approach_nm=0.250",
		"casualties=none", "description=At 09:31Z the destroyer crossed the bow at 450 m.", NULL } },
	{ "call-request", {
		"proposed_time=2025-01-20T14:00:00Z", "duration_min=30",
		"topic=Переговоры о графике проверок", "participants=Chief of staff; Duty officer", NULL } },
	{ "call-reply", {
		"decision=decline", "counter_time=2025-01-21T09:00Z", "remarks=Tomorrow suits.", NULL } },
};

static int count(const char *const *kv)
{
	int n = 0;

	while (kv[n])
		n++;
	return n;
}

static void round_trip(const struct valid *t)
{
	hl_form_set *set = load_shipped();
	const hl_form *f = hl_form_find(set, t->form, 0);
	hl_form_values v, w;
	hl_buf enc, enc2, txt;
	char err[512];
	int rc;

	assert_non_null(f);
	assert_int_equal(f->version, 1);
	rc = hl_form_fill(f, t->kv, count(t->kv), &v, err, sizeof err);
	if (rc != 0)
		fail_msg("%s: %s", t->form, err);
	hl_buf_init(&enc, HL_MAX_BODY);
	hl_buf_init(&enc2, HL_MAX_BODY);
	hl_buf_init(&txt, 1u << 20);
	assert_int_equal(hl_form_encode(&v, &enc), 0);
	assert_true(enc.len <= HL_MAX_BODY);
	assert_true(hl_text_valid(enc.p, enc.len));
	/* name and version are part of the body */
	char head[64];
	snprintf(head, sizeof head, "form=%s\nversion=1\n", t->form);
	assert_memory_equal(enc.p, head, strlen(head));

	rc = hl_form_decode(enc.p, enc.len, set, &w, err, sizeof err);
	if (rc != 0)
		fail_msg("%s decode: %s", t->form, err);
	assert_ptr_equal(w.form, f);
	for (int i = 0; i < f->n_fields; i++) {
		const char *a = hl_form_value(&v, f->fields[i].name);
		const char *b = hl_form_value(&w, f->fields[i].name);
		assert_true((a == NULL) == (b == NULL));
		if (a)
			assert_string_equal(a, b);
	}
	/* canonical: decoding and encoding again gives the same bytes */
	assert_int_equal(hl_form_encode(&w, &enc2), 0);
	assert_int_equal(enc.len, enc2.len);
	assert_memory_equal(enc.p, enc2.p, enc.len);

	assert_int_equal(hl_form_render(&w, &txt), 0);
	assert_true(hl_text_valid(txt.p, txt.len));
	assert_int_equal(hl_buf_put_u8(&txt, 0), 0);
	assert_non_null(strstr((char *)txt.p, f->title));
	for (int i = 0; i < f->n_fields; i++) {
		const char *val = hl_form_value(&w, f->fields[i].name);
		assert_non_null(strstr((char *)txt.p, f->fields[i].label));
		if (val && !strchr(val, '\n'))
			assert_non_null(strstr((char *)txt.p, val));
	}
	hl_buf_free(&enc);
	hl_buf_free(&enc2);
	hl_buf_free(&txt);
	hl_form_values_free(&v);
	hl_form_values_free(&w);
}

static void test_shipped_round_trip(void **state)
{
	(void)state;
	hl_form_set *set = load_shipped();

	assert_int_equal(set->n, 4);
	for (size_t i = 0; i < sizeof valids / sizeof valids[0]; i++)
		round_trip(&valids[i]);
	/* every shipped form has a valid example above */
	for (int i = 0; i < set->n; i++) {
		int found = 0;
		for (size_t j = 0; j < sizeof valids / sizeof valids[0]; j++)
			found |= strcmp(valids[j].form, set->forms[i]->name) == 0;
		if (!found)
			fail_msg("no round-trip test for form %s", set->forms[i]->name);
	}
	assert_int_equal(set->forms[0]->n_replies, 0);
	assert_string_equal(hl_form_find(set, "call-request", 1)->replies[0], "call-reply");
}

/* The exact canonical body of one notice: normalised values, schema order. */
static void test_known_encoding(void **state)
{
	(void)state;
	const hl_form *f = hl_form_find(load_shipped(), "launch-notification", 1);
	hl_form_values v;
	hl_buf b;
	char err[256];
	static const char want[] =
		"form=launch-notification\nversion=1\n"
		"launch_date=2025-03-01\nwindow_start=2025-03-01T06:00:00Z\n"
		"missile_class=slbm\nmissile_count=2\n"
		"launch_area=69.35N 33.4E radius 20km\n"
		"impact_area=0N 180E; 10.5S 170.25W; 5S 179.9999E\n"
		"remarks=a\\nb\\tc\\\\d\n";
	const char *kv[] = {
		"remarks=a\nb\tc\\d", "impact_area=0.0S 180W;10.50S 170.2500W;   5S 179.9999E",
		"missile_count=002", "launch_area=69.3500N  33.4E radius 20km",
		"window_start=2025-03-01T06:00Z", "missile_class=slbm", "launch_date=2025-03-01",
	};

	hl_buf_init(&b, HL_MAX_BODY);
	assert_int_equal(hl_form_fill(f, kv, 7, &v, err, sizeof err), 0);
	assert_string_equal(hl_form_value(&v, "missile_count"), "2");
	assert_null(hl_form_value(&v, "window_end"));
	assert_null(hl_form_value(&v, "nonesuch"));
	assert_int_equal(hl_form_encode(&v, &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	hl_form_values_free(&v);
	hl_buf_free(&b);
	/* no message buffer: still refused, nothing written */
	const char *badkv[] = { "missile_count=ЖЖ" };
	assert_int_equal(hl_form_fill(f, badkv, 1, &v, NULL, 0), HL_ERR_INVAL);
}

/* ---- every shipped form: invalid notices are refused naming the field ---- */

struct invalid {
	const char *form;
	const char *field;      /* must appear in the message */
	const char *what;       /* and so must this */
	const char *kv[4];
};

/* Each case starts from the form's valid notice above; an override replaces the
 * same field, "-name" drops it, "+k=v" (or anything without '=') is added. */
static const struct invalid invalids[] = {
	/* launch-notification */
	{ "launch-notification", "launch_date", "required", { "-launch_date", NULL } },
	{ "launch-notification", "launch_date", "no such date", { "launch_date=2025-02-29", NULL } },
	{ "launch-notification", "impact_area", "latitude 95.1N is out of range", {
	  "impact_area=95.1N 172.5E; 65.5N 173W; 64N 174.5E", NULL } },
	{ "launch-notification", "launch_area", "3 or more points", {
	  "launch_area=62.9N 40.4E; 63N 41E", NULL } },
	{ "launch-notification", "launch_area", "radius 9000km is out of range", {
	  "launch_area=62.9N 40.4E radius 9000km", NULL } },
	{ "launch-notification", "impact_area", "longitude", {
	  "impact_area=65N 190E; 65.5N 173W; 64N 174.5E", NULL } },
	{ "launch-notification", "impact_area", "do not repeat the first point", {
	  "impact_area=65N 172E; 65.5N 173W; 64N 174.5E; 65N 172E", NULL } },
	{ "launch-notification", "missile_class", "not one of: icbm, slbm", {
	  "missile_class=cruise", NULL } },
	{ "launch-notification", "missile_count", "out of range (1 to 20)", { "missile_count=21", NULL } },
	{ "launch-notification", "window_start", "not a UTC time", {
	  "window_start=2025-03-01 06:00", NULL } },
	{ "launch-notification", "window_end", "no such time of day", {
	  "window_end=2025-03-01T24:00:00Z", NULL } },
	{ "launch-notification", "reference", "one line", { "reference=a\nb", NULL } },
	{ "launch-notification", "missile_class", "duplicate field", { "+missile_class=slbm", NULL } },
	{ "launch-notification", "foo", "unknown field 'foo' (fields: launch_date, window_start", {
	  "+foo=1", NULL } },
	/* incident-at-sea */
	{ "incident-at-sea", "incident_time", "required", { "-incident_time", NULL } },
	{ "incident-at-sea", "position", "latitude", { "position=43.1 131.9", NULL } },
	{ "incident-at-sea", "position", "unexpected", { "position=43.1N 131.9E 5", NULL } },
	{ "incident-at-sea", "incident_type", "not one of", { "incident_type=ramming", NULL } },
	{ "incident-at-sea", "closest_approach_nm", "-1 is out of range (0 to 1000)", {
	  "closest_approach_nm=-1", NULL } },
	{ "incident-at-sea", "closest_approach_nm", "not a decimal", {
	  "closest_approach_nm=0.1234567", NULL } },
	{ "incident-at-sea", "description", "empty value", { "description=", NULL } },
	{ "incident-at-sea", "description", "carriage return", { "description=a\r\nb", NULL } },
	{ "incident-at-sea", "own_units", "not valid UTF-8", { "own_units=\xc3\x28", NULL } },
	{ "incident-at-sea", "incident_time", "not a UTC time", {
	  "incident_time=2024-07-14T09:31:05+03:00", NULL } },
	/* call-request */
	{ "call-request", "proposed_time", "required", { "-proposed_time", NULL } },
	{ "call-request", "proposed_time", "not a UTC time", {
	  "proposed_time=2025-01-20t14:00:00z", NULL } },
	{ "call-request", "duration_min", "4 is out of range (5 to 240)", { "duration_min=4", NULL } },
	{ "call-request", "duration_min", "not a whole number", { "duration_min=30.5", NULL } },
	{ "call-request", "duration_min", "not a whole number", { "duration_min=+30", NULL } },
	{ "call-request", "topic", "too long (201 characters, max 200)", {
	  "%CYRILLIC201%", NULL } },
	{ "call-request", "topic", "one line", { "topic=a\tb", NULL } },
	{ "call-request", "'nonsense'", "want field=value", { "nonsense", NULL } },
	/* call-reply */
	{ "call-reply", "decision", "required", { "-decision", NULL } },
	{ "call-reply", "decision", "not one of: accept, decline", { "decision=Accept", NULL } },
	{ "call-reply", "decision", "not one of", { "decision=accept ", NULL } },
	{ "call-reply", "counter_time", "no such date", { "counter_time=2025-13-01T09:00:00Z", NULL } },
	{ "call-reply", "counter_time", "not a UTC time", {
	  "counter_time=2025-01-21T09:00:00.5Z", NULL } },
	{ "call-reply", "remarks", "too long", { "remarks=%LONG%", NULL } },
};

static const struct valid *valid_for(const char *form)
{
	for (size_t i = 0; i < sizeof valids / sizeof valids[0]; i++)
		if (strcmp(valids[i].form, form) == 0)
			return &valids[i];
	fail_msg("no valid notice for %s", form);
	return NULL;
}

static size_t key_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? (size_t)(eq - s) : strlen(s);
}

/* The base notice with the case's overrides applied, into kv (up to 24). */
static int build(const struct invalid *t, const char *longtext, const char **kv)
{
	static char cyrillic[6 + 201 * 2 + 1] = "topic=";
	const struct valid *base = valid_for(t->form);
	int n = 0;

	for (int i = 0; i < 201; i++)
		memcpy(cyrillic + 6 + 2 * i, "\xd0\x96", 2); /* Ж: 201 characters, 402 bytes */

	for (int i = 0; base->kv[i]; i++)
		kv[n++] = base->kv[i];
	for (int j = 0; t->kv[j]; j++) {
		const char *o = strcmp(t->kv[j], "remarks=%LONG%") == 0 ? longtext :
				strcmp(t->kv[j], "%CYRILLIC201%") == 0 ? cyrillic : t->kv[j];
		int k, drop = o[0] == '-', add = o[0] == '+' || !strchr(o, '=');
		if (drop || o[0] == '+')
			o++;
		for (k = 0; !add && k < n; k++) {
			if (key_len(kv[k]) == key_len(o) && memcmp(kv[k], o, key_len(o)) == 0)
				break;
		}
		if (drop) {
			assert_true(k < n);
			kv[k] = kv[--n];
		} else if (!add && k < n) {
			kv[k] = o;
		} else {
			assert_true(n < 24);
			kv[n++] = o;
		}
	}
	return n;
}

static void test_invalid_fills(void **state)
{
	(void)state;
	hl_form_set *set = load_shipped();
	int per_form[HL_FORM_MAX_FORMS] = { 0 };
	static char longtext[8 + 1001 + 1]; /* one character over call-reply's MaxLength */

	memcpy(longtext, "remarks=", 8);
	memset(longtext + 8, 'x', 1001);
	longtext[8 + 1001] = '\0';
	for (size_t i = 0; i < sizeof invalids / sizeof invalids[0]; i++) {
		const struct invalid *t = &invalids[i];
		const hl_form *f = hl_form_find(set, t->form, 1);
		const char *kv[24];
		hl_form_values v;
		char err[1024];
		int n, rc;

		assert_non_null(f);
		n = build(t, longtext, kv);
		memset(&v, 0x5a, sizeof v);
		rc = hl_form_fill(f, kv, n, &v, err, sizeof err);
		if (rc != HL_ERR_INVAL)
			fail_msg("case %zu (%s %s): fill returned %d", i, t->form, t->field, rc);
		if (!strstr(err, t->field) || !strstr(err, t->what))
			fail_msg("case %zu: message '%s' lacks '%s' or '%s'", i, err, t->field, t->what);
		/* the message is one printable line */
		assert_true(hl_label_valid(err, strlen(err)));
		assert_null(v.buf.p);
		for (int j = 0; j < set->n; j++)
			per_form[j] += set->forms[j] == f;
	}
	for (int j = 0; j < set->n; j++)
		if (per_form[j] < 5)
			fail_msg("form %s: only %d invalid cases", set->forms[j]->name, per_form[j]);
}

/* ---- the value types ----------------------------------------------------- */

static void test_types(void **state)
{
	(void)state;
	int64_t t = 0;
	const hl_form_field dec = { .name = "x", .type = HL_FT_DECIMAL,
				    .min = -HL_FORM_NUM_LIMIT, .max = HL_FORM_NUM_LIMIT };
	static const struct { const char *in, *out; } decs[] = {
		{ "0", "0" }, { "-0", "0" }, { "00.500", "0.5" }, { "-12.000001", "-12.000001" },
		{ "999999999.999999", "999999999.999999" }, { "7.10", "7.1" },
	};
	static const char *const bad_decs[] = { "", ".5", "5.", "1e3", "1,5", "--1", "1.2.3",
						"1000000000", "0x10", " 1" };

	assert_int_equal(hl_form_parse_utc("2000-01-01T00:00:00Z", 20, &t), 0);
	assert_int_equal(t, 946684800);
	assert_int_equal(hl_form_parse_utc("2024-02-29T23:59:59Z", 20, &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(hl_form_parse_utc("2023-02-29T00:00:00Z", 20, &t), HL_ERR_INVAL);
	assert_int_equal(hl_form_parse_utc("2024-01-01T00:00Z", 17, &t), HL_ERR_INVAL); /* not canonical */
	assert_int_equal(hl_form_parse_utc("1969-12-31T23:59:59Z", 20, &t), HL_ERR_INVAL);
	assert_int_equal(hl_form_parse_utc("2024-01-01T00:00:60Z", 20, &t), HL_ERR_INVAL);

	for (size_t i = 0; i < sizeof decs / sizeof decs[0]; i++) {
		hl_buf b;
		char err[128];
		hl_buf_init(&b, 64);
		assert_int_equal(hl_form_canon(&dec, decs[i].in, strlen(decs[i].in), &b, err,
					       sizeof err), 0);
		assert_int_equal(b.len, strlen(decs[i].out));
		assert_memory_equal(b.p, decs[i].out, b.len);
		hl_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof bad_decs / sizeof bad_decs[0]; i++) {
		hl_buf b;
		char err[128];
		hl_buf_init(&b, 64);
		if (hl_form_canon(&dec, bad_decs[i], strlen(bad_decs[i]), &b, err, sizeof err) !=
		    HL_ERR_INVAL)
			fail_msg("decimal '%s' accepted", bad_decs[i]);
		assert_int_equal(b.len, 0);
		hl_buf_free(&b);
	}
}

/* ---- the decoder takes only canonical bodies ----------------------------- */

static void test_decode_strict(void **state)
{
	(void)state;
	hl_form_set *set = load_shipped();
	static const char good[] = "form=call-reply\nversion=1\ndecision=decline\n"
				   "counter_time=2025-01-21T09:00:00Z\nremarks=a\\nb\n";
	static const struct { int rc; const char *body; } cases[] = {
		{ HL_ERR_NONCANON, "form=call-reply\nversion=1\ndecision=decline\ncounter_time=2025-01-21T09:00Z\n" },
		{ HL_ERR_NONCANON, "form=call-reply\nversion=1\ncounter_time=2025-01-21T09:00:00Z\ndecision=decline\n" },
		{ HL_ERR_NONCANON, "form=call-reply\nversion=1\ndecision=accept\nremarks=a\tb\n" },
		{ HL_ERR_NONCANON, "form=call-request\nversion=1\nproposed_time=2025-01-20T14:00:00Z\nduration_min=030\ntopic=x\n" },
		{ HL_ERR_NONCANON, "form=incident-at-sea\nversion=1\nincident_time=2024-07-14T09:31:05Z\n"
		  "position=43.10N 131.9E\nincident_type=other\nown_units=a\nother_units=b\ndescription=c\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept\ndecision=accept\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\nremarks=x\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept\n\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=01\ndecision=accept\n" },
		{ HL_ERR_INVAL, "version=1\nform=call-reply\ndecision=accept\n" },
		{ HL_ERR_INVAL, "form=call-reply\r\nversion=1\r\ndecision=accept\r\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept\nremarks=a\\qb\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept\nremarks=a\\\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=maybe\n" },
		{ HL_ERR_INVAL, "form=call-reply\nversion=1\ndecision=accept\nextra=1\n" },
		{ HL_ERR_INVAL, "form=call-request\nversion=1\nproposed_time=2025-01-20T14:00:00Z\n"
		  "duration_min=30\ntopic=a\\nb\n" },
		{ HL_ERR_INVAL, "" },
		{ HL_ERR_NOTFOUND, "form=call-reply\nversion=2\ndecision=accept\n" },
		{ HL_ERR_NOTFOUND, "form=nonesuch\nversion=1\nx=1\n" },
		{ HL_ERR_UTF8, "form=call-reply\nversion=1\ndecision=accept\nremarks=\xff\n" },
		{ HL_ERR_UTF8, "form=call-reply\nversion=1\ndecision=accept\nremarks=\x1b[2J\n" },
	};
	hl_form_values v;
	char err[512];

	assert_int_equal(hl_form_decode((const uint8_t *)good, strlen(good), set, &v, err,
					sizeof err), 0);
	assert_string_equal(hl_form_value(&v, "remarks"), "a\nb");
	hl_form_values_free(&v);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = hl_form_decode((const uint8_t *)cases[i].body, strlen(cases[i].body), set,
					&v, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu: want %d, got %d (%s)", i, cases[i].rc, rc, err);
		assert_true(err[0] != '\0');
		assert_null(v.form);
		assert_null(v.buf.p);
	}
	/* over the body limit */
	uint8_t *big = malloc(HL_MAX_BODY + 1);
	assert_non_null(big);
	memset(big, 'a', HL_MAX_BODY + 1);
	assert_int_equal(hl_form_decode(big, HL_MAX_BODY + 1, set, &v, err, sizeof err),
			 HL_ERR_TOOBIG);
	free(big);
}

/* ---- schema errors name FILE:LINE: KEY ----------------------------------- */

#define HEAD "[Form]\nName = t\nVersion = 1\nTitle = T\n"

static void test_schema_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *want; } cases[] = {
		{ HEAD "[Field a]\nType = money\nLabel = A\n", "t.form:6: Type: unknown type 'money'" },
		{ HEAD "[Field a]\nType = int\nLabel = A\nColour = red\n", "t.form:8: Colour: unknown key in [Field]" },
		{ HEAD "Owner = x\n", "t.form:5: Owner: unknown key in [Form]" },
		{ HEAD "[Field a]\nType = int\nMin = 10\nMax = 5\nLabel = A\n", "t.form:8: Max: less than Min" },
		{ HEAD "[Field a]\nType = int\nLabel = A\n[Field a]\nType = int\nLabel = B\n",
		  "t.form:8: [Field a]: duplicate field" },
		{ "[Form]\nVersion = 1\nTitle = T\n[Field a]\nType = int\nLabel = A\n",
		  "t.form:1: Name: missing" },
		{ "[Form]\nName = t\nTitle = T\n[Field a]\nType = int\nLabel = A\n",
		  "t.form:1: Version: missing" },
		{ "[Form]\nName = t\nVersion = 0\n", "t.form:3: Version: want a whole number from 1" },
		{ "[Form]\nName = T\n", "t.form:2: Name: bad form name 'T'" },
		{ HEAD "[Field a]\nType = text\nMin = 1\nLabel = A\n", "t.form:7: Min: only for int and decimal" },
		{ HEAD "[Field a]\nType = int\nValues = a b\nLabel = A\n", "t.form:7: Values: only for enum" },
		{ HEAD "[Field a]\nType = enum\nLabel = A\n", "t.form:5: Values: missing" },
		{ HEAD "[Field a]\nType = enum\nValues = a b a\nLabel = A\n", "t.form:7: Values: 'a' listed twice" },
		{ HEAD "[Field a]\nType = decimal\nMin = 0.1234567\nLabel = A\n", "t.form:7: Min: '0.1234567' is not a decimal" },
		{ HEAD "[Field a]\nType = int\n", "t.form:5: Label: missing" },
		{ HEAD "[Field a]\nLabel = A\n", "t.form:5: Type: missing" },
		{ HEAD "[Field a]\nType = int\nRequired = maybe\n", "t.form:7: Required: want yes or no" },
		{ HEAD "[Field version]\n", "t.form:5: [Field version]: bad field name" },
		{ HEAD "[Field Big]\n", "t.form:5: [Field Big]: bad field name" },
		{ HEAD "[Section]\n", "t.form:5: [Section]: unknown section" },
		{ HEAD "[Form]\n", "t.form:5: [Form]: section given twice" },
		{ "Name = t\n", "t.form:1: Name: key outside any section" },
		{ "[Field a]\n", "t.form:1: [Field a]: [Form] must come first" },
		{ HEAD, "t.form:1: [Form]: no [Field NAME] sections" },
		{ "", "t.form:1: [Form]: section missing" },
		{ HEAD "[Field a]\nType = int\nType = int\n", "t.form:7: Type: given twice" },
		{ HEAD "[Field a]\nType = text\nMaxLength = 8001\n", "t.form:7: MaxLength: want a whole number from 1 to 8000" },
		{ HEAD "[Field a]\nType = text\nMaxLength = 8000\nLabel = A\n[Field b]\nType = text\n"
		  "MaxLength = 8000\nLabel = B\n", "t.form:9: [Field b]: the form's longest encoding" },
		{ HEAD "[Field a]\nType = int\nLabel = \x01\n", "t.form:7: syntax: control character" },
		{ HEAD "[Field a]\nType = int\nLabel = \xc3\x28\n", "t.form:7: syntax: line is not valid UTF-8" },
		{ HEAD "garbage\n", "t.form:5: syntax: expected 'Key = Value'" },
	};
	hl_form *f = NULL;
	char err[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = hl_form_parse("t.form", (const uint8_t *)cases[i].text, strlen(cases[i].text),
				       &f, err, sizeof err);
		if (rc != HL_ERR_CONFIG || strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: rc %d, message '%s', want '%s'", i, rc, err, cases[i].want);
		assert_null(f);
	}
	/* the smallest good one: defaults */
	static const char ok[] = HEAD "[Field a]\ntype = TEXT\nLabel = A\n";
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)ok, strlen(ok), &f, err, sizeof err),
			 HL_ERR_CONFIG); /* type names are lower case */
	static const char ok2[] = HEAD "[field a]\ntype = text\nlabel = Поле ; comment\nHelp = one\nHelp = two\n";
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)ok2, strlen(ok2), &f, err, sizeof err), 0);
	assert_int_equal(f->fields[0].required, 1);
	assert_int_equal(f->fields[0].max_length, HL_FORM_DEFAULT_TEXT);
	assert_string_equal(f->fields[0].label, "Поле");
	assert_string_equal(f->fields[0].help, "one two");
	hl_form_free(f);
}

/* A file: the message carries the real path and line. */
static void test_schema_file_and_dir(void **state)
{
	(void)state;
	char dir[256], path[320], err[512];
	hl_form_set set;
	hl_form *f = NULL;

	assert_int_equal(tu_mkdtemp(dir, sizeof dir, "form"), 0);
	snprintf(path, sizeof path, "%s/x.form", dir);
	assert_int_equal(tu_write_file(path, HEAD "[Field a]\nType = int\nMin = z\nLabel = A\n", 0644), 0);
	assert_int_equal(hl_form_load(path, &f, err, sizeof err), HL_ERR_CONFIG);
	char want[400];
	snprintf(want, sizeof want, "%s:7: Min: 'z' is not a whole number", path);
	assert_string_equal(err, want);
	assert_int_equal(hl_form_load_dir(dir, &set, err, sizeof err), HL_ERR_CONFIG);
	assert_non_null(strstr(err, ":7: Min:"));

	/* file name must match Name (and Version for a .vN file) */
	assert_int_equal(tu_write_file(path, HEAD "[Field a]\nType = int\nLabel = A\n", 0644), 0);
	assert_int_equal(hl_form_load_dir(dir, &set, err, sizeof err), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "file name should be t.form or t.v1.form"));
	remove(path);

	/* two versions side by side: the newest by default, the old one still decodes */
	snprintf(path, sizeof path, "%s/t.v1.form", dir);
	assert_int_equal(tu_write_file(path, HEAD "[Field a]\nType = int\nLabel = A\n", 0644), 0);
	snprintf(path, sizeof path, "%s/t.form", dir);
	assert_int_equal(tu_write_file(path, "[Form]\nName = t\nVersion = 2\nTitle = T\nReply = t\n"
				       "[Field a]\nType = int\nLabel = A\n[Field b]\nType = date\n"
				       "Label = B\n", 0644), 0);
	assert_int_equal(hl_form_load_dir(dir, &set, err, sizeof err), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(hl_form_find(&set, "t", 0)->version, 2);
	assert_int_equal(hl_form_find(&set, "t", 1)->version, 1);
	assert_null(hl_form_find(&set, "t", 3));
	hl_form_values v;
	static const char v1[] = "form=t\nversion=1\na=5\n";
	static const char v1b[] = "form=t\nversion=1\na=5\nb=2025-01-01\n";
	assert_int_equal(hl_form_decode((const uint8_t *)v1, strlen(v1), &set, &v, err, sizeof err), 0);
	assert_int_equal(v.form->version, 1);
	hl_form_values_free(&v);
	assert_int_equal(hl_form_decode((const uint8_t *)v1b, strlen(v1b), &set, &v, err, sizeof err),
			 HL_ERR_INVAL);
	hl_form_set_free(&set);

	/* the same name and version twice */
	snprintf(path, sizeof path, "%s/t.v2.form", dir);
	assert_int_equal(tu_write_file(path, "[Form]\nName = t\nVersion = 2\nTitle = T\n"
				       "[Field a]\nType = int\nLabel = A\n", 0644), 0);
	assert_int_equal(hl_form_load_dir(dir, &set, err, sizeof err), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "form t version 2 is given by two files"));
	remove(path);

	/* a Reply must name a form of the directory */
	snprintf(path, sizeof path, "%s/t.form", dir);
	assert_int_equal(tu_write_file(path, "[Form]\nName = t\nVersion = 2\nTitle = T\nReply = u\n"
				       "[Field a]\nType = int\nLabel = A\n", 0644), 0);
	assert_int_equal(hl_form_load_dir(dir, &set, err, sizeof err), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "Reply: no form 'u'"));
	assert_int_equal(set.n, 0);

	assert_int_equal(hl_form_load_dir("/nonexistent/forms", &set, err, sizeof err), HL_ERR_IO);
	assert_int_equal(tu_rmrf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_round_trip),
		cmocka_unit_test(test_known_encoding),
		cmocka_unit_test(test_invalid_fills),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_decode_strict),
		cmocka_unit_test(test_schema_errors),
		cmocka_unit_test(test_schema_file_and_dir),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free_shipped();
	return rc;
}
