/* test_transcript.c — the .hlt container (src/record/transcript.c): header encoding
 * and strict decoding, the writer's digest and signed trailer, and the
 * streaming reader over files and pipes, including hostile lengths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/entry.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "record/transcript.h"

struct fx {
	hl_identity *a, *b;
	hl_hlt_header h;
};

static int setup(void **state)
{
	uint8_t seed[HL_SEED_LEN];
	struct fx *f = calloc(1, sizeof *f);

	if (!f || sodium_init() < 0)
		return -1;
	memset(seed, 0xa1, sizeof seed);
	if (hl_keys_from_seed(seed, &f->a) < 0)
		return -1;
	memset(seed, 0xb2, sizeof seed);
	if (hl_keys_from_seed(seed, &f->b) < 0)
		return -1;
	f->h.kind = HL_HLT_FULL;
	f->h.key_a = f->a->pub;
	f->h.key_b = f->b->pub;
	hl_line_id(&f->a->pub, &f->b->pub, f->h.line_id);
	f->h.exported_ms = 1764205200123ull;
	f->h.a_from = 1;
	f->h.a_to = 7;
	f->h.b_from = 1;
	f->h.b_to = 9;
	strcpy(f->h.name_a, "washington");
	strcpy(f->h.name_b, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"); /* Москва */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	hl_keys_free(f->a);
	hl_keys_free(f->b);
	free(f);
	return 0;
}

static int mem_fd(const uint8_t *p, size_t n)
{
	int fd = memfd_create("hlt", 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_header_roundtrip(void **state)
{
	struct fx *f = *state;
	hl_hlt_header d;
	hl_buf b;
	size_t used;

	hl_buf_init(&b, 4096);
	assert_int_equal(hl_hlt_header_encode(&f->h, &b), 0);
	assert_int_equal(b.len, HL_HLT_HEADER_FIXED + 2 + strlen(f->h.name_a) + strlen(f->h.name_b));
	assert_memory_equal(b.p, "HLT1\r\n\x1a\n", 8);
	assert_int_equal(b.p[8], 1);
	assert_int_equal(b.p[9], HL_HLT_FULL);
	assert_memory_equal(b.p + 10, f->a->pub.ed, 32);
	assert_memory_equal(b.p + 42, f->a->pub.x, 32);
	assert_memory_equal(b.p + 74, f->b->pub.ed, 32);
	assert_memory_equal(b.p + 138, f->h.line_id, 32);
	assert_true(hl_be64_get(b.p + 170) == f->h.exported_ms);
	assert_true(hl_be64_get(b.p + 202) == 9); /* b_to */
	assert_int_equal(b.p[210], strlen("washington"));

	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), 0);
	assert_int_equal(used, b.len);
	assert_memory_equal(&d, &f->h, sizeof d);
	/* Every proper prefix is "need more", never a wrong header. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(hl_hlt_header_decode(b.p, n, &d, &used), HL_ERR_TRUNC);
	/* Trailing bytes belong to the records: used stops at the header. */
	assert_int_equal(hl_buf_put(&b, "\x05zzz", 4), 0);
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), 0);
	assert_int_equal(used, b.len - 4);
	hl_buf_free(&b);
}

static void test_header_rejects(void **state)
{
	struct fx *f = *state;
	hl_hlt_header h = f->h, d;
	hl_buf b;
	size_t used, name_off;

	hl_buf_init(&b, 4096);
	h.kind = 0;
	assert_int_equal(hl_hlt_header_encode(&h, &b), HL_ERR_INVAL);
	h.kind = 4;
	assert_int_equal(hl_hlt_header_encode(&h, &b), HL_ERR_INVAL);
	h = f->h;
	strcpy(h.name_b, "bad\nname");
	assert_int_equal(hl_hlt_header_encode(&h, &b), HL_ERR_UTF8);
	memset(h.name_b, 'x', sizeof h.name_b); /* 64 bytes, no NUL within 63 */
	h.name_b[HL_MAX_NAME] = 'x';
	assert_int_equal(hl_hlt_header_encode(&h, &b), HL_ERR_TOOBIG);
	assert_int_equal(b.len, 0);

	assert_int_equal(hl_hlt_header_encode(&f->h, &b), 0);
	name_off = HL_HLT_HEADER_FIXED;
	/* Wrong magic: refused from the first differing byte, even when short. */
	b.p[0] ^= 1;
	assert_int_equal(hl_hlt_header_decode(b.p, 3, &d, &used), HL_ERR_INVAL);
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_INVAL);
	b.p[0] ^= 1;
	b.p[4] = '\n'; /* CRLF turned into LF by a text-mode copy */
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_INVAL);
	b.p[4] = '\r';
	b.p[8] = 2;
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_INVAL);
	b.p[8] = 1;
	for (unsigned k = 0; k < 256; k++) {
		b.p[9] = (uint8_t)k;
		assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used),
				 k >= 1 && k <= 3 ? 0 : HL_ERR_INVAL);
	}
	b.p[9] = HL_HLT_FULL;
	b.p[name_off] = 64; /* name length over the limit */
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_TOOBIG);
	b.p[name_off] = 10;
	b.p[name_off + 3] = 0; /* an embedded NUL */
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_UTF8);
	b.p[name_off + 3] = 0x1b; /* ESC: a label has no control characters */
	assert_int_equal(hl_hlt_header_decode(b.p, b.len, &d, &used), HL_ERR_UTF8);
	assert_int_equal(used, 0);
	hl_buf_free(&b);
}

static void make_entry(const hl_identity *id, const uint8_t line[32], uint64_t seq,
		       const uint8_t prev[32], const char *text, hl_buf *out)
{
	hl_entry e;

	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	memcpy(e.line_id, line, 32);
	memcpy(e.author, id->pub.ed, 32);
	e.seq = seq;
	if (prev)
		memcpy(e.prev, prev, 32);
	e.time_ms = 1764205200000ull + seq;
	strcpy(e.operator_name, "smith");
	strcpy(e.lang, "en");
	e.body = (const uint8_t *)text;
	e.body_len = (uint32_t)strlen(text);
	assert_int_equal(hl_entry_sign(&e, id), 0);
	hl_buf_init(out, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_encode(&e, out), 0);
}

/* Writes a small file: 3 entries of A, a receipt by B, END; out drained
 * into file after every call to show the digest spans drains. */
static void write_small(struct fx *f, hl_buf *file, size_t rec_off[6])
{
	hl_hlt_writer w;
	hl_buf out, e[3];
	uint8_t h[32], renc[HL_RECEIPT_LEN];
	hl_receipt r;
	int n = 0;

	hl_buf_init(&out, 1 << 20);
	hl_buf_init(file, 1 << 20);
	assert_int_equal(hl_hlt_writer_start(&w, &f->h, &out), 0);
#define DRAIN()                                                        \
	do {                                                           \
		assert_int_equal(hl_buf_put(file, out.p, out.len), 0); \
		hl_buf_reset(&out);                                    \
		rec_off[n++] = file->len;                              \
	} while (0)
	DRAIN();
	make_entry(f->a, f->h.line_id, 1, NULL, "one", &e[0]);
	hl_entry_hash(e[0].p, e[0].len, h);
	make_entry(f->a, f->h.line_id, 2, h, "two", &e[1]);
	hl_entry_hash(e[1].p, e[1].len, h);
	make_entry(f->a, f->h.line_id, 3, h, "three", &e[2]);
	hl_entry_hash(e[2].p, e[2].len, h);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 0, e[i].p, e[i].len), 0);
		DRAIN();
	}
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, f->h.line_id, 32);
	memcpy(r.receiver, f->b->pub.ed, 32);
	r.seq = 3;
	memcpy(r.hash, h, 32);
	r.time_ms = 1764205300000ull;
	assert_int_equal(hl_receipt_sign(&r, f->b), 0);
	hl_receipt_encode(&r, renc);
	assert_int_equal(hl_hlt_writer_receipt(&w, &out, renc, sizeof renc), 0);
	/* Entries after receipts would break the causal layout: refused. */
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 0, e[0].p, e[0].len),
			 HL_ERR_STATE);
	DRAIN();
	assert_true(w.n_a == 3 && w.n_b == 0 && w.n_receipts == 1);
	assert_int_equal(hl_hlt_writer_end(&w, &out, f->a), 0);
	DRAIN();
#undef DRAIN
	for (int i = 0; i < 3; i++)
		hl_buf_free(&e[i]);
	hl_buf_free(&out);
}

static void test_writer_trailer(void **state)
{
	struct fx *f = *state;
	hl_buf file;
	size_t off[6];
	uint8_t digest[32], msg[HL_HLT_SIG_PREFIX_LEN + 52];
	const uint8_t *end;

	write_small(f, &file, off);
	end = file.p + off[4];
	assert_int_equal(file.len, off[4] + 5 + HL_HLT_END_LEN);
	assert_int_equal(end[0], HL_HLT_END);
	assert_int_equal(hl_be32_get(end + 1), HL_HLT_END_LEN);
	assert_true(hl_be64_get(end + 5) == 3);
	assert_true(hl_be64_get(end + 13) == 0);
	assert_int_equal(hl_be32_get(end + 21), 1);
	/* Digest: every byte before the END record's type byte. */
	crypto_generichash(digest, 32, file.p, off[4], NULL, 0);
	assert_memory_equal(end + 25, digest, 32);
	/* Signature: the 17-byte prefix (with its NUL) and the first 52 bytes. */
	memcpy(msg, "hotline/export/1", 17);
	assert_int_equal(msg[16], 0);
	memcpy(msg + 17, end + 5, 52);
	assert_int_equal(crypto_sign_ed25519_verify_detached(end + 57, msg, sizeof msg,
							     f->a->pub.ed), 0);
	msg[0] ^= 1;
	assert_int_not_equal(crypto_sign_ed25519_verify_detached(end + 57, msg, sizeof msg,
								 f->a->pub.ed), 0);
	/* Entry records: type, u32 length, the encoding as given. */
	assert_int_equal(file.p[off[0]], HL_HLT_ENTRY);
	assert_int_equal(hl_be32_get(file.p + off[0] + 1), off[1] - off[0] - 5);
	assert_int_equal(file.p[off[3]], HL_HLT_RECEIPT);
	assert_int_equal(hl_be32_get(file.p + off[3] + 1), HL_RECEIPT_LEN);
	hl_buf_free(&file);
}

static void test_writer_rejects(void **state)
{
	struct fx *f = *state;
	hl_hlt_writer w;
	hl_buf out;
	uint8_t junk[8] = { 0 };

	hl_buf_init(&out, 1 << 20);
	assert_int_equal(hl_hlt_writer_start(&w, &f->h, &out), 0);
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_RECEIPT, 0, junk, 8), HL_ERR_INVAL);
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 2, junk, 8), HL_ERR_INVAL);
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 0, junk, 0), HL_ERR_TOOBIG);
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 0, junk, HL_MAX_ENTRY + 1),
			 HL_ERR_TOOBIG);
	assert_int_equal(hl_hlt_writer_receipt(&w, &out, junk, 8), HL_ERR_INVAL);
	assert_int_equal(hl_hlt_writer_conflict(&w, &out, junk, 0, junk, 8), HL_ERR_TOOBIG);
	/* Anchors are not counted. */
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ANCHOR, 1, junk, 8), 0);
	assert_true(w.n_a == 0 && w.n_b == 0);
	assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 1, junk, 8), 0);
	assert_true(w.n_a == 0 && w.n_b == 1);
	/* A full out buffer: nothing half-written. */
	hl_buf small;
	hl_buf_init(&small, 10);
	assert_int_equal(hl_hlt_writer_start(&w, &f->h, &small), HL_ERR_TOOBIG);
	assert_int_equal(small.len, 0);
	hl_buf_free(&small);
	hl_buf_free(&out);
}

static void test_reader_roundtrip(void **state)
{
	struct fx *f = *state;
	hl_hlt_reader r;
	hl_hlt_header h;
	hl_hlt_rec rec;
	hl_buf file;
	size_t off[6];
	uint8_t digest[32];
	int fd;

	write_small(f, &file, off);
	fd = mem_fd(file.p, file.len);
	assert_int_equal(hl_hlt_reader_init(&r, fd), 0);
	assert_int_equal(hl_hlt_reader_header(&r, &h), 0);
	assert_memory_equal(&h, &f->h, sizeof h);
	assert_true(r.off == off[0]);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(hl_hlt_reader_next(&r, &rec), 0);
		assert_true(rec.offset == off[i]);
		assert_int_equal(rec.len, off[i + 1 < 5 ? i + 1 : 4] - off[i] - 5 +
				 (i == 4 ? 5 + HL_HLT_END_LEN : 0));
		assert_memory_equal(rec.body, file.p + off[i] + 5, rec.len);
		assert_int_equal(rec.type, i < 3 ? HL_HLT_ENTRY : i == 3 ? HL_HLT_RECEIPT : HL_HLT_END);
	}
	crypto_generichash(digest, 32, file.p, off[4], NULL, 0);
	assert_memory_equal(rec.digest, digest, 32);
	assert_int_equal(hl_hlt_reader_next(&r, &rec), HL_ERR_STATE);
	assert_int_equal(hl_hlt_reader_expect_eof(&r), 0);
	hl_hlt_reader_free(&r);
	close(fd);

	/* One byte after END. */
	assert_int_equal(hl_buf_put_u8(&file, 0), 0);
	fd = mem_fd(file.p, file.len);
	assert_int_equal(hl_hlt_reader_init(&r, fd), 0);
	assert_int_equal(hl_hlt_reader_header(&r, &h), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(hl_hlt_reader_next(&r, &rec), 0);
	assert_int_equal(hl_hlt_reader_expect_eof(&r), HL_ERR_INVAL);
	hl_hlt_reader_free(&r);
	close(fd);
	hl_buf_free(&file);
}

static void test_reader_truncation(void **state)
{
	struct fx *f = *state;
	hl_hlt_reader r;
	hl_hlt_header h;
	hl_hlt_rec rec;
	hl_buf file;
	size_t off[6];

	write_small(f, &file, off);
	for (size_t cut = 0; cut < file.len; cut++) {
		int fd = mem_fd(file.p, cut), rc, boundary = 0;
		assert_int_equal(hl_hlt_reader_init(&r, fd), 0);
		rc = hl_hlt_reader_header(&r, &h);
		if (cut < off[0]) {
			assert_int_equal(rc, HL_ERR_TRUNC);
		} else {
			assert_int_equal(rc, 0);
			while ((rc = hl_hlt_reader_next(&r, &rec)) == 0)
				;
			assert_int_equal(rc, HL_ERR_TRUNC);
			for (int i = 0; i < 5; i++)
				boundary |= cut == off[i];
			assert_int_equal(r.partial, !boundary);
			assert_true(r.total == cut);
		}
		hl_hlt_reader_free(&r);
		close(fd);
	}
	hl_buf_free(&file);
}

/* A hostile length is refused from the 5-byte record header alone. */
static void test_reader_hostile_lengths(void **state)
{
	struct fx *f = *state;
	static const struct {
		uint8_t type;
		uint32_t len;
		int rc;
	} cases[] = {
		{ HL_HLT_ENTRY, HL_MAX_ENTRY + 1, HL_ERR_TOOBIG },
		{ HL_HLT_ANCHOR, 0xffffffffu, HL_ERR_TOOBIG },
		{ HL_HLT_RECEIPT, HL_RECEIPT_LEN - 1, HL_ERR_TOOBIG },
		{ HL_HLT_RECEIPT, HL_RECEIPT_LEN + 1, HL_ERR_TOOBIG },
		{ HL_HLT_CONFLICT, HL_HLT_MAX_CONFLICT + 1, HL_ERR_TOOBIG },
		{ HL_HLT_END, HL_HLT_END_LEN + 1, HL_ERR_TOOBIG },
		{ 0, 1, HL_ERR_INVAL },
		{ 6, 1, HL_ERR_INVAL },
		{ 0xff, 1, HL_ERR_INVAL },
	};
	hl_buf b;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hl_hlt_reader r;
		hl_hlt_header h;
		hl_hlt_rec rec;
		int fd;

		hl_buf_init(&b, 4096);
		assert_int_equal(hl_hlt_header_encode(&f->h, &b), 0);
		assert_int_equal(hl_buf_put_u8(&b, cases[i].type), 0);
		assert_int_equal(hl_buf_put_u32(&b, cases[i].len), 0);
		fd = mem_fd(b.p, b.len);
		assert_int_equal(hl_hlt_reader_init(&r, fd), 0);
		assert_int_equal(hl_hlt_reader_header(&r, &h), 0);
		assert_int_equal(hl_hlt_reader_next(&r, &rec), cases[i].rc);
		hl_hlt_reader_free(&r);
		close(fd);
		hl_buf_free(&b);
	}
}

/* Many records through a pipe fed in odd-sized writes: records straddle
 * reads and the window wraps many times; the digest still matches. */
static void test_reader_pipe_stream(void **state)
{
	struct fx *f = *state;
	hl_hlt_writer w;
	hl_buf out, e;
	hl_hlt_reader r;
	hl_hlt_header h;
	hl_hlt_rec rec;
	uint8_t digest[32];
	int p[2], status;
	unsigned n = 0;
	pid_t pid;

	make_entry(f->a, f->h.line_id, 1, NULL,
		   "A long enough body to make the records straddle the read chunks.", &e);
	hl_buf_init(&out, 64u << 20);
	assert_int_equal(hl_hlt_writer_start(&w, &f->h, &out), 0);
	for (int i = 0; i < 12000; i++) /* about 3.6 MB: the window wraps */
		assert_int_equal(hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, 0, e.p, e.len), 0);
	crypto_generichash(digest, 32, out.p, out.len, NULL, 0);
	assert_int_equal(hl_hlt_writer_end(&w, &out, f->a), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t o = 0, step = 1;
		close(p[0]);
		while (o < out.len) {
			size_t k = out.len - o < step ? out.len - o : step;
			ssize_t wr = write(p[1], out.p + o, k);
			if (wr <= 0)
				_exit(1);
			o += (size_t)wr;
			step = step * 7 % 9973 + 1;
		}
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(hl_hlt_reader_init(&r, p[0]), 0);
	assert_int_equal(hl_hlt_reader_header(&r, &h), 0);
	while (hl_hlt_reader_next(&r, &rec) == 0 && rec.type == HL_HLT_ENTRY) {
		assert_int_equal(rec.len, e.len);
		assert_memory_equal(rec.body, e.p, e.len);
		n++;
	}
	assert_int_equal(n, 12000);
	assert_int_equal(rec.type, HL_HLT_END);
	assert_memory_equal(rec.digest, digest, 32);
	assert_memory_equal(rec.body + 20, digest, 32);
	assert_int_equal(hl_hlt_reader_expect_eof(&r), 0);
	hl_hlt_reader_free(&r);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	hl_buf_free(&out);
	hl_buf_free(&e);
}

static void test_conflict_split(void **state)
{
	struct fx *f = *state;
	hl_hlt_writer w;
	hl_buf out;
	const uint8_t *e1, *e2;
	size_t l1, l2;
	const uint8_t a[3] = { 1, 2, 3 }, b[5] = { 9, 8, 7, 6, 5 };
	uint8_t *body;
	size_t len;

	hl_buf_init(&out, 1 << 20);
	assert_int_equal(hl_hlt_writer_start(&w, &f->h, &out), 0);
	size_t start = out.len;
	assert_int_equal(hl_hlt_writer_conflict(&w, &out, a, 3, b, 5), 0);
	assert_int_equal(out.p[start], HL_HLT_CONFLICT);
	body = out.p + start + 5;
	len = hl_be32_get(out.p + start + 1);
	assert_int_equal(len, 4 + 3 + 4 + 5);
	assert_int_equal(hl_hlt_conflict_split(body, len, &e1, &l1, &e2, &l2), 0);
	assert_int_equal(l1, 3);
	assert_int_equal(l2, 5);
	assert_memory_equal(e1, a, 3);
	assert_memory_equal(e2, b, 5);
	assert_int_equal(hl_hlt_conflict_split(body, len - 1, &e1, &l1, &e2, &l2), HL_ERR_TRUNC);
	assert_null(e1);
	body[len] = 0;
	assert_int_equal(hl_hlt_conflict_split(body, len + 1, &e1, &l1, &e2, &l2), HL_ERR_INVAL);
	hl_be32_put(body, HL_MAX_ENTRY + 1);
	assert_int_equal(hl_hlt_conflict_split(body, len, &e1, &l1, &e2, &l2), HL_ERR_TOOBIG);
	hl_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_writer_trailer),
		cmocka_unit_test(test_writer_rejects),
		cmocka_unit_test(test_reader_roundtrip),
		cmocka_unit_test(test_reader_truncation),
		cmocka_unit_test(test_reader_hostile_lengths),
		cmocka_unit_test(test_reader_pipe_stream),
		cmocka_unit_test(test_conflict_split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
