/* transcript.h — the export file (.hlt): a header naming both keys and the
 * line, a stream of records (entries in causal order, receipts, anchors,
 * conflicts) and a signed trailer. Written and read in one pass with flat
 * memory. Layout: docs/PROTOCOL.md §5. */
#ifndef HL_TRANSCRIPT_H
#define HL_TRANSCRIPT_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/keys.h"
#include "util/limits.h"

#define HL_HLT_MAGIC "HLT1\r\n\x1a\n"  /* 8 bytes; catches text-mode mangling */
#define HL_HLT_MAGIC_LEN 8u
#define HL_HLT_VERSION 1u
/* Fixed part of the header; then name_a and name_b, each u8 length + bytes. */
#define HL_HLT_HEADER_FIXED (8 + 1 + 1 + 64 + 64 + 32 + 8 + 4 * 8)  /* 210 */

enum hl_hlt_kind {
	HL_HLT_FULL = 1,   /* both chains from seq 1 */
	HL_HLT_RANGE = 2,  /* a part of the line, anchored */
	HL_HLT_PROOF = 3   /* an equivocation proof: two conflicting entries */
};

enum hl_hlt_record {
	HL_HLT_ENTRY = 1,     /* canonical entry encoding */
	HL_HLT_ANCHOR = 2,    /* the entry just before a range (not part of it) */
	HL_HLT_RECEIPT = 3,   /* 177-byte receipt */
	HL_HLT_CONFLICT = 4,  /* u32 len1 | entry1 | u32 len2 | entry2 */
	HL_HLT_END = 5        /* trailer, see below; must be last */
};

/* Trailer body: n_a u64 | n_b u64 | n_receipts u32 | digest 32 | sig 64,
 * digest = BLAKE2b-256 of every byte before the END record's type byte,
 * sig = Ed25519 by key A over "hotline/export/1\0" (17 bytes with its NUL)
 * || the first 52 bytes. */
#define HL_HLT_END_LEN (8 + 8 + 4 + 32 + 64)

typedef struct {
	uint8_t kind;
	hl_pubkey key_a;      /* the exporting station (signs the trailer) */
	hl_pubkey key_b;      /* its peer */
	uint8_t line_id[32];
	uint64_t exported_ms;
	uint64_t a_from, a_to; /* seqs of A's entries included (0,0 if none) */
	uint64_t b_from, b_to;
	/* The stations' names as the exporter knows them: labels for people,
	 * covered by the trailer signature but not by the entries. */
	char name_a[HL_MAX_NAME + 1];
	char name_b[HL_MAX_NAME + 1];
} hl_hlt_header;

int hl_hlt_header_encode(const hl_hlt_header *h, hl_buf *out);
/* Decodes a header from the start of p; *used = its length. HL_ERR_TRUNC
 * if more bytes are needed. */
int hl_hlt_header_decode(const uint8_t *p, size_t len, hl_hlt_header *h, size_t *used);

/* Writer: appends bytes to out (which the caller drains as it likes) and
 * keeps the running digest and counts for the trailer. */
typedef struct {
	crypto_generichash_state digest;
	uint64_t n_a, n_b;
	uint32_t n_receipts;
} hl_hlt_writer;

int hl_hlt_writer_start(hl_hlt_writer *w, const hl_hlt_header *h, hl_buf *out);
/* side: 0 = entry authored by A, 1 = by B. type HL_HLT_ENTRY or HL_HLT_ANCHOR
 * (anchors are not counted). */
int hl_hlt_writer_entry(hl_hlt_writer *w, hl_buf *out, uint8_t type, int side,
			const uint8_t *enc, size_t len);
int hl_hlt_writer_receipt(hl_hlt_writer *w, hl_buf *out, const uint8_t *enc, size_t len);
int hl_hlt_writer_conflict(hl_hlt_writer *w, hl_buf *out, const uint8_t *e1, size_t l1,
			   const uint8_t *e2, size_t l2);
/* Appends the END record signed by id (whose public key must be key_a). */
int hl_hlt_writer_end(hl_hlt_writer *w, hl_buf *out, const hl_identity *id);

/* Trailer signature prefix: the 16 characters "hotline/export/1" and a NUL,
 * 17 bytes, in the "hotline/<context>/1\0" form of every signature. */
#define HL_HLT_SIG_PREFIX "hotline/export/1"
#define HL_HLT_SIG_PREFIX_LEN 17u
/* Largest body of each record type (CONFLICT: two u32 lengths, two entries). */
#define HL_HLT_MAX_CONFLICT (4 + HL_MAX_ENTRY + 4 + HL_MAX_ENTRY)
/* Largest header: the fixed part and two names. */
#define HL_HLT_HEADER_MAX (HL_HLT_HEADER_FIXED + 2 * (1 + HL_MAX_NAME))

/* Streaming reader: a fixed window over a file descriptor (pipe, FIFO or
 * file alike; it never seeks or maps), checking each record's type and
 * length before buffering it, and keeping the running digest. */
typedef struct {
	int fd;
	uint8_t *buf;          /* window: buf[pos..len) is read but not consumed */
	size_t cap, pos, len;
	uint64_t off;          /* file offset of buf[pos] */
	uint64_t total;        /* bytes read from fd so far */
	int eof;               /* read returned 0 */
	int read_errno;        /* set when read failed (HL_ERR_IO) */
	int ended;             /* the END record was returned */
	int partial;           /* on HL_ERR_TRUNC: the file ended inside a record */
	crypto_generichash_state digest;
} hl_hlt_reader;

typedef struct {
	uint8_t type;          /* enum hl_hlt_record */
	uint32_t len;
	const uint8_t *body;   /* valid until the next call on the reader */
	uint64_t offset;       /* file offset of the record's type byte */
	uint8_t digest[32];    /* END only: BLAKE2b-256 of every byte before it */
} hl_hlt_rec;

/* Allocates the window; the fd stays the caller's. */
int hl_hlt_reader_init(hl_hlt_reader *r, int fd);
void hl_hlt_reader_free(hl_hlt_reader *r);
/* Reads and decodes the header. HL_ERR_TRUNC if the file ends inside it
 * (r->total bytes were read), HL_ERR_INVAL for a bad magic, version, kind or
 * name, HL_ERR_IO if read fails. */
int hl_hlt_reader_header(hl_hlt_reader *r, hl_hlt_header *h);
/* Next record. HL_ERR_TRUNC when the file ends: r->partial says whether
 * inside a record (whose offset is r->off) or at a record boundary.
 * HL_ERR_INVAL for an unknown type, HL_ERR_TOOBIG for a length over the
 * type's limit (RECEIPT and END must be exactly their size), HL_ERR_STATE
 * after END. */
int hl_hlt_reader_next(hl_hlt_reader *r, hl_hlt_rec *rec);
/* After END: 0 if the file ends there, HL_ERR_INVAL if bytes follow (at
 * offset r->off). */
int hl_hlt_reader_expect_eof(hl_hlt_reader *r);

/* Decodes a CONFLICT body into its two entry encodings (pointers into body). */
int hl_hlt_conflict_split(const uint8_t *body, size_t len, const uint8_t **e1, size_t *l1,
			  const uint8_t **e2, size_t *l2);

#endif
