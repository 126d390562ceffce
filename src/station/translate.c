/* translate.c — translations of entries, kept in the station's own records
 * (never sent): one operator attaches a translation, a second one certifies
 * it; both recorded with who and when. The original stays authoritative. */
#include "station.h"
#include "notes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/log.h"
#include "store/store_notes.h"
#include "util/text.h"

json_t *hl_translate(hl_core *d, const char *op, const char *entry, const char *lang,
		     const char *text, size_t text_len, char *err, size_t errlen)
{
	hl_entry_loc loc;
	char msg[300];
	hl_buf enc;
	hl_entry e;
	int64_t id = 0;

	int rc = hl_station_find_entry(d, entry, &loc, msg, sizeof msg);
	if (rc < 0) {
		snprintf(err, errlen, "translate: %s", msg);
		return NULL;
	}
	const uint8_t *author = loc.own ? d->id->pub.ed : loc.line->peer->key.ed;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_store_get_entry(d->store, loc.line->line_id, author, loc.seq, &enc);
	if (rc == 0)
		rc = hl_entry_decode(enc.p, enc.len, &e);
	if (rc == 0 && strcasecmp(e.lang, lang) == 0) {
		snprintf(err, errlen, "translate: %s is in %s already (the original is authoritative)",
			 entry, e.lang);
		hl_buf_free(&enc);
		return NULL;
	}
	hl_buf_free(&enc);
	if (rc < 0) {
		snprintf(err, errlen, "translate: cannot read %s: %s", entry, hl_strerror(rc));
		return NULL;
	}
	hl_store_translation t = {
		.line_id = loc.line->line_id, .author = author, .seq = loc.seq, .lang = lang,
		.text = text, .text_len = text_len, .translator = op, .created_ms = hl_wall_ms(),
	};
	rc = hl_core_tx(d);
	if (rc == 0)
		rc = hl_store_translation_add(d->store, &t, &id);
	if (rc < 0) {
		snprintf(err, errlen, "translate: not stored: %s", hl_store_errmsg(d->store));
		return NULL;
	}
	hl_log(HL_LOG_INFO, "translation %lld of %s into %s by %s", (long long)id, entry, lang, op);
	return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id);
}

json_t *hl_certify(hl_core *d, const char *op, int64_t translation_id, char *err, size_t errlen)
{
	hl_store_translation t;
	uint8_t line[32], author[32];
	hl_buf buf;
	long long id = (long long)translation_id;

	err[0] = '\0';
	hl_buf_init(&buf, 4 * HL_MAX_BODY);
	int rc = hl_store_translation_get(d->store, translation_id, &t, line, author, &buf);
	if (rc == HL_ERR_NOTFOUND)
		snprintf(err, errlen, "certify: no translation %lld", id);
	else if (rc < 0)
		snprintf(err, errlen, "certify: cannot read translation %lld: %s", id,
			 hl_store_errmsg(d->store));
	else if (t.certifier)
		snprintf(err, errlen, "certify: translation %lld is certified already (by %s)", id,
			 t.certifier);
	else if (strcmp(t.translator, op) == 0)
		snprintf(err, errlen, "certify: a translation cannot be certified by its own translator "
			 "(%s made translation %lld)", op, id);
	hl_buf_free(&buf);
	if (rc < 0 || err[0]) {
		hl_text_trim_cut(err);
		return NULL;
	}
	uint64_t now = hl_wall_ms();
	rc = hl_core_tx(d);
	if (rc == 0)
		rc = hl_store_translation_certify(d->store, translation_id, op, now);
	if (rc == HL_ERR_STATE) {
		snprintf(err, errlen, "certify: translation %lld is certified already", id);
		return NULL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "certify: not stored: %s", hl_store_errmsg(d->store));
		return NULL;
	}
	hl_log(HL_LOG_INFO, "translation %lld certified by %s", id, op);
	return json_pack("{s:b, s:I, s:s, s:I}", "ok", 1, "id", (json_int_t)translation_id,
			 "certified_by", op, "certified_ms", (json_int_t)now);
}
