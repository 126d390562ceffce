/* noise.h — a generic Noise (rev 34) handshake-pattern engine for
 * 25519 / ChaChaPoly / BLAKE2b on libsodium, plus the transport CipherState. */
#ifndef HL_NOISE_H
#define HL_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define HL_NOISE_DHLEN   32u
#define HL_NOISE_HASHLEN 64u
#define HL_NOISE_KEYLEN  32u
#define HL_NOISE_MAX_PSKS 4u

/* One direction of a transport session (Noise CipherState). */
typedef struct {
	uint8_t k[HL_NOISE_KEYLEN];
	uint64_t n;
	int has_key;
} hl_noise_cipher;

typedef struct hl_noise_hs hl_noise_hs; /* HandshakeState, opaque, sodium_malloc'd */

/* Creates a handshake for a full protocol name such as
 * "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b" (any pattern in the spec's
 * tables §7.4, §7.5, §18 deferred, with psk modifiers; the legacy
 * "NoisePSK_" scheme is not supported: HL_ERR_INVAL).
 *   s_priv: our static private key, or NULL if the pattern needs none.
 *   rs_pub: the remote static public key when known in advance (pre-message).
 *   e_priv: a fixed ephemeral private key (test vectors only), NULL = random.
 *   psks:   npsk 32-byte keys used in order of the psk tokens; may be given
 *           later with hl_noise_hs_set_psks (a responder learns the peer first).
 * Copies what it needs; the caller may wipe its copies afterwards. */
int hl_noise_hs_new(hl_noise_hs **out, const char *protocol_name, int initiator,
		    const uint8_t *prologue, size_t prologue_len,
		    const uint8_t *s_priv, const uint8_t *rs_pub,
		    const uint8_t *e_priv, const uint8_t *psks, size_t npsk);
int hl_noise_hs_set_psks(hl_noise_hs *hs, const uint8_t *psks, size_t npsk);
void hl_noise_hs_free(hl_noise_hs *hs); /* wipes */

/* Writes the next handshake message (payload may be empty); *outlen set.
 * HL_ERR_STATE if it is not our turn, HL_ERR_TOOBIG if out is too small or
 * the message would exceed 65535 bytes. */
int hl_noise_hs_write(hl_noise_hs *hs, const uint8_t *payload, size_t payload_len,
		      uint8_t *out, size_t outcap, size_t *outlen);
/* Reads the next handshake message into payload; HL_ERR_CRYPTO on any
 * failure (bad tag, small-order key). After a failure the handshake is dead. */
int hl_noise_hs_read(hl_noise_hs *hs, const uint8_t *msg, size_t msg_len,
		     uint8_t *payload, size_t payload_cap, size_t *payload_len);
/* 1 when all handshake messages have been processed. */
int hl_noise_hs_done(const hl_noise_hs *hs);
/* 1 if the next message is ours to write. */
int hl_noise_hs_my_turn(const hl_noise_hs *hs);
/* Remote static public key once learned (or given); HL_ERR_STATE before. */
int hl_noise_hs_remote_static(const hl_noise_hs *hs, uint8_t out[HL_NOISE_DHLEN]);
/* Current handshake hash h (channel binding after the last message). */
void hl_noise_hs_hash(const hl_noise_hs *hs, uint8_t out[HL_NOISE_HASHLEN]);
/* After done: derives the transport ciphers. send/recv are from our point
 * of view (initiator sends with c1). */
int hl_noise_hs_split(hl_noise_hs *hs, hl_noise_cipher *send, hl_noise_cipher *recv);

/* Transport. out must hold ptlen + 16. Nonce increments only on success;
 * HL_ERR_NONCE once n reaches 2^64-1. AD may be NULL/0. */
int hl_noise_encrypt(hl_noise_cipher *c, const uint8_t *ad, size_t adlen,
		     const uint8_t *pt, size_t ptlen, uint8_t *out);
int hl_noise_decrypt(hl_noise_cipher *c, const uint8_t *ad, size_t adlen,
		     const uint8_t *ct, size_t ctlen, uint8_t *out);
/* Noise REKEY(k) (§4.2); does not reset n. */
int hl_noise_rekey(hl_noise_cipher *c);
void hl_noise_cipher_wipe(hl_noise_cipher *c);

/* X25519 public key from private (for tests and key handling). */
int hl_noise_dh_pub(const uint8_t priv[32], uint8_t pub[32]);

/* HMAC-BLAKE2b and the Noise HKDF on crypto_generichash (exposed for tests). */
void hl_hmac_blake2b(const uint8_t *key, size_t keylen, const uint8_t *data, size_t datalen,
		     uint8_t out[64]);
void hl_noise_hkdf(const uint8_t ck[64], const uint8_t *ikm, size_t ikmlen, int nout,
		   uint8_t out1[64], uint8_t out2[64], uint8_t out3[64]);

#endif
