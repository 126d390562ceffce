/* err.c — names for the HL_ERR_* codes. */
#include "err.h"

const char *hl_strerror(int err)
{
	switch (err) {
	case HL_OK: return "success";
	case HL_ERR_NOMEM: return "out of memory";
	case HL_ERR_INVAL: return "invalid argument or malformed input";
	case HL_ERR_IO: return "input/output error";
	case HL_ERR_CRYPTO: return "cryptographic check failed";
	case HL_ERR_TRUNC: return "input truncated";
	case HL_ERR_TOOBIG: return "length over limit";
	case HL_ERR_PERM: return "file permissions too open";
	case HL_ERR_NOTFOUND: return "not found";
	case HL_ERR_STORE: return "store error";
	case HL_ERR_STATE: return "invalid state";
	case HL_ERR_NONCE: return "nonce exhausted";
	case HL_ERR_REPLAY: return "replayed handshake";
	case HL_ERR_SIG: return "bad signature";
	case HL_ERR_AUTHOR: return "wrong author or line";
	case HL_ERR_GAP: return "gap in sequence";
	case HL_ERR_PREV: return "previous hash does not match";
	case HL_ERR_PEERHASH: return "cross-link names an unknown entry";
	case HL_ERR_EQUIVOCATION: return "equivocation: two entries with one seq";
	case HL_ERR_STOPPED: return "line stopped";
	case HL_ERR_UNKNOWN_PEER: return "unknown peer";
	case HL_ERR_NONCANON: return "non-canonical encoding";
	case HL_ERR_UTF8: return "invalid UTF-8";
	case HL_ERR_CONFIG: return "configuration error";
	case HL_ERR_UNCONFIRMED: return "the peer has not yet confirmed this station's record (no HELLO since hotlined started)";
	case HL_ERR_XLINK_BACK: return "cross-link goes back (names fewer of our entries than the author's previous one)";
	default: return "unknown error";
	}
}
