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
/* As hl_keys_load_file; an encrypted key file (below) is opened with pass
 * (which may be NULL for a plain one: then an encrypted file is refused with
 * HL_ERR_STATE, "a passphrase is needed"). Wrong passphrase: HL_ERR_CRYPTO. */
int hl_keys_load_file_pw(const char *path, const char *pass, size_t passlen, hl_identity **out,
			 char *err, size_t errlen);
/* 1 if the key file (same permission rules) holds an encrypted key, 0 if a
 * plain one (or anything else), negative with err on failure to read it. */
int hl_keys_file_is_encrypted(const char *path, char *err, size_t errlen);

/* ---- Passphrase-encrypted private keys ----
 * One line: HL_KEYS_ENC_MAGIC, a space, base64 (original, padded; 140
 * characters) of salt 16 | opslimit u64 | memlimit u64 | nonce 24 |
 * XChaCha20-Poly1305(seed 32) with its 16-byte tag; integers big-endian. The
 * key is Argon2id13(passphrase, salt, opslimit, memlimit); the associated
 * data is the magic followed by the header (salt .. nonce), so every byte of
 * the file is authenticated. The parameters travel in the file, so a key can
 * be rewritten with stronger ones later. */
#define HL_KEYS_ENC_MAGIC "hotline-encrypted-key-v1"
#define HL_PASSPHRASE_MAX 1024u                      /* bytes */
#define HL_KEYS_PWHASH_OPS_MIN 2u                    /* = OPSLIMIT_INTERACTIVE */
#define HL_KEYS_PWHASH_MEM_MIN (64u * 1024u * 1024u) /* = MEMLIMIT_INTERACTIVE */
#define HL_KEYS_PWHASH_OPS_MAX 16u                   /* refuse planted DoS params */
#define HL_KEYS_PWHASH_MEM_MAX (1024u * 1024u * 1024u)
/* What `hotline keygen --passphrase` writes: MODERATE (about 0.7 s and 256 MiB once per start). */
#define HL_KEYS_PWHASH_OPS_DEFAULT 3u
#define HL_KEYS_PWHASH_MEM_DEFAULT (256u * 1024u * 1024u)

/* 1 if text starts like an encrypted key (magic and a space). */
int hl_keys_is_encrypted(const char *text, size_t len);
/* Writes the encrypted key line for id to fd; parameters within the limits. */
int hl_keys_write_private_encrypted(int fd, const hl_identity *id, const char *pass,
				    size_t passlen, uint64_t opslimit, uint64_t memlimit);
/* Opens an encrypted key line. Errors, with one line in err: HL_ERR_INVAL
 * malformed or parameters too weak, HL_ERR_TOOBIG parameters beyond the
 * limits (checked before any work), HL_ERR_CRYPTO wrong passphrase or
 * altered file, HL_ERR_NOMEM. */
int hl_keys_parse_private_encrypted(const char *text, size_t len, const char *pass, size_t passlen,
				    hl_identity **out, char *err, size_t errlen);

/* ---- H6: the encrypted key line parsed without the key derivation ----
 * (added for tests/fuzz/fuzz_keyfile.c: Argon2id at the smallest cost the
 * reader accepts, 64 MiB, would leave a fuzzer a few runs a second.) */
typedef struct {
	uint8_t salt[16];
	uint64_t opslimit;
	uint64_t memlimit;
	uint8_t nonce[24];
	uint8_t sealed[32 + 16]; /* the seed under XChaCha20-Poly1305, with its tag */
} hl_keys_enc_fields;
/* Everything hl_keys_parse_private_encrypted checks before it derives a key,
 * with its errors and err line: the magic, the one canonical base64 of the
 * 104 bytes (one newline may follow), the parameters within the limits. No
 * passphrase, no work beyond parsing; out is cleared unless it returns 0. */
int hl_keys_parse_encrypted_fields(const char *text, size_t len, hl_keys_enc_fields *out,
				   char *err, size_t errlen);

/* A pre-shared key file: base64 of 32 bytes; same permission rule. */
int hl_keys_load_psk(const char *path, uint8_t psk[HL_PSK_LEN], char *err, size_t errlen);

/* Station public key string (base64, 88 chars + NUL). */
void hl_pubkey_encode(const hl_pubkey *pk, char out[HL_PUBKEY_B64_LEN + 1]);
int hl_pubkey_decode(const char *s, hl_pubkey *pk);
/* memcmp-style order of the 64-byte keys (used for line id and dial ties). */
int hl_pubkey_cmp(const hl_pubkey *a, const hl_pubkey *b);

#endif
