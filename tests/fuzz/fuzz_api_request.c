/* fuzz_api_request.c — libFuzzer target: hl_api_request_parse on arbitrary
 * request lines. A refusal leaves an error sentence and nothing allocated; an
 * accepted request holds only checked values (re-checked here), and the
 * request rebuilt from the struct parses back to the same struct. The fast
 * reader (api_fastjson.c) either declines or gives exactly jansson's object. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_fastjson.h"
#include "api/api_request.h"
#include "record/attach.h"
#include "record/entry.h"
#include "record/entryref.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/text.h"
#include "record/transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_api_request: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > HL_MAX_NAME)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The string field key of the request object, exactly the pointer stored. */
static void check_field(const hl_api_request *r, const char *key, const char *p)
{
	json_t *v = json_object_get(r->json, key);

	if (!p) {
		CHECK(v == NULL || json_is_null(v));
		return;
	}
	CHECK(json_is_string(v));
	CHECK(json_string_value(v) == p);
}

static int same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A translation: entry and lang as sent, text valid. */
static void check_notes(const hl_api_request *r)
{
	CHECK(json_object_size(r->json) == 4 && !r->peer);
	check_field(r, "entry", r->entry);
	check_field(r, "lang", r->lang);
	check_field(r, "text", r->text);
	CHECK(hl_lang_valid(r->lang, strlen(r->lang)));
	CHECK(r->text_len >= 1 && r->text_len <= HL_MAX_BODY && strlen(r->text) == r->text_len);
	CHECK(hl_text_valid((const uint8_t *)r->text, r->text_len));
}

/* A notice: each field one "name=value" string, name of a-z 0-9 _, the
 * value exactly the object's. */
static void check_notice(const hl_api_request *r)
{
	json_t *fields = json_object_get(r->json, "fields");

	check_field(r, "form", r->form);
	check_field(r, "reply_to", r->reply_to);
	CHECK(json_is_object(fields) && (size_t)r->n_kv == json_object_size(fields));
	CHECK(r->n_kv <= HL_API_MAX_FIELDS && r->form_version <= 65535);
	CHECK(r->precedence >= HL_PREC_ROUTINE && r->precedence <= HL_PREC_FLASH);
	CHECK(r->lang && hl_lang_valid(r->lang, strlen(r->lang)));
	for (int i = 0; i < r->n_kv; i++) {
		const char *eq = strchr(r->kv[i], '=');
		CHECK(eq && eq > r->kv[i] && eq - r->kv[i] <= 32);
		CHECK(strspn(r->kv[i], "abcdefghijklmnopqrstuvwxyz0123456789_") == (size_t)(eq - r->kv[i]));
		char name[40];
		memcpy(name, r->kv[i], (size_t)(eq - r->kv[i]));
		name[eq - r->kv[i]] = '\0';
		json_t *v = json_object_get(fields, name);
		CHECK(json_is_string(v) && strcmp(json_string_value(v), eq + 1) == 0);
	}
}

/* 64 lower-case hex digits: a blob's hash as the API takes it. */
static int hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void check_valid(const hl_api_request *r)
{
	CHECK(r->json && json_is_object(r->json));
	CHECK(r->cmd > HL_API_NONE && r->cmd <= HL_API_CERTIFY);
	CHECK(r->name && strcmp(json_string_value(json_object_get(r->json, "cmd")), r->name) == 0);
	check_field(r, "cmd", json_string_value(json_object_get(r->json, "cmd")));
	switch (r->cmd) {
	case HL_API_STATUS:
	case HL_API_SUBSCRIBE:
	case HL_API_FORMS:
		CHECK(json_object_size(r->json) == 1);
		CHECK(!r->peer && !r->text);
		return;
	case HL_API_INBOX: {
		json_t *u = json_object_get(r->json, "unacked");
		CHECK(!u || json_is_boolean(u));
		CHECK(r->unacked == json_is_true(u));
		CHECK(json_object_size(r->json) == 1u + (u != NULL));
		CHECK(!r->peer && !r->text);
		return;
	}
	case HL_API_ACK: {
		hl_entryref ref;
		CHECK(r->entry && hl_entryref_parse(r->entry, &ref) == 0);
		check_field(r, "entry", r->entry);
		CHECK(r->note && strlen(r->note) == r->note_len && r->note_len <= HL_MAX_BODY);
		CHECK(hl_text_valid((const uint8_t *)r->note, r->note_len));
		CHECK(json_object_size(r->json) == 2u + (json_object_get(r->json, "note") != NULL));
		CHECK(!r->peer && !r->text);
		return;
	}
	case HL_API_TRANSLATE:
		check_notes(r);
		return;
	case HL_API_ATTACHMENT: {
		hl_entryref ref;
		CHECK(r->entry && hl_entryref_parse(r->entry, &ref) == 0);
		check_field(r, "entry", r->entry);
		CHECK(r->offset <= HL_MAX_ATTACHMENT);
		CHECK(json_object_size(r->json) == 2u + (json_object_get(r->json, "offset") != NULL));
		CHECK(!r->peer && !r->text);
		return;
	}
	case HL_API_CERTIFY:
		CHECK(json_object_size(r->json) == 2 && !r->peer);
		CHECK(r->translation_id >= 1 &&
		      r->translation_id == json_integer_value(json_object_get(r->json, "id")));
		return;
	default:
		break;
	}
	CHECK(name_ok(r->peer));
	check_field(r, "peer", r->peer);
	switch (r->cmd) {
	case HL_API_SEND:
		/* With an attachment the text may be empty or absent. */
		CHECK(r->text && (r->text_len >= 1 || r->attachment) && r->text_len <= HL_MAX_BODY);
		check_field(r, "attachment", r->attachment);
		CHECK(!r->attachment || hex64(r->attachment));
		CHECK(strlen(r->text) == r->text_len);
		CHECK(hl_text_valid((const uint8_t *)r->text, r->text_len));
		if (json_object_get(r->json, "text") || !r->attachment)
			check_field(r, "text", r->text);
		CHECK(r->precedence >= HL_PREC_ROUTINE && r->precedence <= HL_PREC_FLASH);
		CHECK(r->lang && hl_lang_valid(r->lang, strlen(r->lang)));
		CHECK(r->exercise == 0 || r->exercise == 1);
		CHECK(r->exercise == json_is_true(json_object_get(r->json, "exercise")));
		check_field(r, "reply_to", r->reply_to);
		if (r->reply_to) {
			hl_entryref ref;
			CHECK(hl_entryref_parse(r->reply_to, &ref) == 0);
		}
		CHECK(json_object_size(r->json) <= 8);
		break;
	case HL_API_ATTACH_BEGIN:
	case HL_API_ATTACH_CHUNK:
		CHECK(hex64(r->hash));
		check_field(r, "hash", r->hash);
		CHECK(r->offset <= HL_MAX_ATTACHMENT);
		if (r->cmd == HL_API_ATTACH_BEGIN) {
			CHECK(r->size >= 1 && r->size <= HL_MAX_ATTACHMENT);
			CHECK(r->file_name && hl_attach_name_valid(r->file_name, strlen(r->file_name)));
			check_field(r, "name", r->file_name);
			CHECK(json_object_size(r->json) == 5);
		} else {
			CHECK(r->data);
			check_field(r, "data", r->data);
			CHECK(json_object_size(r->json) == 5);
		}
		break;
	case HL_API_REPORT:
		CHECK(r->has_since == (json_object_get(r->json, "since_ms") != NULL));
		CHECK(!r->has_since || r->since_ms <= (uint64_t)INT64_MAX);
		CHECK(json_object_size(r->json) == 2u + (unsigned)r->has_since);
		break;
	case HL_API_NOTICE:
		check_notice(r);
		break;
	case HL_API_LOG:
	case HL_API_TEST:
		CHECK(json_object_size(r->json) == 2);
		break;
	case HL_API_EXPORT:
		CHECK(r->export_kind == HL_HLT_FULL || r->export_kind == HL_HLT_RANGE ||
		      r->export_kind == HL_HLT_PROOF);
		CHECK((r->export_kind == HL_HLT_RANGE) == (r->from || r->to));
		check_field(r, "from", r->from);
		check_field(r, "to", r->to);
		/* A bound given is parsed into exactly one of its seq or time;
		 * both bounds alike. */
		CHECK(!r->from || (!r->from_seq != !r->from_ms));
		CHECK(!r->to || (!r->to_seq != !r->to_ms));
		CHECK(!r->from || r->from_seq || r->from_ms);
		CHECK(r->from || (!r->from_seq && !r->from_ms));
		CHECK(r->to || (!r->to_seq && !r->to_ms));
		CHECK(!((r->from_seq || r->to_seq) && (r->from_ms || r->to_ms)));
		break;
	default:
		CHECK(0);
	}
}

/* The request as a client would write it from the struct's values. */
static char *rebuild(const hl_api_request *r)
{
	json_t *o = json_pack("{s:s}", "cmd", r->name);
	char *s;

	CHECK(o);
	if (r->peer)
		CHECK(json_object_set_new(o, "peer", json_string(r->peer)) == 0);
	if (r->cmd == HL_API_SEND) {
		CHECK(json_object_set_new(o, "text", json_stringn(r->text, r->text_len)) == 0);
		CHECK(json_object_set_new(o, "precedence",
					  json_string(hl_precedence_name(r->precedence))) == 0);
		CHECK(json_object_set_new(o, "lang", json_string(r->lang)) == 0);
		CHECK(json_object_set_new(o, "exercise", json_boolean(r->exercise)) == 0);
		if (r->reply_to)
			CHECK(json_object_set_new(o, "reply_to", json_string(r->reply_to)) == 0);
		if (r->attachment)
			CHECK(json_object_set_new(o, "attachment", json_string(r->attachment)) == 0);
	}
	if (r->cmd == HL_API_ATTACHMENT) {
		CHECK(json_object_set_new(o, "entry", json_string(r->entry)) == 0);
		CHECK(json_object_set_new(o, "offset", json_integer((json_int_t)r->offset)) == 0);
	}
	if (r->cmd == HL_API_ATTACH_BEGIN || r->cmd == HL_API_ATTACH_CHUNK)
		CHECK(json_object_set_new(o, "hash", json_string(r->hash)) == 0);
	if (r->cmd == HL_API_ATTACH_BEGIN) {
		CHECK(json_object_set_new(o, "size", json_integer((json_int_t)r->size)) == 0);
		CHECK(json_object_set_new(o, "name", json_string(r->file_name)) == 0);
	}
	if (r->cmd == HL_API_ATTACH_CHUNK) {
		CHECK(json_object_set_new(o, "offset", json_integer((json_int_t)r->offset)) == 0);
		CHECK(json_object_set_new(o, "data", json_stringn(r->data, r->data_len)) == 0);
	}
	if (r->cmd == HL_API_INBOX && r->unacked)
		CHECK(json_object_set_new(o, "unacked", json_true()) == 0);
	if (r->cmd == HL_API_ACK) {
		CHECK(json_object_set_new(o, "entry", json_string(r->entry)) == 0);
		CHECK(json_object_set_new(o, "note", json_stringn(r->note, r->note_len)) == 0);
	}
	if (r->cmd == HL_API_NOTICE) {
		json_t *fields = json_object();
		CHECK(fields);
		for (int i = 0; i < r->n_kv; i++) {
			const char *eq = strchr(r->kv[i], '=');
			char name[40];
			memcpy(name, r->kv[i], (size_t)(eq - r->kv[i]));
			name[eq - r->kv[i]] = '\0';
			CHECK(json_object_set_new(fields, name, json_string(eq + 1)) == 0);
		}
		CHECK(json_object_set_new(o, "fields", fields) == 0);
		CHECK(json_object_set_new(o, "form", json_string(r->form)) == 0);
		CHECK(json_object_set_new(o, "version", json_integer(r->form_version)) == 0);
		CHECK(json_object_set_new(o, "precedence",
					  json_string(hl_precedence_name(r->precedence))) == 0);
		CHECK(json_object_set_new(o, "lang", json_string(r->lang)) == 0);
		CHECK(json_object_set_new(o, "exercise", json_boolean(r->exercise)) == 0);
		if (r->reply_to)
			CHECK(json_object_set_new(o, "reply_to", json_string(r->reply_to)) == 0);
	}
	if (r->cmd == HL_API_TRANSLATE) {
		CHECK(json_object_set_new(o, "entry", json_string(r->entry)) == 0);
		CHECK(json_object_set_new(o, "lang", json_string(r->lang)) == 0);
		CHECK(json_object_set_new(o, "text", json_stringn(r->text, r->text_len)) == 0);
	}
	if (r->cmd == HL_API_CERTIFY)
		CHECK(json_object_set_new(o, "id", json_integer((json_int_t)r->translation_id)) == 0);
	if (r->cmd == HL_API_REPORT && r->has_since)
		CHECK(json_object_set_new(o, "since_ms", json_integer((json_int_t)r->since_ms)) == 0);
	if (r->cmd == HL_API_EXPORT) {
		CHECK(json_object_set_new(o, "kind", json_string(r->export_kind == HL_HLT_PROOF ?
								 "proof" : "full")) == 0);
		if (r->from)
			CHECK(json_object_set_new(o, "from", json_string(r->from)) == 0);
		if (r->to)
			CHECK(json_object_set_new(o, "to", json_string(r->to)) == 0);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	CHECK(s);
	return s;
}

static void check_same(const hl_api_request *a, const hl_api_request *b)
{
	CHECK(a->cmd == b->cmd && same_str(a->name, b->name) && same_str(a->peer, b->peer));
	CHECK(a->text_len == b->text_len && same_str(a->text, b->text));
	CHECK(a->precedence == b->precedence && same_str(a->lang, b->lang));
	CHECK(a->exercise == b->exercise && same_str(a->reply_to, b->reply_to));
	CHECK(a->unacked == b->unacked && same_str(a->entry, b->entry) && a->note_len == b->note_len &&
	      same_str(a->note, b->note));
	CHECK(a->has_since == b->has_since && a->since_ms == b->since_ms);
	CHECK(same_str(a->attachment, b->attachment) && same_str(a->hash, b->hash) &&
	      same_str(a->file_name, b->file_name) && a->data_len == b->data_len &&
	      same_str(a->data, b->data) && a->size == b->size && a->offset == b->offset);
	CHECK(a->export_kind == b->export_kind && same_str(a->from, b->from) &&
	      same_str(a->to, b->to));
	CHECK(a->from_seq == b->from_seq && a->to_seq == b->to_seq && a->from_ms == b->from_ms &&
	      a->to_ms == b->to_ms);
	CHECK(same_str(a->form, b->form) && a->form_version == b->form_version &&
	      same_str(a->reply_to, b->reply_to) && same_str(a->entry, b->entry) &&
	      a->translation_id == b->translation_id && a->n_kv == b->n_kv);
	for (int i = 0; i < a->n_kv; i++) {
		int found = 0;
		for (int j = 0; j < b->n_kv; j++)
			found |= strcmp(a->kv[i], b->kv[j]) == 0;
		CHECK(found);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const hl_api_request zero;
	hl_api_request r, again;
	char err[300], err2[300];
	char *line;
	int rc;

	if (size > HL_MAX_API_REQUEST)
		return 0;
	json_t *fast = hl_api_fastjson((const char *)data, size);
	if (fast) {
		json_t *slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
		CHECK(slow && json_equal(fast, slow));
		json_decref(slow);
		json_decref(fast);
	}
	memset(err, 'x', sizeof err);
	rc = hl_api_request_parse((const char *)data, size, &r, err, sizeof err);
	CHECK(rc == 0 || rc == HL_ERR_INVAL);
	CHECK(memchr(err, 0, sizeof err) != NULL);
	if (rc < 0) {
		CHECK(err[0] != '\0');
		CHECK(memcmp(&r, &zero, sizeof r) == 0);
		return 0;
	}
	CHECK(err[0] == '\0');
	check_valid(&r);

	line = rebuild(&r);
	rc = hl_api_request_parse(line, strlen(line), &again, err2, sizeof err2);
	if (rc != 0)
		fprintf(stderr, "fuzz_api_request: rebuilt %s refused: %s\n", line, err2);
	CHECK(rc == 0);
	check_same(&r, &again);
	hl_api_request_free(&again);
	free(line);

	hl_api_request_free(&r);
	CHECK(memcmp(&r, &zero, sizeof r) == 0);
	return 0;
}
