/* api_export.c — `export` through the local API: the export planned in
 * steps (a range by time walks the chains), then one JSON header line, then
 * the transcript (export.c) as frames "len u32 | done u64 | bytes", one
 * frame per step of a producer (api_step.h), so a slow reader costs the
 * daemon no memory; a frame of length 0 ends it and the connection closes. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "station/export.h"
#include "util/log.h"

#define FRAME_HEAD 12u

typedef struct {
	hl_api_producer base;
	hl_export *x;
	int planned;
} export_producer;

static void put_frame_head(hl_buf *out, size_t at, uint64_t done)
{
	uint8_t h[FRAME_HEAD];
	size_t n = out->len - at - FRAME_HEAD;
	hl_be32_put(h, (uint32_t)n);
	hl_be64_put(h + 4, done);
	memcpy(out->p + at, h, sizeof h);
}

static int export_step(hl_api_producer *p, hl_buf *out, const hl_budget *b)
{
	export_producer *e = (export_producer *)p;
	static const uint8_t zero[FRAME_HEAD];
	if (!e->planned) {
		char err[300] = "", msg[400];
		int rc = hl_export_plan(e->x, b, err, sizeof err);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			/* Refused before it began: an error line, and the connection stays. */
			snprintf(msg, sizeof msg, "export: %s", err);
			p->close_after = 0;
			return hl_api_json_line(out, json_pack("{s:b, s:s}", "ok", 0, "error", msg)) < 0
				       ? HL_ERR_NOMEM : 1;
		}
		e->planned = 1;
		return hl_api_json_line(out, json_pack("{s:b, s:s, s:I}", "ok", 1, "format", "hlt-frames",
						       "entries", (json_int_t)hl_export_total(e->x)));
	}
	size_t at = out->len;
	/* a frame (about 64 KiB of entries) is the step */
	int rc = hl_buf_put(out, zero, sizeof zero);
	if (rc == 0)
		rc = hl_export_next(e->x, out);
	if (rc < 0) {
		/* No end frame: the client reports the export incomplete. */
		hl_log(HL_LOG_ERR, "export failed: %s", hl_strerror(rc));
		return rc;
	}
	put_frame_head(out, at, hl_export_done(e->x));
	if (rc == 0)
		return 0;
	at = out->len;
	if (hl_buf_put(out, zero, sizeof zero) < 0)
		return HL_ERR_NOMEM;
	put_frame_head(out, at, hl_export_done(e->x));
	return 1;
}

static void export_free(hl_api_producer *p)
{
	export_producer *e = (export_producer *)p;
	hl_export_free(e->x);
	free(e);
}

void hl_api_do_export(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	hl_line *l = hl_core_line_by_name(d, r->peer);
	if (!l) {
		hl_api_reply_error(c, "export: no such peer in the configuration");
		return;
	}
	hl_export_opts o;
	memset(&o, 0, sizeof o);
	o.kind = r->export_kind;
	o.from_seq = r->from_seq;
	o.to_seq = r->to_seq;
	o.from_ms = r->from_ms;
	o.to_ms = r->to_ms;
	char err[300] = "";
	hl_export *x = NULL;
	if (hl_export_begin(d, l, &o, &x, err, sizeof err) < 0) {
		char msg[400];
		snprintf(msg, sizeof msg, "export: %s", err);
		hl_api_reply_error(c, msg);
		return;
	}
	export_producer *e = calloc(1, sizeof *e);
	if (!e) {
		hl_export_free(x);
		hl_api_reply_error(c, "export: out of memory");
		return;
	}
	e->base.step = export_step;
	e->base.free = export_free;
	e->base.close_after = 1;
	e->x = x;
	hl_api_produce(c, &e->base);
}
