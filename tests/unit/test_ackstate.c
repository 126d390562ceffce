/* test_ackstate.c — the words and order of acknowledgement states: which
 * kinds need an ACK, spans, each state as log/inbox print it (a delivery
 * fault and a silence never the same words), and inbox --unacked's order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "record/ackstate.h"
#include "record/entry.h"

static void test_needed(void **state)
{
	(void)state;
	assert_true(hl_ack_needed(HL_KIND_MESSAGE));
	assert_true(hl_ack_needed(HL_KIND_NOTICE));
	assert_true(hl_ack_needed(HL_KIND_CHECKIN));
	assert_false(hl_ack_needed(HL_KIND_ACK));
	assert_false(hl_ack_needed(HL_KIND_TEST));
	assert_false(hl_ack_needed(HL_KIND_TEST_REPLY));
	assert_false(hl_ack_needed(0));
}

static void test_span(void **state)
{
	static const struct { uint64_t ms; const char *want; } c[] = {
		{ 0, "0s" }, { 999, "0s" }, { 45000, "45s" }, { 60000, "1m" }, { 130000, "2m10s" },
		{ 3600000, "1h" }, { 3900000, "1h05m" }, { 86400000, "1d" }, { 2 * 86400000 + 4 * 3600000, "2d4h" },
	};
	char buf[32];
	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		hl_ack_span(c[i].ms, buf, sizeof buf);
		assert_string_equal(buf, c[i].want);
	}
}

static void describe(const char *json, const char *want)
{
	json_error_t e;
	json_t *o = json_loads(json, 0, &e);
	char buf[200];

	assert_non_null(o);
	hl_ack_describe(o, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		fail_msg("%s: got '%s', want '%s'", json, buf, want);
	json_decref(o);
}

static void test_describe(void **state)
{
	(void)state;
	describe("{\"own\":true,\"receipted\":true,\"ack\":{\"state\":\"overdue\",\"overdue_ms\":120000}}",
		 "delivered, NOT ACKNOWLEDGED, overdue 2m");
	describe("{\"own\":true,\"receipted\":false,\"ack\":{\"state\":\"overdue\",\"overdue_ms\":120000}}",
		 "NOT DELIVERED (no receipt), ack overdue 2m");
	describe("{\"own\":true,\"receipted\":true,\"ack\":{\"state\":\"waiting\",\"remaining_ms\":70000}}",
		 "delivered, awaiting acknowledgement, due in 1m10s");
	describe("{\"own\":true,\"receipted\":false,\"ack\":{\"state\":\"waiting\",\"remaining_ms\":70000}}",
		 "stored, not yet receipted, ack due in 1m10s");
	describe("{\"own\":false,\"ack\":{\"state\":\"waiting\",\"remaining_ms\":130000}}", "ACK DUE in 2m10s");
	describe("{\"own\":false,\"ack\":{\"state\":\"overdue\",\"overdue_ms\":61000}}", "ACK OVERDUE 1m01s");
	/* 2026-11-27 12:03:07Z; a control character in the peer's operator name is shown harmless. */
	describe("{\"own\":true,\"ack\":{\"state\":\"acked\",\"by\":\"ivanov\",\"at_ms\":1795780987000}}",
		 "acknowledged by ivanov 2026-11-27 12:03:07Z");
	describe("{\"own\":true,\"ack\":{\"state\":\"acked\",\"by\":\"iv\\u001b[2J\",\"at_ms\":1795780987000}}",
		 "acknowledged by iv?[2J 2026-11-27 12:03:07Z");
	describe("{\"own\":false}", "");
	describe("{\"own\":false,\"ack\":{\"state\":\"untracked\"}}", "ACK not tracked");
}

static void test_order(void **state)
{
	static const char *in[] = {
		"{\"peer\":\"m\",\"seq\":1,\"precedence\":\"routine\",\"ack\":{\"state\":\"waiting\",\"due_ms\":5}}",
		"{\"peer\":\"m\",\"seq\":2,\"precedence\":\"flash\",\"ack\":{\"state\":\"waiting\",\"due_ms\":9}}",
		"{\"peer\":\"m\",\"seq\":3,\"precedence\":\"routine\",\"ack\":{\"state\":\"overdue\",\"due_ms\":1}}",
		"{\"peer\":\"m\",\"seq\":4,\"precedence\":\"flash\",\"ack\":{\"state\":\"waiting\",\"due_ms\":7}}",
		"{\"peer\":\"m\",\"seq\":5,\"precedence\":\"immediate\",\"ack\":{\"state\":\"overdue\",\"due_ms\":3}}",
	};
	static const int want[] = { 5, 3, 4, 2, 1 };
	json_t *items[5];
	(void)state;
	for (int i = 0; i < 5; i++)
		assert_non_null(items[i] = json_loads(in[i], 0, NULL));
	qsort(items, 5, sizeof items[0], hl_ack_urgency_cmp);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(json_integer_value(json_object_get(items[i], "seq")), want[i]);
		json_decref(items[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needed),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
