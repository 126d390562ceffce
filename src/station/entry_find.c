/* entry_find.c — resolves an operator's name for an entry (entryref.h) to a
 * stored entry of one of the daemon's lines: for ack, replies, translations
 * and attachments, which all point at an entry. An id prefix takes a scan
 * of the entries, which the API does first in steps (hl_entry_prefix_*). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "station.h"
#include "line/core.h"
#include "record/entryref.h"
#include "util/err.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return HL_ERR_NOTFOUND;
}

static hl_line *only_line(hl_core *d)
{
	hl_line *found = NULL;

	for (int i = 0; i < d->n_lines; i++) {
		if (d->lines[i].retired)
			continue;
		if (found)
			return NULL;
		found = &d->lines[i];
	}
	return found;
}

static int by_name(hl_core *d, const hl_entryref *r, hl_entry_loc *loc, char *err,
		   size_t errlen)
{
	hl_line *l;
	int rc;

	if (strcmp(r->author, d->cfg->name) == 0) {
		loc->own = 1;
		l = r->line[0] ? hl_core_line_by_name(d, r->line) : only_line(d);
		if (!l && r->line[0])
			return fail(err, errlen, "no peer '%s' in the configuration", r->line);
		if (!l)
			return fail(err, errlen, "several lines: name the line, as %s#%llu@PEER",
				    r->author, (unsigned long long)r->seq);
	} else {
		l = hl_core_line_by_name(d, r->author);
		if (!l)
			return fail(err, errlen, "'%s' is neither this station nor a configured peer",
				    r->author);
		if (r->line[0] && strcmp(r->line, r->author) != 0)
			return fail(err, errlen, "%s's entries are on the line with %s, not %s",
				    r->author, r->author, r->line);
	}
	loc->line = l;
	loc->seq = r->seq;
	rc = hl_store_hash_at(d->store, l->line_id, loc->own ? d->id->pub.ed : l->peer->key.ed,
			      r->seq, loc->hash);
	if (rc == HL_ERR_NOTFOUND)
		return fail(err, errlen, "no entry %s#%llu on the line with %s", r->author,
			    (unsigned long long)r->seq, l->peer->name);
	if (rc < 0)
		fail(err, errlen, "the store failed: %s", hl_store_errmsg(d->store));
	return rc;
}

int hl_entry_prefix_begin(const char *text, hl_entry_memo *m)
{
	hl_entryref r;

	memset(m, 0, sizeof *m);
	if (!text || hl_entryref_parse(text, &r) < 0 || !r.by_hash)
		return 0;
	memcpy(m->hex, r.hex, sizeof m->hex);
	return 1;
}

int hl_entry_prefix_step(hl_core *d, hl_entry_memo *m, const hl_budget *b)
{
	/* 1,024 rows a page: about half a millisecond (200,000 entries take
	 * 100 to 150 ms in one scan). */
	while (!m->done) {
		int rc = hl_store_find_prefix_page(d->store, m->hex, &m->pos, 1024, &m->found,
						   m->line_id, m->author, &m->seq, m->hash);
		if (rc < 0)
			m->rc = rc;
		m->done = rc != 0 || m->found > 1;
		if (!m->done && hl_budget_spent(b))
			return 0;
	}
	return 1;
}

void hl_station_found(hl_core *d, const hl_entry_memo *m)
{
	d->found = m && m->done ? m : NULL;
}

/* The prefix's look-up: from the scan done in steps for it, else now. */
static int find_prefix(hl_core *d, const char *hex, uint8_t line_id[32], uint8_t author[32],
		       uint64_t *seq, uint8_t hash[32])
{
	const hl_entry_memo *m = d->found;
	if (!m || strcmp(m->hex, hex) != 0)
		return hl_store_find_prefix(d->store, hex, line_id, author, seq, hash);
	if (m->rc < 0)
		return m->rc;
	if (m->found == 0)
		return HL_ERR_NOTFOUND;
	if (m->found > 1)
		return HL_ERR_STATE;
	memcpy(line_id, m->line_id, 32);
	memcpy(author, m->author, 32);
	memcpy(hash, m->hash, 32);
	*seq = m->seq;
	return 0;
}

static int by_hash(hl_core *d, const hl_entryref *r, hl_entry_loc *loc, char *err,
		   size_t errlen)
{
	uint8_t line_id[32], author[32];
	int rc = find_prefix(d, r->hex, line_id, author, &loc->seq, loc->hash);

	if (rc == HL_ERR_NOTFOUND)
		return fail(err, errlen, "no entry has an id starting %s", r->hex);
	if (rc == HL_ERR_STATE) {
		fail(err, errlen, "more than one entry has an id starting %s: give more digits",
		     r->hex);
		return HL_ERR_INVAL;
	}
	if (rc < 0) {
		fail(err, errlen, "the store failed: %s", hl_store_errmsg(d->store));
		return rc;
	}
	for (int i = 0; i < d->n_lines; i++) {
		hl_line *l = &d->lines[i];
		if (l->retired || sodium_memcmp(l->line_id, line_id, 32) != 0)
			continue;
		if (sodium_memcmp(author, d->id->pub.ed, 32) == 0)
			loc->own = 1;
		else if (sodium_memcmp(author, l->peer->key.ed, 32) != 0)
			break;
		loc->line = l;
		return 0;
	}
	return fail(err, errlen, "entry %s is not on a configured line", r->hex);
}

int hl_station_find_entry(hl_core *d, const char *text, hl_entry_loc *loc, char *err,
			 size_t errlen)
{
	hl_entryref r;

	if (loc)
		memset(loc, 0, sizeof *loc);
	if (err && errlen)
		err[0] = '\0';
	if (!d || !text || !loc)
		return HL_ERR_INVAL;
	if (hl_entryref_parse(text, &r) < 0) {
		fail(err, errlen, "'%.80s' does not name an entry (AUTHOR#SEQ[@PEER] or an id of "
		     "at least %u hex digits)", text, HL_ENTRYREF_MIN_HEX);
		return HL_ERR_INVAL;
	}
	int rc = r.by_hash ? by_hash(d, &r, loc, err, errlen) : by_name(d, &r, loc, err, errlen);
	if (rc < 0)
		memset(loc, 0, sizeof *loc);
	return rc;
}
