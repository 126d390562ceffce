/* api_request.c — turns one local-API request line into a checked
 * hl_api_request: a JSON object without duplicate keys, a known "cmd", only
 * that command's fields, each of its type and within its range. */
#include "api_request.h"
#include "api_fastjson.h"
#include "record/attach.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/entry.h"
#include "record/entryref.h"
#include "util/err.h"
#include "station/export.h"
#include "util/limits.h"
#include "util/text.h"
#include "record/transcript.h"

static const struct {
	const char *name;
	hl_api_cmd cmd;
} commands[] = {
	{ "status", HL_API_STATUS }, { "inbox", HL_API_INBOX }, { "log", HL_API_LOG },
	{ "send", HL_API_SEND },     { "test", HL_API_TEST },   { "report", HL_API_REPORT },
	{ "export", HL_API_EXPORT },
	{ "attach-begin", HL_API_ATTACH_BEGIN }, { "attach-chunk", HL_API_ATTACH_CHUNK },
	{ "attachment", HL_API_ATTACHMENT },
	{ "ack", HL_API_ACK },
	{ "subscribe", HL_API_SUBSCRIBE },
	{ "notice", HL_API_NOTICE },  { "forms", HL_API_FORMS },
	{ "translate", HL_API_TRANSLATE }, { "certify", HL_API_CERTIFY },
};

static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return HL_ERR_INVAL;
}

/* The syntax of a [Peer NAME] in the configuration: a name outside it can
 * name no configured peer, so it is refused as one that is not there. */
static int peer_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > HL_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Commands other than send and export: "peer" first (their older reply for
 * any bad peer), then anything but the command's own fields is refused. */
static int peer_field(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	r->peer = json_string_value(json_object_get(req, "peer"));
	if (!peer_name_valid(r->peer))
		return refuse(err, errlen, "%s: no such peer in the configuration", r->name);
	return 0;
}

static int only_fields(json_t *req, const hl_api_request *r, const char *fmt, char *err,
		       size_t errlen)
{
	json_error_t jerr;
	json_t *a = NULL, *b = NULL, *c = NULL;

	/* Every key named in fmt is optional here ("s?o"): this pass only
	 * finds the ones left over. */
	if (json_unpack_ex(req, &jerr, JSON_STRICT, fmt, "cmd", &a, "peer", &b, "since_ms", &c) != 0)
		return refuse(err, errlen, "%s: %s", r->name, jerr.text);
	return 0;
}

/* A blob's content hash as the API writes it: 64 lower-case hex digits. */
static int hash_valid(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A JSON integer in 0..max into *out. */
static int uint_field(json_t *req, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(req, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return HL_ERR_INVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int entryref_valid(const char *s)
{
	hl_entryref ref;

	return s && hl_entryref_parse(s, &ref) == 0;
}

static int parse_attach(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL;
	json_t *size = NULL, *offset = NULL;
	json_error_t jerr;

	if (r->cmd == HL_API_ATTACHMENT) {
		if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s?o}", "cmd", &cmd, "entry",
				   &r->entry, "offset", &offset) != 0)
			return refuse(err, errlen, "attachment: %s", jerr.text);
		if (!entryref_valid(r->entry))
			return refuse(err, errlen, "attachment: entry must name an entry: AUTHOR#SEQ[@PEER] "
				      "or an id of at least %u hex digits", HL_ENTRYREF_MIN_HEX);
		if (offset && uint_field(req, "offset", HL_MAX_ATTACHMENT, &r->offset) < 0)
			return refuse(err, errlen, "attachment: offset must be 0 to %llu",
				      (unsigned long long)HL_MAX_ATTACHMENT);
		return 0;
	}
	if (r->cmd == HL_API_ATTACH_BEGIN) {
		if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:o, s:s}", "cmd", &cmd,
				   "peer", &r->peer, "hash", &r->hash, "size", &size, "name", &r->file_name) != 0)
			return refuse(err, errlen, "attach-begin: %s", jerr.text);
	} else if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:o, s:s%}", "cmd", &cmd,
				  "peer", &r->peer, "hash", &r->hash, "offset", &offset, "data",
				  &r->data, &r->data_len) != 0) {
		return refuse(err, errlen, "attach-chunk: %s", jerr.text);
	}
	const char *what = r->cmd == HL_API_ATTACH_BEGIN ? "attach-begin" : "attach-chunk";
	if (!peer_name_valid(r->peer))
		return refuse(err, errlen, "%s: no such peer in the configuration", what);
	if (!hash_valid(r->hash))
		return refuse(err, errlen, "%s: hash must be 64 lower-case hex digits (BLAKE2b-256)", what);
	if (r->cmd == HL_API_ATTACH_CHUNK) {
		if (uint_field(req, "offset", HL_MAX_ATTACHMENT, &r->offset) < 0)
			return refuse(err, errlen, "attach-chunk: offset must be 0 to %llu",
				      (unsigned long long)HL_MAX_ATTACHMENT);
		return 0;
	}
	if (uint_field(req, "size", HL_MAX_ATTACHMENT, &r->size) < 0 || r->size == 0)
		return refuse(err, errlen, "attach-begin: size must be 1 to %llu bytes (100 MiB)",
			      (unsigned long long)HL_MAX_ATTACHMENT);
	if (!hl_attach_name_valid(r->file_name, strlen(r->file_name)))
		return refuse(err, errlen, "attach-begin: name must be 1 to %u bytes of UTF-8 without "
			      "control characters, '/' or '\\'", HL_ATTACH_NAME_MAX);
	return 0;
}

static int parse_send(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL, *prec = "routine";
	json_error_t jerr;

	r->lang = "en";
	json_t *ex = json_object_get(req, "exercise");
	if (ex && !json_is_boolean(ex))
		return refuse(err, errlen, "send: exercise must be true or false");
	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s?s%, s?s, s?s, s?b, s?s, s?s}", "cmd", &cmd,
			   "peer", &r->peer, "text", &r->text, &r->text_len, "precedence", &prec,
			   "lang", &r->lang, "exercise", &r->exercise, "attachment", &r->attachment,
			   "reply_to", &r->reply_to) != 0)
		return refuse(err, errlen, "send: %s", jerr.text);
	if (!r->text && !r->attachment)
		return refuse(err, errlen, "send: Object item not found: text");
	if (r->attachment && !hash_valid(r->attachment))
		return refuse(err, errlen, "send: attachment must be the 64 hex digits of an uploaded blob");
	if (!r->text)
		r->text = "";
	if (!peer_name_valid(r->peer))
		return refuse(err, errlen, "send: no such peer in the configuration");
	r->precedence = hl_precedence_parse(prec);
	if (r->precedence < 0)
		return refuse(err, errlen,
			      "send: precedence must be flash, immediate, priority or routine");
	if ((r->text_len == 0 && !r->attachment) || r->text_len > HL_MAX_BODY ||
	    !hl_text_valid((const uint8_t *)r->text, r->text_len))
		return refuse(err, errlen, "send: text must be 1 to %u bytes of UTF-8 without "
			      "control characters", HL_MAX_BODY);
	if (!hl_lang_valid(r->lang, strlen(r->lang)))
		return refuse(err, errlen, "send: lang must be a language tag such as en or ru");
	if (r->reply_to && !entryref_valid(r->reply_to))
		return refuse(err, errlen, "send: reply_to must name an entry: AUTHOR#SEQ[@PEER] or "
			      "an id of at least %u hex digits", HL_ENTRYREF_MIN_HEX);
	return 0;
}

static int parse_ack(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL;
	json_error_t jerr;

	r->note = "";
	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s?s%}", "cmd", &cmd, "entry",
			   &r->entry, "note", &r->note, &r->note_len) != 0)
		return refuse(err, errlen, "ack: %s", jerr.text);
	if (!entryref_valid(r->entry))
		return refuse(err, errlen, "ack: entry must name an entry: AUTHOR#SEQ[@PEER] or an id "
			      "of at least %u hex digits", HL_ENTRYREF_MIN_HEX);
	r->note_len = strlen(r->note);
	if (r->note_len > HL_MAX_BODY || !hl_text_valid((const uint8_t *)r->note, r->note_len))
		return refuse(err, errlen, "ack: note must be at most %u bytes of UTF-8 without "
			      "control characters", HL_MAX_BODY);
	return 0;
}

static int parse_inbox(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	json_t *u = NULL, *cmd = NULL;
	json_error_t jerr;

	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s?o, s?o}", "cmd", &cmd, "unacked", &u) != 0)
		return refuse(err, errlen, "inbox: %s", jerr.text);
	if (u && !json_is_boolean(u))
		return refuse(err, errlen, "inbox: unacked must be true or false");
	r->unacked = json_is_true(u);
	return 0;
}

static int parse_export(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL, *kind = "full";
	json_error_t jerr;

	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?s}", "cmd", &cmd,
			   "peer", &r->peer, "kind", &kind, "from", &r->from, "to", &r->to) != 0)
		return refuse(err, errlen, "export: %s", jerr.text);
	if (!peer_name_valid(r->peer))
		return refuse(err, errlen, "export: no such peer in the configuration");
	if (strcmp(kind, "full") == 0)
		r->export_kind = HL_HLT_FULL;
	else if (strcmp(kind, "proof") == 0)
		r->export_kind = HL_HLT_PROOF;
	else
		return refuse(err, errlen, "export: kind must be full or proof");
	if (!r->from && !r->to)
		return 0;
	if (r->export_kind == HL_HLT_PROOF)
		return refuse(err, errlen, "export: a proof takes no range");
	r->export_kind = HL_HLT_RANGE;
	if ((r->from && hl_export_parse_bound(r->from, &r->from_seq, &r->from_ms) < 0) ||
	    (r->to && hl_export_parse_bound(r->to, &r->to_seq, &r->to_ms) < 0))
		return refuse(err, errlen, "export: --from/--to take a seq (e.g. 120) or a UTC time "
			      "(e.g. 2026-11-27T03:00:00Z)");
	if ((r->from_seq || r->to_seq) && (r->from_ms || r->to_ms))
		return refuse(err, errlen, "export: give both bounds as seqs or both as times");
	return 0;
}

static int parse_report(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	json_t *since;
	int rc = peer_field(req, r, err, errlen);

	if (rc < 0)
		return rc;
	since = json_object_get(req, "since_ms");
	if (since) {
		/* jansson refuses integers beyond json_int_t when parsing. */
		if (!json_is_integer(since) || json_integer_value(since) < 0)
			return refuse(err, errlen, "report: since_ms must be a non-negative integer");
		r->has_since = 1;
		r->since_ms = (uint64_t)json_integer_value(since);
	}
	return only_fields(req, r, "{s?o, s?o, s?o}", err, errlen);
}

/* A form field's name: 1..32 of a-z 0-9 _ (form.c's rule); anything else
 * could smuggle "=" into the "name=value" string. */
static int field_name_valid(const char *k)
{
	size_t n = strlen(k);

	return n >= 1 && n <= 32 && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Safe to quote in an error reply whole: printable ASCII, at most 40 bytes. */
static int printable_short(const char *s)
{
	size_t n = strlen(s);

	if (n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* "fields": {"name": "value", ...} into r->kv ("name=value" strings). */
static int notice_fields(json_t *fields, hl_api_request *r, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	size_t need = 1;

	if (!json_is_object(fields))
		return refuse(err, errlen, "notice: fields must be an object of \"name\": \"value\"");
	if (json_object_size(fields) > HL_API_MAX_FIELDS)
		return refuse(err, errlen, "notice: at most %d fields", HL_API_MAX_FIELDS);
	json_object_foreach(fields, k, v) {
		if (!field_name_valid(k))
			return refuse(err, errlen, "notice: '%s' is not a field name (1-32 of a-z 0-9 _)",
				      printable_short(k) ? k : "?");
		if (!json_is_string(v))
			return refuse(err, errlen, "notice: %s: the value must be a string", k);
		if (json_string_length(v) > HL_MAX_BODY)
			return refuse(err, errlen, "notice: %s: value longer than %u bytes", k, HL_MAX_BODY);
		need += strlen(k) + json_string_length(v) + 2;
	}
	r->kv_buf = malloc(need);
	if (!r->kv_buf)
		return refuse(err, errlen, "notice: out of memory");
	char *o = r->kv_buf;
	json_object_foreach(fields, k, v) {
		size_t kl = strlen(k), vl = json_string_length(v);
		r->kv[r->n_kv++] = o;
		memcpy(o, k, kl);
		o[kl] = '=';
		memcpy(o + kl + 1, json_string_value(v), vl);
		o[kl + 1 + vl] = '\0';
		o += kl + vl + 2;
	}
	return 0;
}

static int parse_notice(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL, *prec = "routine";
	json_t *fields = NULL, *ex = json_object_get(req, "exercise");
	json_int_t version = 0;
	json_error_t jerr;

	r->lang = "en";
	if (ex && !json_is_boolean(ex))
		return refuse(err, errlen, "notice: exercise must be true or false");
	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:o, s?I, s?s, s?s, s?b, s?s}",
			   "cmd", &cmd, "peer", &r->peer, "form", &r->form, "fields", &fields,
			   "version", &version, "precedence", &prec, "lang", &r->lang,
			   "exercise", &r->exercise, "reply_to", &r->reply_to) != 0)
		return refuse(err, errlen, "notice: %s", jerr.text);
	if (!peer_name_valid(r->peer))
		return refuse(err, errlen, "notice: no such peer in the configuration");
	if (version < 0 || version > 65535)
		return refuse(err, errlen, "notice: version must be 1 to 65535 (0 or none: the newest)");
	r->form_version = (uint32_t)version;
	r->precedence = hl_precedence_parse(prec);
	if (r->precedence < 0)
		return refuse(err, errlen,
			      "notice: precedence must be flash, immediate, priority or routine");
	if (!hl_lang_valid(r->lang, strlen(r->lang)))
		return refuse(err, errlen, "notice: lang must be a language tag such as en or ru");
	return notice_fields(fields, r, err, errlen);
}

static int parse_translate(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL;
	json_error_t jerr;

	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:s%}", "cmd", &cmd, "entry",
			   &r->entry, "lang", &r->lang, "text", &r->text, &r->text_len) != 0)
		return refuse(err, errlen, "translate: %s", jerr.text);
	if (!hl_lang_valid(r->lang, strlen(r->lang)))
		return refuse(err, errlen, "translate: lang must be a language tag such as en or ru");
	if (r->text_len == 0 || r->text_len > HL_MAX_BODY ||
	    !hl_text_valid((const uint8_t *)r->text, r->text_len))
		return refuse(err, errlen, "translate: text must be 1 to %u bytes of UTF-8 without "
			      "control characters", HL_MAX_BODY);
	return 0;
}

static int parse_certify(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	const char *cmd = NULL;
	json_int_t id = 0;
	json_error_t jerr;

	if (json_unpack_ex(req, &jerr, JSON_STRICT, "{s:s, s:I}", "cmd", &cmd, "id", &id) != 0)
		return refuse(err, errlen, "certify: %s", jerr.text);
	if (id < 1)
		return refuse(err, errlen, "certify: id must be a translation's number (1 or more)");
	r->translation_id = (int64_t)id;
	return 0;
}

static int parse_command(json_t *req, hl_api_request *r, char *err, size_t errlen)
{
	int rc;

	switch (r->cmd) {
	case HL_API_NOTICE:
		return parse_notice(req, r, err, errlen);
	case HL_API_TRANSLATE:
		return parse_translate(req, r, err, errlen);
	case HL_API_CERTIFY:
		return parse_certify(req, r, err, errlen);
	case HL_API_SEND:
		return parse_send(req, r, err, errlen);
	case HL_API_EXPORT:
		return parse_export(req, r, err, errlen);
	case HL_API_ATTACH_BEGIN:
	case HL_API_ATTACH_CHUNK:
	case HL_API_ATTACHMENT:
		return parse_attach(req, r, err, errlen);
	case HL_API_REPORT:
		return parse_report(req, r, err, errlen);
	case HL_API_LOG:
	case HL_API_TEST:
		if ((rc = peer_field(req, r, err, errlen)) < 0)
			return rc;
		return only_fields(req, r, "{s?o, s?o}", err, errlen);
	case HL_API_ACK:
		return parse_ack(req, r, err, errlen);
	case HL_API_INBOX:
		return parse_inbox(req, r, err, errlen);
	case HL_API_STATUS:
	case HL_API_SUBSCRIBE:
	case HL_API_FORMS:
		return only_fields(req, r, "{s?o}", err, errlen);
	case HL_API_NONE:
		break;
	}
	return refuse(err, errlen, "unknown command");
}

int hl_api_request_parse(const char *line, size_t len, hl_api_request *out, char *err,
			 size_t errlen)
{
	json_error_t jerr;
	const char *cmd;
	json_t *req;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return HL_ERR_INVAL;
	memset(out, 0, sizeof *out);
	if (!line && len)
		return refuse(err, errlen, "request is not a JSON object: no data");
	/* Without JSON_DISABLE_EOF_CHECK anything after the object is refused;
	 * without JSON_ALLOW_NUL no string holds a NUL, so strlen is its length;
	 * jansson caps nesting depth (2048) and refuses out-of-range numbers. */
	req = hl_api_fastjson(line, len);
	if (!req)
		req = json_loadb(line ? line : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req || !json_is_object(req)) {
		rc = refuse(err, errlen, "request is not a JSON object: %s",
			    req ? "wrong type" : jerr.text);
		json_decref(req);
		return rc;
	}
	out->json = req;
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		rc = refuse(err, errlen, "request has no \"cmd\"");
		goto out;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			out->cmd = commands[i].cmd;
			out->name = commands[i].name;
			break;
		}
	}
	rc = parse_command(req, out, err, errlen);
out:
	if (rc < 0) {
		json_decref(req);
		free(out->kv_buf);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

void hl_api_request_free(hl_api_request *r)
{
	if (!r)
		return;
	json_decref(r->json);
	free(r->kv_buf);
	memset(r, 0, sizeof *r);
}
