/* wire.h — hotline's bytes on the TCP stream: 2-byte length-prefixed Noise
 * frames, the records inside transport messages (type u8 | length u32 | body),
 * and the fixed record bodies (HELLO, PING/PONG, WANT). See docs/PROTOCOL.md. */
#ifndef HL_WIRE_H
#define HL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/keys.h"

#define HL_PROLOGUE "hotline/1"
#define HL_PROTO_IK "Noise_IK_25519_ChaChaPoly_BLAKE2b"
#define HL_PROTO_IKPSK2 "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b"

enum hl_record_type {
	HL_REC_HELLO = 1,
	HL_REC_ENTRY = 2,
	HL_REC_RECEIPT = 3,
	HL_REC_PING = 4,
	HL_REC_PONG = 5,
	HL_REC_BLOB = 6,
	HL_REC_WANT = 7,
	HL_REC_BLOB_WANT = 8
};

/* Frame reassembly: feed stream bytes, take whole frames. Holds at most one
 * frame plus one read's worth; a length of 0 is refused. */
typedef struct {
	hl_buf in;
} hl_framer;

void hl_framer_init(hl_framer *f);
void hl_framer_free(hl_framer *f);
int hl_framer_feed(hl_framer *f, const uint8_t *p, size_t n);
/* 1 and (*msg,*len) set if a whole frame is buffered; 0 if not yet;
 * HL_ERR_INVAL for a zero length. The frame stays valid until hl_framer_pop. */
int hl_framer_next(hl_framer *f, const uint8_t **msg, size_t *len);
void hl_framer_pop(hl_framer *f);

/* Appends one record to a plaintext batch. */
int hl_record_put(hl_buf *out, uint8_t type, const uint8_t *body, size_t len);
/* Takes the next record from a decrypted transport message. HL_ERR_TRUNC /
 * HL_ERR_TOOBIG on a malformed one; 0 with *type set otherwise; 1 at the end. */
int hl_record_next(hl_rd *r, uint8_t *type, const uint8_t **body, size_t *len);

/* HELLO (version 2): binds the session to the signing identity, says where
 * to resume and which path the connection is. */
#define HL_HELLO_VERSION 2
#define HL_HELLO_LEN (1 + 1 + 1 + 8 + 32 + 8 + 32 + 64)
#define HL_HELLO_NO_PATH 255     /* path of a responder's HELLO */
typedef struct {
	uint8_t role;            /* 0 sent by initiator, 1 by responder */
	uint8_t path;            /* initiator: index of the Endpoint it dialled
	                          * (< HL_MAX_ENDPOINTS); responder: HL_HELLO_NO_PATH */
	uint64_t my_seq;         /* sender's newest own entry */
	uint8_t my_hash[32];
	uint64_t your_seq;       /* newest entry of the receiver the sender stored */
	uint8_t your_hash[32];
	uint8_t sig[64];         /* over prefix || handshake hash || fields above */
} hl_hello;

int hl_hello_sign(hl_hello *h, const uint8_t hs_hash[64], const hl_identity *id);
int hl_hello_verify(const hl_hello *h, const uint8_t hs_hash[64], const uint8_t ed_pub[32]);
void hl_hello_encode(const hl_hello *h, uint8_t out[HL_HELLO_LEN]);
/* HL_ERR_INVAL for a malformed HELLO, HL_ERR_VERSION for one of another
 * version (an older station: version 1 had no path). */
int hl_hello_decode(const uint8_t *p, size_t len, hl_hello *h);

/* PING: sender's monotonic ms (echoed) and wall clock ms; PONG echoes the
 * first and adds the answerer's wall clock. Both 16 bytes. */
#define HL_PING_LEN 16
/* WANT: resend from this seq (u64). */
#define HL_WANT_LEN 8
/* BLOB_WANT: content hash (32) | offset (u64): "send this blob from offset"
 * (offset = size: "I hold it all, stop"). BLOB: hash (32) | offset (u64) |
 * 1.. bytes of the content from offset. */
#define HL_BLOB_WANT_LEN 40
#define HL_BLOB_HDR 40

/* TAI64N label of the current time (12 bytes) for handshake message 1. */
void hl_tai64n_now(uint8_t out[12]);

#endif
