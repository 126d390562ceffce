/* api_request.h — one local-API request line (docs/API.md) parsed and
 * checked into a struct: JSON shape, command, field types and ranges. Pure:
 * no daemon state (whether the peer is configured is the caller's check). */
#ifndef HL_API_REQUEST_H
#define HL_API_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	HL_API_NONE = 0,
	HL_API_STATUS,
	HL_API_INBOX,
	HL_API_LOG,
	HL_API_SEND,
	HL_API_TEST,
	HL_API_REPORT,
	HL_API_EXPORT,
	HL_API_ATTACH_BEGIN,     /* attachments (blob.c) */
	HL_API_ATTACH_CHUNK,
	HL_API_ATTACHMENT,
	HL_API_ACK,
	HL_API_SUBSCRIBE,
	HL_API_NOTICE,     /* H4 notices and translations (notice.c, translate.c) */
	HL_API_FORMS,
	HL_API_TRANSLATE,
	HL_API_CERTIFY
} hl_api_cmd;

#define HL_API_MAX_FIELDS 32     /* a notice's fields: HL_FORM_MAX_FIELDS */

typedef struct {
	hl_api_cmd cmd;
	const char *name;        /* "send", ...: the prefix of the command's error replies */
	/* LOG, SEND, TEST, REPORT, EXPORT: 1..HL_MAX_NAME of [A-Za-z0-9._-]. */
	const char *peer;
	/* SEND: 1..HL_MAX_BODY bytes that pass hl_text_valid (so no NUL). */
	const char *text;
	size_t text_len;
	int precedence;          /* HL_PREC_*; routine when absent */
	const char *lang;        /* passes hl_lang_valid; "en" when absent */
	int exercise;            /* SEND: "exercise": true marks an exercise entry */
	const char *reply_to;    /* SEND: the entry answered (entryref.h syntax), or NULL */
	/* ACK, ATTACHMENT: the entry (entryref.h syntax); ACK: the note ("" none). */
	const char *entry;
	const char *note;
	size_t note_len;
	int unacked;             /* INBOX: "unacked": true lists what waits for our ACK */
	/* REPORT */
	int has_since;
	uint64_t since_ms;       /* 0 .. INT64_MAX; meaningful when has_since */
	/* EXPORT: kind HL_HLT_FULL, HL_HLT_RANGE (from or to given) or
	 * HL_HLT_PROOF; bounds as hl_export_parse_bound gives them, all seqs or
	 * all times, 0 = open end. from/to are the strings as sent (or NULL). */
	int export_kind;
	const char *from, *to;
	uint64_t from_seq, to_seq, from_ms, to_ms;
	/* SEND: "attachment", 64 lower-case hex digits, or NULL; with it the
	 * text may be empty. ATTACH_BEGIN/ATTACH_CHUNK: peer, hash (64 hex);
	 * BEGIN: size 1..HL_MAX_ATTACHMENT, "name" as file_name (hl_attach_name_valid);
	 * CHUNK: offset and data (base64, 1..HL_BLOB_UPLOAD_CHUNK bytes decoded,
	 * checked by the daemon). ATTACHMENT: entry (a reference, entryref.h)
	 * and offset. */
	const char *attachment, *hash, *file_name, *data;
	size_t data_len;
	uint64_t size, offset;
	/* NOTICE (also precedence, lang, exercise, reply_to): the form's name,
	 * its version (0: the newest), its fields as n_kv "name=value" strings. */
	const char *form;
	uint32_t form_version;
	const char *kv[HL_API_MAX_FIELDS];
	int n_kv;
	char *kv_buf;            /* owns the kv strings */
	/* TRANSLATE: entry, lang and text (1..HL_MAX_BODY bytes of valid
	 * text); CERTIFY: the translation's id, >= 1. */
	int64_t translation_id;
	json_t *json;            /* owns every string above but kv */
} hl_api_request;

/* Parses line[0..len) (no newline). Returns 0, or HL_ERR_INVAL with the
 * reply's error sentence in err; out is cleared either way and needs
 * hl_api_request_free after success. */
int hl_api_request_parse(const char *line, size_t len, hl_api_request *out, char *err,
			 size_t errlen);
void hl_api_request_free(hl_api_request *r);

#endif
