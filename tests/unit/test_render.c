/* test_render.c — what the client shows people: peer text cleaned of control
 * characters (no terminal escapes), UTC times, exercise marking. */
#include "render.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <jansson.h>
static int fails;

static void entry_case(void);
static void ack_cases(void);
static void chk(const char *name, const char *in, size_t len, int ml, const char *want)
{
	char *o = hl_render_clean(in, len, ml);
	if (!o || strcmp(o, want) != 0) { printf("FAIL: %s: got '%s'\n", name, o ? o : "(null)"); fails++; }
	else printf("PASS: %s\n", name);
	free(o);
}
int main(void)
{
	char t[64];
	chk("ascii", "hello", 5, 0, "hello");
	chk("esc", "a\x1b[2Jb", 6, 1, "a\xef\xbf\xbd[2Jb");
	chk("nl-kept", "a\nb\tc", 5, 1, "a\nb\tc");
	chk("nl-label", "a\nb", 3, 0, "a\xef\xbf\xbd" "b");
	chk("cr", "a\rb", 3, 1, "a\xef\xbf\xbd" "b");
	chk("crlf", "a\r\nb\r", 5, 1, "a\nb\xef\xbf\xbd");
	chk("crlf-label", "a\r\n", 3, 0, "a\xef\xbf\xbd\xef\xbf\xbd");
	chk("del", "a\x7f", 2, 1, "a\xef\xbf\xbd");
	chk("c1-csi", "a\xc2\x9b" "2J", 5, 1, "a\xef\xbf\xbd" "2J");
	chk("c1-nel", "\xc2\x85", 2, 1, "\xef\xbf\xbd");
	chk("nbsp-ok", "\xc2\xa0", 2, 1, "\xc2\xa0");
	chk("cyr", "\xd0\xb6", 2, 0, "\xd0\xb6");
	chk("overlong", "\xc0\xaf", 2, 1, "\xef\xbf\xbd\xef\xbf\xbd");
	chk("surrogate", "\xed\xa0\x80", 3, 1, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	chk("too-big", "\xf4\x90\x80\x80", 4, 1, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	chk("truncated", "a\xe2\x82", 3, 1, "a\xef\xbf\xbd\xef\xbf\xbd");
	chk("emoji", "\xf0\x9f\x98\x80", 4, 0, "\xf0\x9f\x98\x80");
	chk("bidi-label", "x\xe2\x80\xaey", 5, 0, "x\xef\xbf\xbdy");
	chk("bidi-text", "x\xe2\x80\xaey", 5, 1, "x\xe2\x80\xaey");
	chk("nul", "a\0b", 3, 1, "a\xef\xbf\xbd" "b");
	hl_render_time(0, t, sizeof t); chk("t0", t, strlen(t), 0, "1970-01-01 00:00:00.000Z");
	hl_render_time(-1, t, sizeof t); chk("t-1", t, strlen(t), 0, "1969-12-31 23:59:59.999Z");
	hl_render_time(1795748453697LL, t, sizeof t); chk("t-now", t, strlen(t), 0, "2026-11-27 03:00:53.697Z");
	hl_render_time(INT64_MIN, t, sizeof t); chk("t-min", t, strlen(t), 0, "(bad time -9223372036854775808)");
	hl_render_time(INT64_MAX, t, sizeof t); chk("t-max", t, strlen(t), 0, "(bad time 9223372036854775807)");
	entry_case();
	ack_cases();
	return fails != 0;
}

/* A whole entry as the daemon sends it: the peer's escape sequence must not
 * reach the terminal, and an exercise must be marked. */
static void entry_case(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *e = json_pack("{s:s, s:s, s:b, s:I, s:s, s:s, s:s, s:i, s:b, s:I, s:s, s:s, s:s}",
			      "peer", "moscow", "author", "moscow", "own", 0, "seq", (json_int_t)7,
			      "id", "00", "kind", "MESSAGE", "precedence", "flash", "flags", 1,
			      "exercise", 1, "time_ms", (json_int_t)0, "operator", "ivanov",
			      "lang", "ru", "text", "hello\x1b]0;pwned\x07 world");
	int rc = f && e ? hl_render_entry(f, e) : -1;
	if (f)
		fclose(f);
	if (rc < 0 || !buf) {
		printf("FAIL: entry renders\n");
		fails++;
	} else {
		if (memchr(buf, 0x1b, len) || memchr(buf, 0x07, len)) {
			printf("FAIL: entry output contains a control character\n");
			fails++;
		} else {
			printf("PASS: entry output has no control characters\n");
		}
		if (!strstr(buf, "EXERCISE")) {
			printf("FAIL: exercise entry not marked\n");
			fails++;
		} else {
			printf("PASS: exercise entry marked\n");
		}
		if (!strstr(buf, "FLASH") || !strstr(buf, "1970-01-01 00:00:00.000Z")) {
			printf("FAIL: precedence or time missing: %s\n", buf);
			fails++;
		} else {
			printf("PASS: precedence and UTC time shown\n");
		}
	}
	json_decref(e);
	free(buf);
}

/* One entry rendered: it must contain want (and never a control byte). */
static void render_has(const char *name, const char *json, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *e = json_loads(json, 0, NULL);
	int rc = f && e ? hl_render_entry(f, e) : -1;
	if (f)
		fclose(f);
	if (rc < 0 || !buf || !strstr(buf, want) || memchr(buf, 0x1b, len)) {
		printf("FAIL: %s: want '%s' in '%s'\n", name, want, buf ? buf : "(null)");
		fails++;
	} else {
		printf("PASS: %s\n", name);
	}
	json_decref(e);
	free(buf);
}

/* The watch's states in the header line, the references under it. */
static void ack_cases(void)
{
	render_has("own delivered, not acknowledged",
		   "{\"author\":\"washington\",\"own\":true,\"seq\":5,\"kind\":\"MESSAGE\",\"precedence\":\"flash\","
		   "\"receipted\":true,\"text\":\"x\",\"ack\":{\"state\":\"overdue\",\"overdue_ms\":120000}}",
		   "FLASH  -  -  [delivered, NOT ACKNOWLEDGED, overdue 2m]");
	render_has("own not delivered",
		   "{\"author\":\"washington\",\"own\":true,\"seq\":5,\"kind\":\"MESSAGE\",\"precedence\":\"flash\","
		   "\"receipted\":false,\"text\":\"x\",\"ack\":{\"state\":\"overdue\",\"overdue_ms\":120000}}",
		   "[NOT DELIVERED (no receipt), ack overdue 2m]");
	render_has("peer's, ack due",
		   "{\"author\":\"moscow\",\"own\":false,\"seq\":3,\"kind\":\"MESSAGE\",\"precedence\":\"flash\","
		   "\"time_ms\":0,\"stored_ms\":5,\"text\":\"x\",\"ack\":{\"state\":\"waiting\",\"remaining_ms\":130000}}",
		   "]  [ACK DUE in 2m10s]");
	render_has("acknowledged, with the note",
		   "{\"author\":\"washington\",\"own\":true,\"seq\":5,\"kind\":\"MESSAGE\",\"precedence\":\"flash\","
		   "\"receipted\":true,\"text\":\"x\",\"ack\":{\"state\":\"acked\",\"by\":\"ivanov\",\"at_ms\":1795780987000,"
		   "\"ack_ref\":\"moscow#4\",\"note\":\"on it\\u001b[2J\"}}",
		   "    ack: moscow#4: on it");
	render_has("a reply's reference",
		   "{\"author\":\"moscow\",\"own\":false,\"seq\":6,\"kind\":\"MESSAGE\",\"precedence\":\"routine\","
		   "\"text\":\"x\",\"refs\":[\"washington#1@moscow\"]}", "    re: washington#1@moscow\n");
	render_has("an ACK's reference",
		   "{\"author\":\"moscow\",\"own\":false,\"seq\":6,\"kind\":\"ACK\",\"precedence\":\"flash\","
		   "\"text\":\"\",\"refs\":[\"washington#1@moscow\"]}", "    acknowledges: washington#1@moscow\n");
	/* A draft queued before the record was confirmed: no seq, named by number. */
	render_has("a queued draft",
		   "{\"author\":\"washington\",\"own\":true,\"queued\":true,\"draft\":7,\"seq\":null,\"id\":null,"
		   "\"kind\":\"MESSAGE\",\"precedence\":\"flash\",\"time_ms\":0,\"text\":\"x\"}",
		   "1970-01-01 00:00:00.000Z  washington draft 7  FLASH  -  -  [QUEUED, NOT YET SIGNED]\n");
	render_has("a peer's entry with our ACK queued",
		   "{\"author\":\"moscow\",\"own\":false,\"seq\":3,\"kind\":\"MESSAGE\",\"precedence\":\"flash\","
		   "\"time_ms\":0,\"stored_ms\":5,\"text\":\"x\",\"ack\":{\"state\":\"waiting\",\"remaining_ms\":130000,"
		   "\"queued_ack\":{\"draft\":8,\"by\":\"smith\\u001b\"}}}",
		   "[ACK DUE in 2m10s, our ACK queued by smith? (draft 8), not yet signed]");
}
