/* store_notes.h — the store's station-local notes on entries (schema 4):
 * translations, with who made and who certified each and when. Never sent. */
#ifndef HL_STORE_NOTES_H
#define HL_STORE_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
	int64_t id;
	const uint8_t *line_id;   /* 32 */
	const uint8_t *author;    /* 32: the translated entry's author */
	uint64_t seq;             /* and seq */
	const char *lang;         /* of the translation */
	const char *text;
	size_t text_len;
	const char *translator;
	uint64_t created_ms;
	const char *certifier;    /* NULL while uncertified */
	uint64_t certified_ms;    /* 0 while uncertified */
} hl_store_translation;

/* Adds t (its id, certifier and certified_ms are ignored); *id is the new row's. */
int hl_store_translation_add(hl_store *st, const hl_store_translation *t, int64_t *id);
/* Copies translation id into *t with its strings in buf (reset first), valid
 * until buf changes: 0 or HL_ERR_NOTFOUND. */
int hl_store_translation_get(hl_store *st, int64_t id, hl_store_translation *t, uint8_t line[32],
			     uint8_t author[32], hl_buf *buf);
/* Records the certification of an uncertified translation: 0, or
 * HL_ERR_STATE if it is certified already (or does not exist). */
int hl_store_translation_certify(hl_store *st, int64_t id, const char *certifier, uint64_t ms);
/* Calls cb for every translation of the line, by author, seq, then id (one
 * query, for a listing). Pointers in t are valid only during the call; cb
 * returning non-zero stops the walk and is returned. */
typedef int (*hl_store_translation_cb)(void *ctx, const hl_store_translation *t);
int hl_store_translation_walk(hl_store *st, const uint8_t line_id[32], hl_store_translation_cb cb,
			      void *ctx);
/* The same for the translations of one entry (author, seq), by id: an
 * indexed look-up, for a listing that produces its entries one at a time. */
int hl_store_translation_walk_entry(hl_store *st, const uint8_t line_id[32],
				    const uint8_t author[32], uint64_t seq,
				    hl_store_translation_cb cb, void *ctx);

#endif
