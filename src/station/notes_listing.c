/* notes_listing.c — what an inbox or log listing shows of notices and
 * translations beside each entry: the decoded form, the entry it answers,
 * whether a notice still awaits its reply, and the station's translations. */
#include "notes.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "config/form.h"
#include "store/store_notes.h"
#include "util/text.h"

/* A notice whose form expects a reply, waiting for the listing's end. */
typedef struct {
	hl_line *line;
	int own;
	uint8_t hash[32];
	const hl_form *form;
	json_t *obj;                 /* a reference */
} pending;

/* An entry of the listing that answers another: a notice of form `form`. */
typedef struct {
	hl_line *line;
	int own;
	uint8_t ref[32];
	char form[HL_FORM_MAX_NAME + 1];
} answer;

/* The translations of one line, in (author, seq, id) order. */
typedef struct {
	hl_line *line;
	int sides;                   /* bit 1: own walked, bit 2: the peer's */
	json_t *rows;                /* [{author (hex), seq, json}] in order */
	size_t next;                 /* cursor: walks are in seq order per author */
} line_notes;

struct hl_notes_listing {
	hl_core *d;
	pending *pend;
	size_t n_pend, cap_pend;
	answer *ans;
	size_t n_ans, cap_ans;
	line_notes lines[HL_MAX_PEERS];
	int n_lines;
};

hl_notes_listing *hl_notes_listing_new(hl_core *d)
{
	hl_notes_listing *nl = calloc(1, sizeof *nl);
	if (nl)
		nl->d = d;
	return nl;
}

void hl_notes_listing_free(hl_notes_listing *nl)
{
	if (!nl)
		return;
	for (size_t i = 0; i < nl->n_pend; i++)
		json_decref(nl->pend[i].obj);
	for (int i = 0; i < nl->n_lines; i++)
		json_decref(nl->lines[i].rows);
	free(nl->pend);
	free(nl->ans);
	free(nl);
}

static int translation_row(void *ctx, const hl_store_translation *t)
{
	json_t *rows = ctx;
	char author[65];
	hl_hex(t->author, 32, author);
	json_t *o = json_pack("{s:I, s:s, s:s%, s:s, s:I}", "id", (json_int_t)t->id, "lang", t->lang,
			      "text", t->text, t->text_len, "translator", t->translator,
			      "created_ms", (json_int_t)t->created_ms);
	if (!o)
		return 0; /* not valid text: checked on the way in; skip rather than fail */
	json_object_set_new(o, "certified_by", t->certifier ? json_string(t->certifier) : json_null());
	json_object_set_new(o, "certified_ms",
			    t->certifier ? json_integer((json_int_t)t->certified_ms) : json_null());
	json_array_append_new(rows, json_pack("{s:s, s:I, s:o}", "author", author, "seq",
					      (json_int_t)t->seq, "json", o));
	return 0;
}

static line_notes *line_of(hl_notes_listing *nl, hl_line *l)
{
	for (int i = 0; i < nl->n_lines; i++)
		if (nl->lines[i].line == l)
			return &nl->lines[i];
	return NULL;
}

int hl_notes_listing_side(hl_notes_listing *nl, hl_line *l, int own)
{
	if (!nl || !l)
		return HL_ERR_INVAL;
	line_notes *ln = line_of(nl, l);
	if (!ln) {
		if (nl->n_lines >= (int)HL_MAX_PEERS)
			return HL_ERR_TOOBIG;
		ln = &nl->lines[nl->n_lines++];
		ln->line = l;
		ln->rows = json_array();
		if (!ln->rows)
			return HL_ERR_NOMEM;
		/* One query for the line's translations, whatever the number of entries. */
		int rc = hl_store_translation_walk(nl->d->store, l->line_id, translation_row, ln->rows);
		if (rc < 0)
			return rc;
	}
	ln->sides |= own ? 1 : 2;
	ln->next = 0;
	return 0;
}

/* The translations of entry (author, seq): rows are ordered by author (as
 * hex: the blob order), then seq, so a cursor finds them without a search
 * per entry when the walk goes in seq order. */
static json_t *translations_of(line_notes *ln, const uint8_t author[32], uint64_t seq)
{
	json_t *out = json_array();
	char a[65];
	size_t n = json_array_size(ln->rows);

	hl_hex(author, 32, a);
	if (ln->next > n)
		ln->next = 0;
	for (;;) {
		size_t i = ln->next;
		if (i >= n)
			break;
		json_t *r = json_array_get(ln->rows, i);
		int c = strcmp(json_string_value(json_object_get(r, "author")), a);
		json_int_t s = json_integer_value(json_object_get(r, "seq"));
		if (c < 0 || (c == 0 && (uint64_t)s < seq)) {
			ln->next++;
			continue;
		}
		if (c > 0 || (uint64_t)s > seq)
			break;
		json_array_append(out, json_object_get(r, "json"));
		ln->next++;
	}
	return out;
}

static int push_answer(hl_notes_listing *nl, hl_line *l, int own, const hl_entry *e)
{
	/* "form=NAME\n" opens every notice body: enough to know what answers what,
	 * even for a version this station cannot decode. */
	const char *b = (const char *)e->body;
	size_t n = e->body_len;
	if (n < 6 || memcmp(b, "form=", 5) != 0)
		return 0;
	const char *nlc = memchr(b + 5, '\n', n - 5);
	size_t fl = nlc ? (size_t)(nlc - b - 5) : 0;
	if (fl == 0 || fl > HL_FORM_MAX_NAME)
		return 0;
	if (nl->n_ans == nl->cap_ans) {
		size_t cap = nl->cap_ans ? nl->cap_ans * 2 : 16;
		answer *a = realloc(nl->ans, cap * sizeof *a);
		if (!a)
			return HL_ERR_NOMEM;
		nl->ans = a;
		nl->cap_ans = cap;
	}
	answer *a = &nl->ans[nl->n_ans++];
	a->line = l;
	a->own = own;
	memcpy(a->ref, e->refs[0], 32);
	memcpy(a->form, b + 5, fl);
	a->form[fl] = '\0';
	return 0;
}

static void push_pending(hl_notes_listing *nl, hl_line *l, int own, const uint8_t hash[32],
			 const hl_form *f, json_t *o)
{
	if (nl->n_pend == nl->cap_pend) {
		size_t cap = nl->cap_pend ? nl->cap_pend * 2 : 16;
		pending *p = realloc(nl->pend, cap * sizeof *p);
		if (!p)
			return; /* shown without awaiting_reply rather than wrong */
		nl->pend = p;
		nl->cap_pend = cap;
	}
	pending *p = &nl->pend[nl->n_pend++];
	p->line = l;
	p->own = own;
	memcpy(p->hash, hash, 32);
	p->form = f;
	p->obj = json_incref(o);
}

static void form_json(hl_notes_listing *nl, hl_line *l, int own, const hl_entry *e,
		      const uint8_t hash[32], json_t *o)
{
	hl_form_values v;
	char msg[300], text[HL_FORM_MAX_LABEL + 1];

	if (hl_form_decode(e->body, e->body_len, &nl->d->forms, &v, msg, sizeof msg) < 0) {
		hl_text_trim_cut(msg);
		json_object_set_new(o, "form_error", json_string(msg));
		hl_form_values_free(&v);
		return;
	}
	const hl_form *f = v.form;
	json_t *fields = json_array();
	for (int i = 0; fields && i < f->n_fields; i++) {
		const char *val = hl_form_value(&v, f->fields[i].name);
		hl_form_text_in(f, f->fields[i].label, e->lang, text, sizeof text);
		json_t *fo = json_pack("{s:s, s:s}", "name", f->fields[i].name, "label", text);
		if (!fo)
			continue;
		json_object_set_new(fo, "value", val ? json_string(val) : json_null());
		json_array_append_new(fields, fo);
	}
	hl_form_text_in(f, f->title, e->lang, text, sizeof text);
	json_object_set_new(o, "form", json_pack("{s:s, s:i, s:s, s:o}", "name", f->name, "version",
						 (int)f->version, "title", text, "fields",
						 fields ? fields : json_array()));
	if (f->n_replies > 0)
		push_pending(nl, l, own, hash, f, o);
	hl_form_values_free(&v);
}

void hl_notes_entry(hl_notes_listing *nl, hl_line *l, int own, const hl_entry *e,
		    const uint8_t hash[32], json_t *o)
{
	if (!nl || !o)
		return;
	if (e->nrefs > 0) {
		char h[65];
		hl_hex(e->refs[0], 32, h);
		json_object_set_new(o, "reply_to", json_string(h));
		if (e->kind == HL_KIND_NOTICE)
			push_answer(nl, l, own, e);
	}
	if (e->kind == HL_KIND_NOTICE)
		form_json(nl, l, own, e, hash, o);
	line_notes *ln = line_of(nl, l);
	json_object_set_new(o, "translations", ln ? translations_of(ln, e->author, e->seq) : json_array());
}

typedef struct {
	hl_notes_listing *nl;
	hl_line *l;
	int own;
} scan_ctx;

static int scan_answer(void *arg, const hl_store_entry *se)
{
	scan_ctx *s = arg;
	hl_entry e;
	if (se->kind != HL_KIND_NOTICE || hl_entry_decode(se->enc, se->enc_len, &e) < 0 ||
	    e.nrefs == 0)
		return 0;
	return push_answer(s->nl, s->l, s->own, &e) < 0;
}

static int by_ref(const void *a, const void *b)
{
	return memcmp(((const answer *)a)->ref, ((const answer *)b)->ref, 32);
}

void hl_notes_listing_finish(hl_notes_listing *nl)
{
	if (!nl)
		return;
	/* Answers come from the other side of the line: read it if this listing
	 * did not (an inbox walks the peer's entries only). Only lines with a
	 * notice that waits are read. */
	for (int i = 0; i < nl->n_lines; i++) {
		line_notes *ln = &nl->lines[i];
		int need = 0;
		for (size_t k = 0; k < nl->n_pend; k++)
			if (nl->pend[k].line == ln->line)
				need |= nl->pend[k].own ? 2 : 1;
		hl_core *d = nl->d;
		for (int side = 1; side <= 2; side++) {
			if (!(need & side) || (ln->sides & side))
				continue;
			scan_ctx s = { nl, ln->line, side == 1 };
			hl_store_walk(d->store, ln->line->line_id,
				      side == 1 ? d->id->pub.ed : ln->line->peer->key.ed, 1, 0, scan_answer, &s);
		}
	}
	if (nl->n_ans > 1)
		qsort(nl->ans, nl->n_ans, sizeof *nl->ans, by_ref);
	for (size_t k = 0; k < nl->n_pend; k++) {
		pending *p = &nl->pend[k];
		int answered = 0;
		answer key;
		memcpy(key.ref, p->hash, 32);
		answer *a = nl->n_ans ? bsearch(&key, nl->ans, nl->n_ans, sizeof *nl->ans, by_ref) : NULL;
		while (a && a > nl->ans && memcmp(a[-1].ref, p->hash, 32) == 0)
			a--;
		for (; a && a < nl->ans + nl->n_ans && memcmp(a->ref, p->hash, 32) == 0; a++) {
			if (a->line != p->line || a->own == p->own)
				continue;
			for (int r = 0; r < p->form->n_replies; r++)
				answered |= strcmp(p->form->replies[r], a->form) == 0;
		}
		json_object_set_new(p->obj, "awaiting_reply", json_boolean(!answered));
	}
}
