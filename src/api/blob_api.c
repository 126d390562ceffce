/* blob_api.c — the local API's attachment requests (docs/API.md):
 * attach-begin and attach-chunk upload a file in order (the daemon never
 * opens the user's file: it runs sandboxed, as another account), resumable
 * from what is held; attachment reads a complete one back, in base64 pieces. */
#include "api/blob_api.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/blob.h"
#include "station/station.h"
#include "util/err.h"
#include "util/log.h"
#include "util/text.h"

static json_t *refused(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *refused(const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	hl_text_trim_cut(msg);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *progress(const hl_store_blob *b, const char *hex)
{
	return json_pack("{s:b, s:s, s:I, s:I, s:b}", "ok", 1, "hash", hex, "size", (json_int_t)b->size,
			 "have", (json_int_t)b->have, "complete", b->state == HL_BLOB_COMPLETE);
}

static json_t *begin(hl_core *d, hl_line *l, const hl_api_request *r, const uint8_t hash[32])
{
	hl_store_blob b;
	int rc = hl_store_blob_get(d->store, l->line_id, hash, &b);
	if (rc == HL_ERR_NOTFOUND) {
		rc = hl_core_tx(d);
		if (rc == 0)
			rc = hl_store_blob_create(d->store, l->line_id, hash, r->size, 0, r->file_name,
						  hl_wall_ms());
		if (rc == 0)
			rc = hl_store_blob_get(d->store, l->line_id, hash, &b);
	}
	if (rc < 0)
		return refused("attach-begin: cannot record the upload: %s", hl_strerror(rc));
	if (b.size != r->size)
		return refused("attach-begin: a blob with this hash is held with another size (%llu bytes)",
			       (unsigned long long)b.size);
	if (b.from_peer && b.state != HL_BLOB_COMPLETE)
		return refused("attach-begin: this file is being received from %s; send it once it is "
			       "complete", l->peer->name);
	return progress(&b, r->hash);
}

static json_t *chunk(hl_core *d, hl_line *l, const hl_api_request *r, const uint8_t hash[32])
{
	hl_store_blob b;
	int rc = hl_store_blob_get(d->store, l->line_id, hash, &b);
	if (rc == HL_ERR_NOTFOUND || (rc == 0 && b.from_peer && b.state != HL_BLOB_COMPLETE))
		return refused("attach-chunk: no upload of this hash for %s (start with attach-begin)",
			       l->peer->name);
	if (rc < 0)
		return refused("attach-chunk: %s", hl_strerror(rc));
	if (b.state == HL_BLOB_COMPLETE)
		return progress(&b, r->hash);
	if (r->offset != b.have)
		return refused("attach-chunk: offset %llu, but %llu bytes are held: continue from there",
			       (unsigned long long)r->offset, (unsigned long long)b.have);
	if (r->data_len > sodium_base64_ENCODED_LEN(HL_BLOB_UPLOAD_CHUNK, sodium_base64_VARIANT_ORIGINAL))
		return refused("attach-chunk: data over %u bytes", HL_BLOB_UPLOAD_CHUNK);
	uint8_t *bin = malloc(HL_BLOB_UPLOAD_CHUNK);
	if (!bin)
		return refused("attach-chunk: out of memory");
	size_t n = 0;
	json_t *out;
	if (sodium_base642bin(bin, HL_BLOB_UPLOAD_CHUNK, r->data, r->data_len, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || n == 0) {
		out = refused("attach-chunk: data must be 1 to %u bytes in base64", HL_BLOB_UPLOAD_CHUNK);
	} else if (n > b.size - b.have) {
		out = refused("attach-chunk: data goes past the size given to attach-begin (%llu bytes)",
			      (unsigned long long)b.size);
	} else {
		int verdict = 0;
		rc = hl_blob_append(l, &b, hash, b.have, bin, n, &verdict);
		if (rc == 0 && verdict < 0) {
			rc = hl_store_blob_reset(d->store, b.id, 0);
			out = rc < 0 ? refused("attach-chunk: the content does not match its hash, and "
					       "dropping it failed: %s", hl_strerror(rc))
				     : refused("attach-chunk: the content does not match its hash (did "
					       "the file change while it was read?); upload it again from 0");
		} else if (rc < 0) {
			out = refused("attach-chunk: cannot store it: %s", hl_strerror(rc));
		} else {
			out = progress(&b, r->hash);
		}
	}
	free(bin);
	return out;
}

/* Up to HL_BLOB_UPLOAD_CHUNK bytes from offset, across stored chunks. */
static int read_piece(hl_store *st, const hl_store_blob *b, uint64_t offset, hl_buf *out)
{
	hl_buf part;
	hl_buf_init(&part, HL_BLOB_UPLOAD_CHUNK);
	hl_buf_reset(out);
	int rc = 0;
	while (rc == 0 && out->len < HL_BLOB_UPLOAD_CHUNK && offset + out->len < b->size) {
		rc = hl_store_blob_read(st, b->id, offset + out->len, HL_BLOB_UPLOAD_CHUNK - out->len, &part);
		if (rc == 0)
			rc = hl_buf_put(out, part.p, part.len);
	}
	hl_buf_free(&part);
	return rc;
}

static json_t *fetch(hl_core *d, const hl_api_request *r)
{
	hl_entry_loc loc;
	char err[300];
	if (hl_station_find_entry(d, r->entry, &loc, err, sizeof err) < 0)
		return refused("attachment: %s", err);
	hl_line *l = loc.line;
	hl_buf enc, piece;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	hl_buf_init(&piece, HL_BLOB_UPLOAD_CHUNK);
	json_t *out = NULL;
	hl_entry e;
	hl_attach_desc a;
	hl_store_blob b;
	size_t off;
	const uint8_t *author = loc.own ? d->id->pub.ed : l->peer->key.ed;
	int rc = hl_store_get_entry(d->store, l->line_id, author, loc.seq, &enc);
	if (rc == 0)
		rc = hl_entry_decode(enc.p, enc.len, &e);
	if (rc < 0) {
		out = refused("attachment: cannot read the entry: %s", hl_strerror(rc));
		goto done;
	}
	if (!(e.flags & HL_FLAG_ATTACHMENT) || hl_attach_parse(e.body, e.body_len, &a, &off) < 0) {
		out = refused("attachment: %s has no attachment", r->entry);
		goto done;
	}
	rc = hl_store_blob_get(d->store, l->line_id, a.hash, &b);
	if (rc < 0 || b.size != a.size || b.state != HL_BLOB_COMPLETE) {
		if (rc == 0 && b.state == HL_BLOB_PENDING && b.size == a.size)
			out = refused("attachment: the attachment of %s is pending (%d%% held); fetch it "
				      "once it is complete", r->entry, (int)(b.have * 100u / b.size));
		else
			out = refused("attachment: the attachment of %s is %s", r->entry,
				      rc == 0 || rc == HL_ERR_NOTFOUND ? "failed or missing" : hl_strerror(rc));
		goto done;
	}
	if (r->offset > b.size) {
		out = refused("attachment: offset past the end (%llu bytes)", (unsigned long long)b.size);
		goto done;
	}
	rc = read_piece(d->store, &b, r->offset, &piece);
	if (rc < 0) {
		out = refused("attachment: cannot read it: %s", hl_strerror(rc));
		goto done;
	}
	size_t b64len = sodium_base64_ENCODED_LEN(piece.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64) {
		out = refused("attachment: out of memory");
		goto done;
	}
	sodium_bin2base64(b64, b64len, piece.p, piece.len, sodium_base64_VARIANT_ORIGINAL);
	char hex[65];
	hl_hex(a.hash, 32, hex);
	out = json_pack("{s:b, s:s, s:s, s:I, s:I, s:s}", "ok", 1, "hash", hex, "name", a.name,
			"size", (json_int_t)b.size, "offset", (json_int_t)r->offset, "data", b64);
	free(b64);
done:
	hl_buf_free(&enc);
	hl_buf_free(&piece);
	return out;
}

json_t *hl_blob_api(hl_core *d, const hl_api_request *r)
{
	if (r->cmd == HL_API_ATTACHMENT)
		return fetch(d, r);
	const char *what = r->cmd == HL_API_ATTACH_BEGIN ? "attach-begin" : "attach-chunk";
	hl_line *l = hl_core_line_by_name(d, r->peer);
	uint8_t hash[32];
	if (!l)
		return refused("%s: no such peer in the configuration", what);
	if (hl_unhex(r->hash, hash, 32) < 0)
		return refused("%s: hash must be 64 hex digits", what);
	return r->cmd == HL_API_ATTACH_BEGIN ? begin(d, l, r, hash) : chunk(d, l, r, hash);
}
