/* blob_json.c — what a listing shows of an entry's attachment. */
#include "blob_api.h"

#include "record/attach.h"
#include "station/blob.h"
#include "store/store_blobs.h"
#include "util/text.h"

json_t *hl_blob_entry_json(hl_core *d, hl_line *l, const hl_entry *e, int own,
			   size_t *text_off)
{
	hl_attach_desc a;
	*text_off = 0;
	if (!(e->flags & HL_FLAG_ATTACHMENT) || hl_attach_parse(e->body, e->body_len, &a, text_off) < 0)
		return NULL;
	char id[65];
	hl_hex(a.hash, 32, id);
	hl_store_blob b;
	int rc = hl_store_blob_get(d->store, l->line_id, a.hash, &b);
	json_t *o = json_pack("{s:s, s:s, s:I}", "id", id, "name", a.name, "size", (json_int_t)a.size);
	if (!o)
		return NULL;
	json_object_set_new(o, "have", json_integer(rc == 0 ? (json_int_t)b.have : 0));
	json_object_set_new(o, "state", json_string(rc == 0 ? hl_blob_state_name(&b, a.size) :
						    own ? "missing" : "pending"));
	if (own)
		json_object_set_new(o, "delivered", json_boolean(rc == 0 && b.peer_have == a.size));
	return o;
}
