/* err.h — the project's error codes: every module returns 0 or one of these. */
#ifndef HL_ERR_H
#define HL_ERR_H

enum {
	HL_OK = 0,
	HL_ERR_NOMEM = -1,      /* allocation failed */
	HL_ERR_INVAL = -2,      /* bad argument or malformed input */
	HL_ERR_IO = -3,         /* read/write/open failed (see errno) */
	HL_ERR_CRYPTO = -4,     /* a crypto primitive failed (bad key, forgery) */
	HL_ERR_TRUNC = -5,      /* input ended early */
	HL_ERR_TOOBIG = -6,     /* a length is over its limit */
	HL_ERR_PERM = -7,       /* file permissions too loose */
	HL_ERR_NOTFOUND = -8,   /* no such entry/peer/record */
	HL_ERR_STORE = -9,      /* the database failed */
	HL_ERR_STATE = -10,     /* call not valid in this state */
	HL_ERR_NONCE = -11,     /* cipher nonce exhausted */
	HL_ERR_REPLAY = -12,    /* handshake timestamp not newer than the last */
	HL_ERR_SIG = -13,       /* signature does not verify */
	HL_ERR_AUTHOR = -14,    /* entry not by the expected author / line */
	HL_ERR_GAP = -15,       /* seq beyond last + 1: ask for a resend */
	HL_ERR_PREV = -16,      /* prev hash does not match the author's chain */
	HL_ERR_PEERHASH = -17,  /* cross-link names an entry we do not hold */
	HL_ERR_EQUIVOCATION = -18, /* same author and seq, different bytes */
	HL_ERR_STOPPED = -19,   /* line stopped (after equivocation) */
	HL_ERR_UNKNOWN_PEER = -20, /* key not pinned */
	HL_ERR_NONCANON = -21,  /* encoding valid but not the canonical one */
	HL_ERR_UTF8 = -22,      /* text is not valid UTF-8 */
	HL_ERR_CONFIG = -23,    /* configuration error */
	HL_ERR_XLINK_BACK = -24, /* cross-link names fewer of ours than the author's last */
	HL_ERR_UNCONFIRMED = -25, /* not signed: the peer's HELLO has not yet confirmed our record */
	HL_ERR_LAST = -26
};

/* A short, constant, human-readable description of an HL_ERR_* code. */
const char *hl_strerror(int err);

#endif
