/* notes.h — the daemon's side of notices (NOTICE entries holding a filled
 * form, notice.c), translations (station-local, translate.c) and what entry
 * listings show of both (notes_listing.c). */
#ifndef HL_NOTES_H
#define HL_NOTES_H

#include <jansson.h>

#include "line/core.h"

/* At start-up, before the sandbox: the schemas of FormsDir into d->forms.
 * A FormsDir given in the configuration must load; the default one may be
 * missing (a warning: notices are then refused and shown undecoded). */
int hl_notice_load_forms(hl_core *d, char *err, size_t errlen);

/* A notice request made into the body and reference of a NOTICE entry for
 * line l: the form filled and checked, encoded canonically; reply_to found
 * (and for a form that answers another, required and checked to be the
 * peer's notice of a form that names it in Reply). HL_ERR_INVAL or
 * HL_ERR_NOTFOUND with the reply's error sentence in err. */
typedef struct {
	hl_buf body;
	uint8_t ref[32];
	int nrefs;            /* 0 or 1 */
} hl_notice_draft;
/* What a notice request names, as the API parsed it: the form (version 0:
 * the newest), its fields as n_kv "name=value" strings, the entry answered
 * (entryref.h syntax) or NULL. */
typedef struct {
	const char *form;
	uint32_t form_version;
	const char *const *kv;
	int n_kv;
	const char *reply_to;
} hl_notice_input;
int hl_notice_prepare(hl_core *d, hl_line *l, const hl_notice_input *r, hl_notice_draft *out,
		      char *err, size_t errlen);
void hl_notice_draft_free(hl_notice_draft *nd);

/* The "forms" reply: every loaded form with its fields. */
json_t *hl_notice_forms_json(hl_core *d);

/* translate.c. Each stores in the turn's transaction and returns the reply
 * to send once it is committed; NULL with err set when refused. */
json_t *hl_translate(hl_core *d, const char *op, const char *entry, const char *lang,
		     const char *text, size_t text_len, char *err, size_t errlen);
json_t *hl_certify(hl_core *d, const char *op, int64_t translation_id, char *err, size_t errlen);

/* notes_listing.c: what an inbox or log listing adds to each entry: the
 * form of a notice ("form", or "form_error"), "reply_to", "awaiting_reply"
 * for notices whose form expects a reply (from the references of the
 * entries of the same listing, never a look-up by hash), and the entry's
 * "translations" (one query per line). */
typedef struct hl_notes_listing hl_notes_listing;
hl_notes_listing *hl_notes_listing_new(hl_core *d);
/* Before walking one side (own or the peer's) of line l. */
int hl_notes_listing_side(hl_notes_listing *nl, hl_line *l, int own);
/* For each entry of that walk, with its JSON object o. */
void hl_notes_entry(hl_notes_listing *nl, hl_line *l, int own, const hl_entry *e,
		    const uint8_t hash[32], json_t *o);
/* After the walks: sets awaiting_reply (reading the other side of a line for
 * the answers if the listing did not walk it). */
void hl_notes_listing_finish(hl_notes_listing *nl);
void hl_notes_listing_free(hl_notes_listing *nl);

#endif
