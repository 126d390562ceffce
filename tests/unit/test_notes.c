/* test_notes.c — the pieces of notices, translations and the operator map
 * that need no daemon: the API requests (notice, forms, translate, certify),
 * [Operators] in the configuration, a schema's Languages, and the store's
 * translations table. The flows are tests/integration/notice.sh and
 * translate.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_fastjson.h"
#include "api/api_request.h"
#include "config/config.h"
#include "record/entry.h"
#include "util/err.h"
#include "config/form.h"
#include "store/store_notes.h"
#include "testutil.h"

static int parse(const char *line, hl_api_request *r, char *err)
{
	return hl_api_request_parse(line, strlen(line), r, err, 300);
}

static void refused(const char *line, const char *want)
{
	static const hl_api_request zero;
	hl_api_request r;
	char err[300];

	if (parse(line, &r, err) != HL_ERR_INVAL || strstr(err, want) == NULL)
		fail_msg("%s: want \"...%s...\", got \"%s\"", line, want, err);
	assert_memory_equal(&r, &zero, sizeof r);
}

static void test_notice_request(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"notice\",\"peer\":\"moscow\",\"form\":\"call-request\","
			       "\"fields\":{\"topic\":\"\\u0422\\u0435\\u043c\\u0430\",\"duration_min\":\"30\"},"
			       "\"precedence\":\"flash\",\"reply_to\":\"moscow#3\",\"version\":1,"
			       "\"exercise\":true,\"lang\":\"ru\"}", &r, err), 0);
	assert_int_equal(r.cmd, HL_API_NOTICE);
	assert_string_equal(r.peer, "moscow");
	assert_string_equal(r.form, "call-request");
	assert_int_equal(r.form_version, 1);
	assert_int_equal(r.precedence, HL_PREC_FLASH);
	assert_string_equal(r.reply_to, "moscow#3");
	assert_string_equal(r.lang, "ru");
	assert_int_equal(r.exercise, 1);
	assert_int_equal(r.n_kv, 2);
	assert_string_equal(r.kv[0], "topic=\xd0\xa2\xd0\xb5\xd0\xbc\xd0\xb0");
	assert_string_equal(r.kv[1], "duration_min=30");
	hl_api_request_free(&r);
	assert_null(r.kv_buf);

	/* Defaults; an empty value is the form's to judge. */
	assert_int_equal(parse("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{\"a\":\"\"}}",
			       &r, err), 0);
	assert_int_equal(r.precedence, HL_PREC_ROUTINE);
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.form_version, 0);
	assert_null(r.reply_to);
	assert_string_equal(r.kv[0], "a=");
	hl_api_request_free(&r);

	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\"}", "notice: ");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":[\"a=b\"]}",
		"fields must be an object");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{\"a\":1}}",
		"notice: a: the value must be a string");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{\"a=b\":\"c\"}}",
		"'a=b' is not a field name");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{\"\\u00e9\":\"c\"}}",
		"'?' is not a field name");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{\"Topic\":\"c\"}}",
		"'Topic' is not a field name");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{},\"version\":70000}",
		"version must be 1 to 65535");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{},\"lang\":\"e n\"}",
		"lang must be a language tag");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{},\"precedence\":\"x\"}",
		"precedence must be");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{},\"exercise\":1}",
		"exercise must be true or false");
	refused("{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{},\"text\":\"x\"}",
		"notice: ");
	refused("{\"cmd\":\"notice\",\"peer\":\"a b\",\"form\":\"f\",\"fields\":{}}",
		"no such peer");

	/* 33 fields: one more than a form can have. */
	char line[2048];
	size_t o = (size_t)snprintf(line, sizeof line,
				    "{\"cmd\":\"notice\",\"peer\":\"m\",\"form\":\"f\",\"fields\":{");
	for (int i = 0; i < 33; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s\"f%d\":\"v\"", i ? "," : "", i);
	snprintf(line + o, sizeof line - o, "}}");
	refused(line, "at most 32 fields");
}

static void test_translate_requests(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	/* Printable ASCII: the fast reader takes it, and gives what jansson would. */
	const char *tr = "{\"cmd\":\"translate\",\"entry\":\"moscow#3\",\"lang\":\"en\",\"text\":\"Hello\"}";
	json_t *fast = hl_api_fastjson(tr, strlen(tr));
	assert_non_null(fast);
	json_decref(fast);
	assert_int_equal(parse(tr, &r, err), 0);
	assert_int_equal(r.cmd, HL_API_TRANSLATE);
	assert_string_equal(r.entry, "moscow#3");
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.text_len, 5);
	hl_api_request_free(&r);

	/* certify's number sends it to jansson. */
	const char *ce = "{\"cmd\":\"certify\",\"id\":12}";
	assert_null(hl_api_fastjson(ce, strlen(ce)));
	assert_int_equal(parse(ce, &r, err), 0);
	assert_int_equal(r.cmd, HL_API_CERTIFY);
	assert_int_equal(r.translation_id, 12);
	hl_api_request_free(&r);

	assert_int_equal(parse("{\"cmd\":\"forms\"}", &r, err), 0);
	assert_int_equal(r.cmd, HL_API_FORMS);
	hl_api_request_free(&r);

	refused("{\"cmd\":\"forms\",\"peer\":\"x\"}", "forms: ");
	refused("{\"cmd\":\"translate\",\"entry\":\"m#1\",\"lang\":\"en_GB\",\"text\":\"x\"}",
		"lang must be a language tag");
	refused("{\"cmd\":\"translate\",\"entry\":\"m#1\",\"lang\":\"en\",\"text\":\"\"}",
		"text must be 1 to");
	refused("{\"cmd\":\"translate\",\"entry\":\"m#1\",\"lang\":\"en\",\"text\":\"a\\u0001\"}",
		"text must be 1 to");
	refused("{\"cmd\":\"translate\",\"lang\":\"en\",\"text\":\"x\"}", "translate: ");
	refused("{\"cmd\":\"translate\",\"entry\":5,\"lang\":\"en\",\"text\":\"x\"}", "translate: ");
	refused("{\"cmd\":\"certify\",\"id\":0}", "id must be a translation's number");
	refused("{\"cmd\":\"certify\",\"id\":-3}", "id must be a translation's number");
	refused("{\"cmd\":\"certify\",\"id\":\"3\"}", "certify: ");
	refused("{\"cmd\":\"certify\",\"id\":1.5}", "certify: ");
	refused("{\"cmd\":\"certify\"}", "certify: ");
}

static void test_operator_map(void **state)
{
	hl_config *c = calloc(1, sizeof *c);
	char err[200], out[HL_MAX_OPERATOR + 1];

	(void)state;
	assert_non_null(c);
	assert_int_equal(hl_config_operator_add(c, "jsmith", "J. Smith", err, sizeof err), 0);
	assert_int_equal(hl_config_operator_add(c, "1002", "\xd0\x90. \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xb0", err, sizeof err), 0);
	assert_int_equal(hl_config_operator_add(c, "jsmith", "X", err, sizeof err), HL_ERR_CONFIG);
	assert_string_equal(err, "given twice in [Operators]");
	assert_int_equal(hl_config_operator_add(c, "9lives", "X", err, sizeof err), HL_ERR_CONFIG);
	assert_int_equal(hl_config_operator_add(c, "007", "X", err, sizeof err), HL_ERR_CONFIG);
	assert_int_equal(hl_config_operator_add(c, "a b", "X", err, sizeof err), HL_ERR_CONFIG);
	assert_int_equal(hl_config_operator_add(c, "bob", "tab\there", err, sizeof err), HL_ERR_CONFIG);
	assert_int_equal(hl_config_operator_add(c, "bob", "\xff", err, sizeof err), HL_ERR_CONFIG);
	char big[HL_MAX_OPERATOR + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(hl_config_operator_add(c, "bob", big, err, sizeof err), HL_ERR_CONFIG);
	assert_int_equal(c->n_operators, 2);

	hl_config_operator_name(c, 1001, "jsmith", out, sizeof out);
	assert_string_equal(out, "J. Smith");
	/* The uid's line wins over the login's. */
	hl_config_operator_name(c, 1002, "jsmith", out, sizeof out);
	assert_string_equal(out, "\xd0\x90. \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xb0");
	hl_config_operator_name(c, 1003, "kim", out, sizeof out);
	assert_string_equal(out, "kim");
	hl_config_operator_name(c, 1004, NULL, out, sizeof out);
	assert_string_equal(out, "uid:1004");
	hl_config_operator_name(NULL, 0, "root", out, sizeof out);
	assert_string_equal(out, "root");
	free(c);
}

static void test_operators_section(void **state)
{
	char dir[64], path[128], err[512];
	hl_config *c = calloc(1, sizeof *c);
	FILE *f;

	(void)state;
	assert_non_null(c);
	assert_int_equal(tu_mkdtemp(dir, sizeof dir, "notes"), 0);
	snprintf(path, sizeof path, "%s/h.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[Station]\nName = w\nPrivateKeyFile = k\nStateDir = s\nFormsDir = forms\n"
	      "[operators]\nj.smith-2 = J. Smith   # comment\n65534 = Nobody\n", f);
	fclose(f);
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_int_equal(c->n_operators, 2);
	assert_string_equal(c->operators[0].key, "j.smith-2");
	assert_string_equal(c->operators[0].name, "J. Smith");
	assert_int_equal(c->forms_dir_set, 1);
	char want[128];
	snprintf(want, sizeof want, "%s/forms", dir);
	assert_string_equal(c->forms_dir, want);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "[Operators]\n[Operators]\n", "[Operators]: section given twice" },
		{ "[Operators]\nbad key = x\n", ":8: syntax: key names are letters only" },
		{ "[Operators]\n-x = y\n", ":8: -x: not a login name or a numeric uid" },
		{ "[Operators]\nbob =\n", ":8: bob: operator name must be 1 to 64 bytes" },
		{ "[Operators]\nbob = a\nbob = b\n", ":9: bob: given twice in [Operators]" },
		{ "[Operatorz]\n", "unknown section (want [Station], [Peer NAME] or [Operators])" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "[Station]\nName = w\nPrivateKeyFile = k\nStateDir = s\nFormsDir = forms\n\n%s",
			bad[i].text);
		fclose(f);
		assert_int_equal(hl_config_load(path, c, err, sizeof err), HL_ERR_CONFIG);
		if (!strstr(err, bad[i].want))
			fail_msg("%s: want \"%s\" in \"%s\"", bad[i].text, bad[i].want, err);
	}
	/* No FormsDir: the installed default, not marked as given. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[Station]\nName = w\nPrivateKeyFile = k\nStateDir = s\n", f);
	fclose(f);
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_int_equal(c->forms_dir_set, 0);
	assert_non_null(strstr(c->forms_dir, "/share/hotline/forms"));
	unlink(path);
	rmdir(dir);
	free(c);
}

static const char FORM_LANGS[] =
	"[Form]\nName = t\nVersion = 1\nLanguages = en ru\nTitle = Test / \xd0\xa2\xd0\xb5\xd1\x81\xd1\x82\n"
	"[Field a]\nType = int\nLabel = Count / \xd0\xa7\xd0\xb8\xd1\x81\xd0\xbb\xd0\xbe\n";

static void test_languages(void **state)
{
	hl_form *f = NULL;
	char err[300], out[HL_FORM_MAX_LABEL + 1];

	(void)state;
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)FORM_LANGS, sizeof FORM_LANGS - 1, &f,
				       err, sizeof err), 0);
	assert_int_equal(f->n_langs, 2);
	hl_form_text_in(f, f->fields[0].label, "ru", out, sizeof out);
	assert_string_equal(out, "\xd0\xa7\xd0\xb8\xd1\x81\xd0\xbb\xd0\xbe");
	hl_form_text_in(f, f->fields[0].label, "RU-ru", out, sizeof out);
	assert_string_equal(out, "\xd0\xa7\xd0\xb8\xd1\x81\xd0\xbb\xd0\xbe");
	hl_form_text_in(f, f->title, "en", out, sizeof out);
	assert_string_equal(out, "Test");
	hl_form_text_in(f, f->title, "zh-Hant", out, sizeof out); /* not there: English */
	assert_string_equal(out, "Test");
	hl_form_free(f);

	/* Without Languages the whole text is shown. */
	static const char plain[] = "[Form]\nName = t\nVersion = 1\nTitle = A / B\n"
				    "[Field a]\nType = int\nLabel = C / D\n";
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)plain, sizeof plain - 1, &f, err,
				       sizeof err), 0);
	hl_form_text_in(f, f->title, "ru", out, sizeof out);
	assert_string_equal(out, "A / B");
	hl_form_free(f);

	/* A label without a part per language is refused, naming its line. */
	static const char short_label[] = "[Form]\nName = t\nVersion = 1\nLanguages = en ru\n"
					  "Title = A / B\n[Field a]\nType = int\nLabel = Count\n";
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)short_label, sizeof short_label - 1,
				       &f, err, sizeof err), HL_ERR_CONFIG);
	assert_string_equal(err, "t.form:8: Label: want 2 parts separated by ' / ' (one per language "
				 "of Languages)");
	static const char bad_lang[] = "[Form]\nName = t\nVersion = 1\nLanguages = en en\n"
				       "Title = A / B\n[Field a]\nType = int\nLabel = C / D\n";
	assert_int_equal(hl_form_parse("t.form", (const uint8_t *)bad_lang, sizeof bad_lang - 1, &f,
				       err, sizeof err), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "Languages: 'en' listed twice"));
}

typedef struct {
	int n;
	int64_t ids[8];
	uint64_t seqs[8];
	char certifiers[8][16];
} walked;

static int collect(void *ctx, const hl_store_translation *t)
{
	walked *w = ctx;
	assert_true(w->n < 8);
	w->ids[w->n] = t->id;
	w->seqs[w->n] = t->seq;
	snprintf(w->certifiers[w->n], sizeof w->certifiers[0], "%s", t->certifier ? t->certifier : "-");
	w->n++;
	return 0;
}

static void test_store_translations(void **state)
{
	char dir[64], path[128], err[300];
	hl_store *st = NULL;
	uint8_t line[32], other[32], a[32], b[32], gl[32], ga[32];
	int64_t id1 = 0, id2 = 0, id3 = 0;
	hl_buf buf;

	(void)state;
	memset(line, 1, 32);
	memset(other, 2, 32);
	memset(a, 0xaa, 32);
	memset(b, 0x0b, 32);
	assert_int_equal(tu_mkdtemp(dir, sizeof dir, "notes"), 0);
	snprintf(path, sizeof path, "%s/s.db", dir);
	assert_int_equal(hl_store_open(path, &st, err, sizeof err), 0);
	hl_store_translation t = { .line_id = line, .author = a, .seq = 5, .lang = "en",
				   .text = "Hello", .text_len = 5, .translator = "petrov",
				   .created_ms = 1000 };
	assert_int_equal(hl_store_translation_add(st, &t, &id1), 0);
	t.seq = 2;
	t.lang = "de";
	assert_int_equal(hl_store_translation_add(st, &t, &id2), 0);
	t.author = b;
	t.seq = 9;
	assert_int_equal(hl_store_translation_add(st, &t, &id3), 0);
	t.line_id = other;
	int64_t id4 = 0;
	assert_int_equal(hl_store_translation_add(st, &t, &id4), 0);
	assert_true(id1 >= 1 && id2 > id1 && id3 > id2 && id4 > id3);
	t.seq = 0;
	assert_int_equal(hl_store_translation_add(st, &t, &id4), HL_ERR_INVAL);
	assert_int_equal(id4, 0);

	hl_buf_init(&buf, 1u << 20);
	hl_store_translation g;
	assert_int_equal(hl_store_translation_get(st, id1, &g, gl, ga, &buf), 0);
	assert_int_equal(g.id, id1);
	assert_memory_equal(g.line_id, line, 32);
	assert_memory_equal(g.author, a, 32);
	assert_int_equal(g.seq, 5);
	assert_string_equal(g.lang, "en");
	assert_string_equal(g.text, "Hello");
	assert_string_equal(g.translator, "petrov");
	assert_int_equal(g.created_ms, 1000);
	assert_null(g.certifier);
	assert_int_equal(hl_store_translation_get(st, 999, &g, gl, ga, &buf), HL_ERR_NOTFOUND);

	assert_int_equal(hl_store_translation_certify(st, id1, "ivanova", 2000), 0);
	assert_int_equal(hl_store_translation_certify(st, id1, "other", 3000), HL_ERR_STATE);
	assert_int_equal(hl_store_translation_certify(st, 999, "other", 3000), HL_ERR_STATE);
	assert_int_equal(hl_store_translation_get(st, id1, &g, gl, ga, &buf), 0);
	assert_string_equal(g.certifier, "ivanova");
	assert_int_equal(g.certified_ms, 2000);

	/* One line's, in (author, seq, id) order: b (0x0b...) before a (0xaa...). */
	walked w;
	memset(&w, 0, sizeof w);
	assert_int_equal(hl_store_translation_walk(st, line, collect, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.ids[0], id3);
	assert_int_equal(w.ids[1], id2);
	assert_int_equal(w.ids[2], id1);
	assert_string_equal(w.certifiers[2], "ivanova");
	assert_string_equal(w.certifiers[1], "-");
	hl_buf_free(&buf);
	hl_store_close(st);
	char rm[200];
	snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice_request),
		cmocka_unit_test(test_translate_requests),
		cmocka_unit_test(test_operator_map),
		cmocka_unit_test(test_operators_section),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_store_translations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
