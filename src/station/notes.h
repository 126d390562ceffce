/* notes.h — the daemon's side of notices (NOTICE entries holding a filled
 * form, notice.c), translations (station-local, translate.c) and what entry
 * listings show of both (notes_listing.c). */
#ifndef HL_NOTES_H
#define HL_NOTES_H

#include <jansson.h>

#include "line/core.h"
#include "util/budget.h"

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
 * form of a notice ("form", or "form_error"), "reply_to", the entry's
 * "translations" (read through their index), and "awaiting_reply" for
 * notices whose form expects a reply (from the answers gathered while the
 * listing walked its lines, never a look-up by hash). Made in steps with
 * the listing (budget.h); `line` is the listing's index of a line. */
typedef struct hl_notes_listing hl_notes_listing;
hl_notes_listing *hl_notes_listing_new(hl_core *d);
/* Each entry of both chains of the listing's lines, as walked. */
int hl_notes_listing_add(hl_notes_listing *nl, unsigned line, int own, const hl_entry *e);
/* Once everything is added: sorts until b is spent; 1 when ready. */
int hl_notes_listing_sort(hl_notes_listing *nl, const hl_budget *b);
/* Ready: adds the notes of entry e (of `own`'s author, on line l) to o. */
void hl_notes_entry(hl_notes_listing *nl, hl_line *l, unsigned line, int own, const hl_entry *e,
		    const uint8_t hash[32], json_t *o);
void hl_notes_listing_free(hl_notes_listing *nl);

#endif
