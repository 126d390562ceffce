/* feature.c — the line's calls into the registered features (feature.h), in
 * the order they were registered, and what follows a stored entry. */
#include "core.h"

#include <stdio.h>

#include "util/err.h"

int hl_features_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len,
			  int *taken)
{
	*taken = 0;
	for (int i = 0; i < l->d->n_features; i++) {
		const hl_feature *f = l->d->features[i];
		for (int k = 0; k < HL_FEATURE_RECORDS && f->records[k]; k++) {
			if (f->records[k] == type && f->on_record) {
				*taken = 1;
				return f->on_record(l, s, type, body, len);
			}
		}
	}
	return 0;
}

int hl_line_entry_stored(hl_line *l, const hl_entry *e, const uint8_t hash[32],
			 uint64_t stored_ms, int own)
{
	for (int i = 0; i < l->d->n_features; i++) {
		const hl_feature *f = l->d->features[i];
		int rc = f->on_entry ? f->on_entry(l, e, hash, stored_ms, own) : 0;
		if (rc < 0 && !hl_store_tx_failed(l->d->store)) {
			/* What follows from an entry is part of it (the watch row of
			 * a message): the turn that holds the entry without it must
			 * not commit. It is lost whole, as on a failed write, and
			 * the peer asked again (line.c), the operator told. */
			char why[160];
			snprintf(why, sizeof why, "%s could not record what follows %s entry %llu: %s",
				 f->name, own ? "our" : "the peer's", (unsigned long long)e->seq,
				 hl_strerror(rc));
			hl_store_tx_abandon(l->d->store, why);
		}
		if (rc < 0)
			return rc;
	}
	hl_core_notify_entry(l->d, l, e, hash, own);
	return 0;
}

void hl_features_on_hello(hl_line *l, hl_session *s)
{
	for (int i = 0; i < l->d->n_features; i++)
		if (l->d->features[i]->on_hello)
			l->d->features[i]->on_hello(l, s);
}

void hl_features_pump(hl_line *l)
{
	for (int i = 0; i < l->d->n_features; i++)
		if (l->d->features[i]->pump)
			l->d->features[i]->pump(l);
}

void hl_features_tick(hl_line *l, uint64_t now)
{
	for (int i = 0; i < l->d->n_features; i++)
		if (l->d->features[i]->tick)
			l->d->features[i]->tick(l, now);
}

void hl_features_reload(hl_line *l)
{
	for (int i = 0; i < l->d->n_features; i++)
		if (l->d->features[i]->reload)
			l->d->features[i]->reload(l);
}

void hl_features_close(hl_line *l)
{
	for (int i = 0; i < l->d->n_features; i++)
		if (l->d->features[i]->close)
			l->d->features[i]->close(l);
}
