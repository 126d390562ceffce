/* verify.h — the offline transcript verifier: one pass over an .hlt stream,
 * memory flat in its size, ending in a report (verdict, summary, or the first
 * failure located and explained); and the comparison of two exports. */
#ifndef HL_VERIFY_H
#define HL_VERIFY_H

#include <stdint.h>

#include "keys.h"
#include "limits.h"
#include "transcript.h"

/* The rule a failed file broke (the report's msg says it in words). */
enum hl_verify_rule {
	HL_VR_OK = 0,
	HL_VR_READ,          /* the input cannot be read */
	HL_VR_MAGIC,         /* not a transcript, or an unknown version or kind */
	HL_VR_HEADER,        /* malformed header: names, ranges, one key twice */
	HL_VR_LINE_ID,       /* header line id is not the line of its keys */
	HL_VR_KEYS,          /* header keys are not the pinned ones */
	HL_VR_TRUNC,         /* the file ends early */
	HL_VR_RECORD,        /* unknown record, bad length, record out of place */
	HL_VR_DECODE,        /* an entry or receipt is not a valid encoding */
	HL_VR_ENTRY_LINE,    /* an entry of another line */
	HL_VR_AUTHOR,        /* an entry by neither station */
	HL_VR_SIG,           /* an entry's signature does not verify */
	HL_VR_SEQ,           /* seq is not the author's next: missing, repeated, reordered */
	HL_VR_RANGE,         /* entries do not match the header's seq ranges */
	HL_VR_ANCHOR,        /* range anchor missing, misplaced or wrong */
	HL_VR_PREV,          /* prev hash breaks the author's chain */
	HL_VR_XLINK,         /* cross-link names a different hash */
	HL_VR_XLINK_ORDER,   /* cross-link to an entry not (yet) in the file */
	HL_VR_RECEIPT_PARTY, /* receipt of another line, or by neither station */
	HL_VR_RECEIPT_SIG,   /* receipt signature does not verify */
	HL_VR_RECEIPT_SEQ,   /* receipt for a seq that is not in the file */
	HL_VR_RECEIPT_HASH,  /* receipt names another hash for a seq in the file */
	HL_VR_CONFLICT,      /* a CONFLICT record that proves nothing */
	HL_VR_COUNTS,        /* trailer counts differ from the file */
	HL_VR_DIGEST,        /* trailer digest differs from the file's bytes */
	HL_VR_END_SIG,       /* trailer signature is not by station A */
	HL_VR_TRAILING,      /* bytes after the END record */
	HL_VR_XLINK_BACK,    /* cross-link names fewer of the other's than the author's previous */
	HL_VR_MAX
};

/* Short stable name of a rule ("chain-link", "signature", ...), for JSON. */
const char *hl_verify_rule_name(int rule);

typedef struct {
	char name[HL_MAX_NAME + 1];   /* as the header gives it */
	hl_pubkey key;
	uint64_t entries;
	uint64_t first_seq, last_seq; /* 0, 0 when none */
	uint64_t first_ms, last_ms;   /* earliest and latest entry time */
	int has_anchor;
	uint64_t anchor_seq;
	/* The newest receipt signed BY this station, for the other's chain. */
	uint64_t rcpt_seq, rcpt_ms;   /* 0 when none */
	uint64_t xlinks_checked;      /* this author's cross-links verified */
	uint64_t xlinks_outside;      /* ...naming entries outside a range, not checked */
} hl_verify_station;

typedef struct {
	int ok;                       /* 1: every check held (a proof: it is valid) */
	int have_header;
	hl_hlt_header hdr;
	int keys_pinned;              /* the header's keys were checked against a pin */
	hl_verify_station st[2];      /* 0 = A (exporter), 1 = B */
	uint64_t receipts;
	uint64_t bytes;               /* bytes consumed */
	/* Kind PROOF: the equivocation proved. */
	int proof_side;
	uint64_t proof_seq;
	uint8_t proof_hash[2][32];
	/* On failure: the first record that broke a rule. */
	int rule;                     /* enum hl_verify_rule */
	uint64_t fail_offset;         /* byte offset of the record (truncation: where the file ends) */
	uint8_t fail_record;          /* record type; 0 for the header or the file as a whole */
	int fail_side;                /* 0/1: the entry's (or receipt's) station; -1 unknown */
	int fail_has_entry;           /* fail_seq, fail_author and fail_hash are meaningful */
	uint64_t fail_seq;            /* seq the record claims */
	uint64_t fail_expected_seq;   /* next seq of that author the file should hold; 0 unknown */
	uint8_t fail_author[32];      /* the Ed25519 key the entry claims */
	uint8_t fail_hash[32];        /* BLAKE2b-256 of the entry's bytes as found */
	char msg[320];                /* the rule broken, in words */
} hl_verify_report;

typedef void (*hl_verify_progress_fn)(void *arg, uint64_t bytes, uint64_t entries);

typedef struct {
	const hl_pubkey *pin;         /* NULL, or 2 keys the header's must equal (as a set) */
	hl_verify_progress_fn progress; /* called every few thousand records and at the end */
	void *progress_arg;
} hl_verify_opts;

typedef struct hl_verifier hl_verifier;

/* A verifier holds two unlinked temporary files (the hashes by seq, 32
 * bytes each) and fixed buffers; it stays usable for hl_verify_compare. */
int hl_verifier_new(hl_verifier **out);
void hl_verifier_free(hl_verifier *v);
/* Verifies the stream on fd (read once, never seeked) into rep. Returns 0
 * when the verdict is in rep (rep->ok), a negative HL_ERR_* when the verifier
 * itself failed (temporary file, memory) — never a verdict then. */
int hl_verifier_run(hl_verifier *v, int fd, const hl_verify_opts *o, hl_verify_report *rep);

/* The outcome of comparing two verified exports of one line. Stations are
 * indexed as in the first file's report. */
typedef struct {
	int same_line;                /* 0: different lines, nothing else is set */
	int differ;                   /* 1: a seq held by both with different hashes */
	int differ_station;
	uint64_t differ_seq;
	uint8_t differ_hash[2][32];   /* in file 1, file 2 */
	/* lacks[f][s]: seqs of station s the other file holds and file f lacks,
	 * below its first and above its last (lo > hi when none). */
	struct {
		uint64_t lo, hi;
	} lacks[2][2][2];
	int identical;                /* both hold exactly the same entries */
} hl_verify_cmp;

/* Both verifiers must have run to a valid verdict. */
int hl_verify_compare(hl_verifier *v1, hl_verifier *v2, hl_verify_cmp *out);

#endif
