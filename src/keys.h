/* keys.h — a station's identity: one secret seed, two derived key pairs
 * (Ed25519 to sign, X25519 for Noise), and the 64-byte public key people pin. */
#ifndef HL_KEYS_H
#define HL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define HL_SEED_LEN 32u
#define HL_PUBKEY_LEN 64u        /* ed25519 pub || x25519 pub */
#define HL_PUBKEY_B64_LEN 88u    /* base64 of 64 bytes, with padding */
#define HL_PSK_LEN 32u

typedef struct {
	uint8_t ed[32]; /* Ed25519 public key: signs entries, receipts, HELLO */
	uint8_t x[32];  /* X25519 public key: Noise static */
} hl_pubkey;

/* Secret material; always allocated with sodium_malloc, wiped on free. */
typedef struct {
	uint8_t seed[HL_SEED_LEN];
	uint8_t ed_sk[64];
	uint8_t x_sk[32];
	hl_pubkey pub;
} hl_identity;

int hl_keys_generate(hl_identity **out);
int hl_keys_from_seed(const uint8_t seed[HL_SEED_LEN], hl_identity **out);
void hl_keys_free(hl_identity *id);

/* Private key text: one line, base64 of the 32-byte seed. Parses exactly
 * that (trailing newline allowed), wipes temporaries. */
int hl_keys_parse_private(const char *text, size_t len, hl_identity **out);
/* Writes the private key line to fd. */
int hl_keys_write_private(int fd, const hl_identity *id);
/* Loads a key file; refuses (HL_ERR_PERM) a file readable or writable by
 * group or others, with the fix ("chmod 600 PATH") in err. */
int hl_keys_load_file(const char *path, hl_identity **out, char *err, size_t errlen);
/* A pre-shared key file: base64 of 32 bytes; same permission rule. */
int hl_keys_load_psk(const char *path, uint8_t psk[HL_PSK_LEN], char *err, size_t errlen);

/* Station public key string (base64, 88 chars + NUL). */
void hl_pubkey_encode(const hl_pubkey *pk, char out[HL_PUBKEY_B64_LEN + 1]);
int hl_pubkey_decode(const char *s, hl_pubkey *pk);
/* memcmp-style order of the 64-byte keys (used for line id and dial ties). */
int hl_pubkey_cmp(const hl_pubkey *a, const hl_pubkey *b);

#endif
