/* test_api_request.c — the local API's request parser (src/api/api_request.c):
 * each command's fields and defaults, and the reply sentence of each refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/api_fastjson.h"
#include "api/api_request.h"
#include "record/entry.h"
#include "util/err.h"
#include "util/limits.h"
#include "record/transcript.h"

static int parse(const char *line, hl_api_request *r, char *err)
{
	return hl_api_request_parse(line, strlen(line), r, err, 300);
}

/* The request is refused with a reply that starts with want. */
static void refused(const char *line, const char *want)
{
	static const hl_api_request zero;
	hl_api_request r;
	char err[300];

	if (parse(line, &r, err) != HL_ERR_INVAL || strncmp(err, want, strlen(want)) != 0)
		fail_msg("%s: want \"%s...\", got \"%s\"", line, want, err);
	assert_memory_equal(&r, &zero, sizeof r);
}

static void test_send(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"\\u041f\\u0440\"}",
			       &r, err), 0);
	assert_int_equal(r.cmd, HL_API_SEND);
	assert_string_equal(r.name, "send");
	assert_string_equal(r.peer, "moscow");
	assert_int_equal(r.text_len, 4);
	assert_memory_equal(r.text, "\xd0\x9f\xd1\x80", 4);
	assert_int_equal(r.precedence, HL_PREC_ROUTINE);
	assert_string_equal(r.lang, "en");
	assert_string_equal(err, "");
	hl_api_request_free(&r);
	assert_null(r.json);

	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"wash-1.b_c\",\"text\":\"a\\tb\\n\","
			       "\"precedence\":\"FLASH\",\"lang\":\"de-CH-1901\"}", &r, err), 0);
	assert_int_equal(r.precedence, HL_PREC_FLASH);
	assert_string_equal(r.lang, "de-CH-1901");
	assert_int_equal(r.text_len, 4);
	assert_int_equal(r.exercise, 0);
	hl_api_request_free(&r);

	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"exercise\":true}",
			       &r, err), 0);
	assert_int_equal(r.exercise, 1);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"exercise\":false}",
			       &r, err), 0);
	assert_int_equal(r.exercise, 0);
	hl_api_request_free(&r);
	refused("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"exercise\":\"yes\"}",
		"send: exercise must be true or false");
	refused("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"exercise\":1}",
		"send: exercise must be true or false");
}

static void test_send_refused(void **state)
{
	(void)state;
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"x\",\"admin\":true}",
		"send: 1 object item(s) left unpacked: admin");
	refused("{\"cmd\":\"send\",\"peer\":5,\"text\":\"x\"}", "send: ");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\"}", "send: ");
	refused("{\"cmd\":\"send\",\"peer\":\"../etc\",\"text\":\"x\"}",
		"send: no such peer in the configuration");
	refused("{\"cmd\":\"send\",\"peer\":\"\",\"text\":\"x\"}",
		"send: no such peer in the configuration");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"\"}",
		"send: text must be 1 to 61440 bytes of UTF-8 without control characters");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"a\\u001bb\"}", "send: text must be");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"x\",\"precedence\":\"urgent\"}",
		"send: precedence must be flash, immediate, priority or routine");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"x\",\"lang\":\"../x\"}",
		"send: lang must be a language tag such as en or ru");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"a\\u0000b\"}",
		"request is not a JSON object: ");
}

/* The longest text is taken, one byte more is not; and a 64-byte peer
 * name is one over the configuration's limit. */
static void test_send_limits(void **state)
{
	static char line[HL_MAX_BODY + 200];
	hl_api_request r;
	char err[300];
	int n;

	(void)state;
	n = snprintf(line, sizeof line, "{\"cmd\":\"send\",\"peer\":\"%063d\",\"text\":\"", 7);
	memset(line + n, 'a', HL_MAX_BODY);
	snprintf(line + n + HL_MAX_BODY, 3, "\"}");
	assert_int_equal(parse(line, &r, err), 0);
	assert_int_equal(r.text_len, HL_MAX_BODY);
	assert_int_equal(strlen(r.peer), HL_MAX_NAME);
	hl_api_request_free(&r);
	memset(line + n, 'a', HL_MAX_BODY + 1);
	snprintf(line + n + HL_MAX_BODY + 1, 3, "\"}");
	refused(line, "send: text must be 1 to 61440");
	refused("{\"cmd\":\"log\",\"peer\":\"0000000000000000000000000000000000000000000000000000"
		"000000000000\"}", "log: no such peer in the configuration");
}

static void test_export(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"export\",\"peer\":\"moscow\"}", &r, err), 0);
	assert_int_equal(r.export_kind, HL_HLT_FULL);
	assert_null(r.from);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"export\",\"peer\":\"moscow\",\"kind\":\"proof\"}", &r, err), 0);
	assert_int_equal(r.export_kind, HL_HLT_PROOF);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"export\",\"peer\":\"moscow\",\"kind\":\"full\","
			       "\"from\":\"120\",\"to\":\"130\"}", &r, err), 0);
	assert_int_equal(r.export_kind, HL_HLT_RANGE);
	assert_int_equal(r.from_seq, 120);
	assert_int_equal(r.to_seq, 130);
	assert_int_equal(r.from_ms, 0);
	assert_string_equal(r.from, "120");
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"export\",\"peer\":\"moscow\",\"to\":\"2026-11-27T03:00:00Z\"}",
			       &r, err), 0);
	assert_int_equal(r.export_kind, HL_HLT_RANGE);
	assert_int_equal(r.to_ms, 1795748400000ull);
	hl_api_request_free(&r);

	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"kind\":\"everything\"}",
		"export: kind must be full or proof");
	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"kind\":\"proof\",\"from\":\"1\"}",
		"export: a proof takes no range");
	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"from\":\"last tuesday\"}",
		"export: --from/--to take a seq");
	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"from\":\"0\"}", "export: --from/--to");
	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"from\":\"5\",\"to\":\"2026-11-27\"}",
		"export: give both bounds as seqs or both as times");
	refused("{\"cmd\":\"export\",\"peer\":\"moscow\",\"x\":1}",
		"export: 1 object item(s) left unpacked: x");
}

static void test_report(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"report\",\"peer\":\"moscow\"}", &r, err), 0);
	assert_int_equal(r.cmd, HL_API_REPORT);
	assert_int_equal(r.has_since, 0);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"since_ms\":1795000000000,\"cmd\":\"report\",\"peer\":\"moscow\"}",
			       &r, err), 0);
	assert_int_equal(r.has_since, 1);
	assert_int_equal(r.since_ms, 1795000000000ull);
	hl_api_request_free(&r);
	refused("{\"cmd\":\"report\",\"peer\":\"moscow\",\"since_ms\":-1}",
		"report: since_ms must be a non-negative integer");
	refused("{\"cmd\":\"report\",\"peer\":\"moscow\",\"since_ms\":1.5}", "report: since_ms");
	refused("{\"cmd\":\"report\",\"peer\":\"moscow\",\"since_ms\":\"x\"}", "report: since_ms");
	refused("{\"cmd\":\"report\",\"peer\":\"moscow\",\"since_ms\":99999999999999999999999}",
		"request is not a JSON object: ");
	refused("{\"cmd\":\"report\",\"peer\":[\"moscow\"]}", "report: no such peer");
	refused("{\"cmd\":\"report\",\"peer\":\"moscow\",\"until\":5}",
		"report: 1 object item(s) left unpacked: until");
}

static void test_simple_commands(void **state)
{
	static const struct {
		const char *line;
		hl_api_cmd cmd;
	} ok[] = {
		{ "{\"cmd\":\"status\"}", HL_API_STATUS },
		{ " {\"cmd\" : \"inbox\"} ", HL_API_INBOX },
		{ "{\"cmd\":\"log\",\"peer\":\"moscow\"}", HL_API_LOG },
		{ "{\"peer\":\"moscow\",\"cmd\":\"test\"}", HL_API_TEST },
		{ "{\"cmd\":\"subscribe\"}", HL_API_SUBSCRIBE },
		{ "{\"cmd\":\"subscrib\\u0065\"}", HL_API_SUBSCRIBE }, /* an escape: read by jansson */
	};
	hl_api_request r;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(parse(ok[i].line, &r, err), 0);
		assert_int_equal(r.cmd, ok[i].cmd);
		hl_api_request_free(&r);
	}
	refused("{\"cmd\":\"status\",\"verbose\":true}",
		"status: 1 object item(s) left unpacked: verbose");
	refused("{\"cmd\":\"test\"}", "test: no such peer in the configuration");
	refused("{\"cmd\":\"subscribe\",\"events\":[\"entry\"]}",
		"subscribe: 1 object item(s) left unpacked: events");
	refused("{\"cmd\":\"subscribe\",\"peer\":\"moscow\"}",
		"subscribe: 1 object item(s) left unpacked: peer");
	refused("{\"cmd\":\"log\",\"peer\":\"moscow\",\"x\":[]}", "log: 1 object item(s) left unpacked");
}

/* The fast reader takes flat objects of ASCII strings (with the simple
 * escapes) and gives jansson's object; every other shape it declines. */
/* H4: ack, inbox --unacked, send's reply_to. The fast reader takes the
 * flat string requests (ack, reply_to); "unacked": true goes to jansson. */
static void test_watch_requests(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"ack\",\"entry\":\"moscow#3\"}", &r, err), 0);
	assert_int_equal(r.cmd, HL_API_ACK);
	assert_string_equal(r.entry, "moscow#3");
	assert_string_equal(r.note, "");
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"ack\",\"entry\":\"washington#5@moscow\",\"note\":"
			       "\"\\u043f\\u0440\\u0438\\u043d\\u044f\\u043b\"}", &r, err), 0);
	assert_string_equal(r.entry, "washington#5@moscow");
	assert_int_equal(r.note_len, 12);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"ack\",\"entry\":\"DEADBEEF01\"}", &r, err), 0);
	hl_api_request_free(&r);
	refused("{\"cmd\":\"ack\"}", "ack: ");
	refused("{\"cmd\":\"ack\",\"entry\":3}", "ack: ");
	refused("{\"cmd\":\"ack\",\"entry\":\"moscow\"}", "ack: entry must name an entry");
	refused("{\"cmd\":\"ack\",\"entry\":\"moscow#0\"}", "ack: entry must name an entry");
	refused("{\"cmd\":\"ack\",\"entry\":\"abc123\"}", "ack: entry must name an entry");
	refused("{\"cmd\":\"ack\",\"entry\":\"moscow#3\",\"note\":\"a\\u001bb\"}", "ack: note must be");
	refused("{\"cmd\":\"ack\",\"entry\":\"moscow#3\",\"by\":\"x\"}",
		"ack: 1 object item(s) left unpacked: by");

	assert_int_equal(parse("{\"cmd\":\"inbox\",\"unacked\":true}", &r, err), 0);
	assert_int_equal(r.cmd, HL_API_INBOX);
	assert_int_equal(r.unacked, 1);
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"inbox\",\"unacked\":false}", &r, err), 0);
	assert_int_equal(r.unacked, 0);
	hl_api_request_free(&r);
	refused("{\"cmd\":\"inbox\",\"unacked\":\"yes\"}", "inbox: unacked must be true or false");
	refused("{\"cmd\":\"inbox\",\"peer\":\"m\"}", "inbox: 1 object item(s) left unpacked: peer");

	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"reply_to\":\"m#2\"}",
			       &r, err), 0);
	assert_string_equal(r.reply_to, "m#2");
	hl_api_request_free(&r);
	assert_int_equal(parse("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\"}", &r, err), 0);
	assert_null(r.reply_to);
	hl_api_request_free(&r);
	refused("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"reply_to\":\"m#\"}",
		"send: reply_to must name an entry");
	refused("{\"cmd\":\"send\",\"peer\":\"m\",\"text\":\"x\",\"reply_to\":7}", "send: ");

	/* The fast reader gives jansson's object for these, or declines. */
	const char *flat = "{\"cmd\":\"ack\",\"entry\":\"moscow#3\",\"note\":\"ok\"}";
	json_t *f = hl_api_fastjson(flat, strlen(flat));
	assert_non_null(f);
	json_decref(f);
	assert_null(hl_api_fastjson("{\"cmd\":\"inbox\",\"unacked\":true}", 31));
}

static void test_fastjson(void **state)
{
	(void)state;
	static const char *const taken[] = {
		"{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"hello\"}",
		"  { \"cmd\" : \"status\" }  ",
		"{\"text\":\"line one\\nline \\\"two\\\"\\t\\\\ \\/ \\b\\f\\r\",\"cmd\":\"send\"}",
		"{\"a\":\"\",\"b\":\"x\"}",
	};
	static const char *const declined[] = {
		"", "[]", "{}", "\"x\"", "{\"cmd\":1}", "{\"cmd\":\"send\",\"since_ms\":5}",
		"{\"cmd\":\"s\\u0065nd\"}", "{\"cmd\":\"\xd0\x9f\"}", "{\"cmd\":\"a\x01\"}",
		"{\"cmd\":\"send\",\"cmd\":\"status\"}", "{\"cmd\":\"send\"} x", "{\"cmd\":\"send\",}",
		"{\"cmd\":\"send\"", "{\"cmd\":{\"a\":\"b\"}}", "{\"cmd\":null}", "{\"cmd\":\"\\x\"}",
		"{\"cmd\" \"send\"}", "{cmd:\"send\"}",
	};
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
		json_t *f = hl_api_fastjson(taken[i], strlen(taken[i]));
		json_t *j = json_loadb(taken[i], strlen(taken[i]), JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(f);
		assert_non_null(j);
		assert_true(json_equal(f, j));
		json_decref(f);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++)
		assert_null(hl_api_fastjson(declined[i], strlen(declined[i])));
	/* A NUL inside the line is declined too (jansson refuses it). */
	assert_null(hl_api_fastjson("{\"cmd\":\"se\0nd\"}", 16));
}

static void test_shape(void **state)
{
	hl_api_request r;
	char err[300];

	(void)state;
	refused("hello daemon", "request is not a JSON object: ");
	refused("[\"status\"]", "request is not a JSON object: wrong type");
	refused("", "request is not a JSON object: ");
	refused("{\"cmd\":\"status\"} {\"cmd\":\"status\"}", "request is not a JSON object: ");
	refused("{\"peer\":\"moscow\"}", "request has no \"cmd\"");
	refused("{\"cmd\":5}", "request has no \"cmd\"");
	refused("{\"cmd\":\"frobnicate\"}", "unknown command");
	refused("{\"cmd\":\"nothing\",\"pad\":\"b\"}", "unknown command");
	refused("{\"cmd\":\"status\",\"cmd\":\"send\"}", "request is not a JSON object: ");
	refused("{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"\xc0\xaf\"}",
		"request is not a JSON object: ");
	/* Not NUL-terminated: only len bytes are read. */
	assert_int_equal(hl_api_request_parse("{\"cmd\":\"status\"}XYZ", 16, &r, err, sizeof err), 0);
	hl_api_request_free(&r);
	assert_int_equal(hl_api_request_parse(NULL, 0, &r, err, sizeof err), HL_ERR_INVAL);
	assert_int_equal(hl_api_request_parse("{}", 2, NULL, err, sizeof err), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_refused),
		cmocka_unit_test(test_send_limits),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_watch_requests),
		cmocka_unit_test(test_fastjson),
		cmocka_unit_test(test_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
