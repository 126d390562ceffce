/* store_checkpoint.c — WAL checkpoints on a thread of their own, so that a commit
 * (and the receipt or reply that waits for it) never also copies the WAL into the file. */
#include "store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "util/err.h"

/* SQLite's own default: a checkpoint is asked for once the WAL holds this many pages. */
#define CKPT_PAGES 1000
/* If the thread falls this far behind (a long burst: a checkpoint that runs
 * beside the writer cannot always finish, and then the WAL is not restarted),
 * the writer checkpoints itself, between its transactions, where it always
 * completes, so the WAL cannot grow without bound. */
#define CKPT_HARD_PAGES 16384

struct hl_store_ckpt {
	sqlite3 *db; /* the thread's own connection: a connection is never shared */
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t cv;
	int started, requested, quit;
	uint64_t done, inline_done;
};

static void ckpt_main(void *arg)
{
	hl_store_ckpt *c = arg;
	uv_mutex_lock(&c->mu);
	c->started = 1;
	uv_cond_signal(&c->cv);
	for (;;) {
		while (!c->requested && !c->quit)
			uv_cond_wait(&c->cv, &c->mu);
		if (c->quit)
			break;
		c->requested = 0;
		uv_mutex_unlock(&c->mu);
		/* PASSIVE: copies what it can without blocking the writer; a
		 * failure (busy, I/O) leaves the WAL as it is, and the next
		 * request tries again. Durability never depends on it. */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		uv_mutex_lock(&c->mu);
		c->done++;
	}
	uv_mutex_unlock(&c->mu);
}

/* Called by SQLite after each commit of the main connection. */
static int on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	hl_store_ckpt *c = arg;
	if (pages >= CKPT_HARD_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		c->inline_done++;
	} else if (pages >= CKPT_PAGES) {
		uv_mutex_lock(&c->mu);
		c->requested = 1;
		uv_cond_signal(&c->cv);
		uv_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

int hl_store_background_checkpoints(hl_store *st, const char *path)
{
	if (!st || !path || st->ckpt)
		return HL_ERR_INVAL;
	hl_store_ckpt *c = calloc(1, sizeof *c);
	if (!c)
		return HL_ERR_NOMEM;
	/* A connection knows the file is in WAL mode only once it has read it:
	 * until then a checkpoint on it does nothing at all. */
	sqlite3_stmt *q = NULL;
	int wal = 0;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
			    SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	if (!wal) {
		sqlite3_close(c->db);
		free(c);
		return HL_ERR_STORE;
	}
	if (uv_mutex_init(&c->mu) != 0) {
		sqlite3_close(c->db);
		free(c);
		return HL_ERR_NOMEM;
	}
	if (uv_cond_init(&c->cv) != 0) {
		uv_mutex_destroy(&c->mu);
		sqlite3_close(c->db);
		free(c);
		return HL_ERR_NOMEM;
	}
	/* The thread must have started — glibc registers rseq and the robust
	 * list in it, calls the sandbox does not allow — before any seccomp
	 * filter goes in (the daemon opens its store first; the filter is then
	 * synchronised to every thread). */
	if (uv_thread_create(&c->thread, ckpt_main, c) != 0) {
		uv_cond_destroy(&c->cv);
		uv_mutex_destroy(&c->mu);
		sqlite3_close(c->db);
		free(c);
		return HL_ERR_NOMEM;
	}
	uv_mutex_lock(&c->mu);
	while (!c->started)
		uv_cond_wait(&c->cv, &c->mu);
	uv_mutex_unlock(&c->mu);
	/* Replaces SQLite's automatic checkpoint, which runs inside the commit. */
	sqlite3_wal_hook(st->db, on_wal, c);
	st->ckpt = c;
	return 0;
}

void hl_store_ckpt_stop(hl_store *st)
{
	hl_store_ckpt *c = st->ckpt;
	if (!c)
		return;
	sqlite3_wal_hook(st->db, NULL, NULL);
	uv_mutex_lock(&c->mu);
	c->quit = 1;
	uv_cond_signal(&c->cv);
	uv_mutex_unlock(&c->mu);
	uv_thread_join(&c->thread);
	uv_cond_destroy(&c->cv);
	uv_mutex_destroy(&c->mu);
	sqlite3_close(c->db);
	free(c);
	st->ckpt = NULL;
}

int hl_store_checkpoints(hl_store *st, uint64_t *background, uint64_t *inline_done)
{
	*background = *inline_done = 0;
	if (!st || !st->ckpt)
		return HL_ERR_STATE;
	uv_mutex_lock(&st->ckpt->mu);
	*background = st->ckpt->done;
	uv_mutex_unlock(&st->ckpt->mu);
	*inline_done = st->ckpt->inline_done;
	return 0;
}
