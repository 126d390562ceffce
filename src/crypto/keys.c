/* keys.c — station identity: derive the Ed25519 and X25519 pairs from one seed,
 * read and write private key files (plain or passphrase-encrypted) and
 * pre-shared key files, encode the public key. */
#include "keys.h"
#include "util/buf.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* BLAKE2b personalisation is exactly 16 bytes; the arrays are 17 only so the
 * literals keep their NUL. "hotline-sign-v1" is 15 characters, so its 16th
 * byte is the terminating NUL. */
static const unsigned char PERS_SIGN[17] = "hotline-sign-v1";
static const unsigned char PERS_NOISE[17] = "hotline-noise-v1";

#define KEYFILE_MAX 4096u
/* base64 (original variant, padded) of 32 bytes: 44 characters */
#define B64_32_LEN 44u

/* Encrypted key: header (salt | opslimit | memlimit | nonce), then the
 * sealed seed; the base64 of all 104 bytes is 140 characters. */
#define ENC_SALT_LEN crypto_pwhash_SALTBYTES
#define ENC_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ENC_HDR_LEN (ENC_SALT_LEN + 8u + 8u + ENC_NONCE_LEN)
#define ENC_CT_LEN (HL_SEED_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define ENC_BLOB_LEN (ENC_HDR_LEN + ENC_CT_LEN)
#define ENC_B64_LEN 140u
#define ENC_MAGIC_LEN (sizeof HL_KEYS_ENC_MAGIC - 1)
_Static_assert(ENC_BLOB_LEN == 104u, "encrypted key layout");
_Static_assert(ENC_B64_LEN + 1 == sodium_base64_ENCODED_LEN(ENC_BLOB_LEN,
							   sodium_base64_VARIANT_ORIGINAL),
	       "encrypted key base64 length");

static int derive(uint8_t out[32], const uint8_t seed[HL_SEED_LEN], const unsigned char *pers)
{
	if (crypto_generichash_blake2b_salt_personal(out, 32, NULL, 0, seed, HL_SEED_LEN,
						     NULL, pers) != 0)
		return HL_ERR_CRYPTO;
	return 0;
}

int hl_keys_from_seed(const uint8_t seed[HL_SEED_LEN], hl_identity **out)
{
	hl_identity *id = NULL;
	uint8_t ed_seed[32];
	int rc = HL_ERR_CRYPTO;

	*out = NULL;
	if (sodium_init() < 0)
		return HL_ERR_CRYPTO;
	id = sodium_malloc(sizeof *id);
	if (!id)
		return HL_ERR_NOMEM;
	memcpy(id->seed, seed, HL_SEED_LEN);
	if (derive(ed_seed, id->seed, PERS_SIGN) < 0)
		goto out;
	if (crypto_sign_ed25519_seed_keypair(id->pub.ed, id->ed_sk, ed_seed) != 0)
		goto out;
	if (derive(id->x_sk, id->seed, PERS_NOISE) < 0)
		goto out;
	if (crypto_scalarmult_base(id->pub.x, id->x_sk) != 0)
		goto out;
	*out = id;
	id = NULL;
	rc = 0;
out:
	sodium_memzero(ed_seed, sizeof ed_seed);
	hl_keys_free(id);
	return rc;
}

int hl_keys_generate(hl_identity **out)
{
	uint8_t seed[HL_SEED_LEN];
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return HL_ERR_CRYPTO;
	randombytes_buf(seed, sizeof seed);
	rc = hl_keys_from_seed(seed, out);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

void hl_keys_free(hl_identity *id)
{
	if (!id)
		return;
	sodium_memzero(id, sizeof *id);
	sodium_free(id);
}

/* 1 if text[0..len) is exactly what the encoder gives for bin. libsodium
 * 1.0.18's decoder takes every byte 0x80..0xFF for '/' (found by
 * tests/fuzz/fuzz_keys.c), so a successful decode alone does not make the
 * text canonical. Constant time: the text may be a private key. */
static int b64_canonical(const uint8_t *bin, size_t bin_len, const char *text, size_t len)
{
	char back[ENC_B64_LEN + 1];
	int ok;

	if (bin_len > ENC_BLOB_LEN ||
	    sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL) != len + 1)
		return 0;
	sodium_bin2base64(back, sizeof back, bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
	ok = sodium_memcmp(back, text, len) == 0;
	sodium_memzero(back, sizeof back);
	return ok;
}

/* Exactly 44 base64 characters (optionally one "\n") decoding to 32 bytes,
 * in the one canonical spelling (no stray bytes, no leftover bits). */
static int decode_b64_32(const char *text, size_t len, uint8_t out[32])
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (len == B64_32_LEN + 1 && text[B64_32_LEN] == '\n')
		len--;
	if (len != B64_32_LEN || memchr(text, '\0', len))
		return HL_ERR_INVAL;
	if (sodium_base642bin(out, 32, text, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != 32 || end != text + len || !b64_canonical(out, 32, text, len)) {
		sodium_memzero(out, 32);
		return HL_ERR_INVAL;
	}
	return 0;
}

int hl_keys_parse_private(const char *text, size_t len, hl_identity **out)
{
	uint8_t seed[HL_SEED_LEN];
	int rc;

	*out = NULL;
	if (!text)
		return HL_ERR_INVAL;
	rc = decode_b64_32(text, len, seed);
	if (rc == 0)
		rc = hl_keys_from_seed(seed, out);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return HL_ERR_IO; /* 0 would otherwise spin for ever */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hl_keys_write_private(int fd, const hl_identity *id)
{
	char line[B64_32_LEN + 2];
	int rc;

	if (!id || fd < 0)
		return HL_ERR_INVAL;
	sodium_bin2base64(line, sizeof line, id->seed, HL_SEED_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	line[B64_32_LEN] = '\n';
	line[B64_32_LEN + 1] = '\0';
	rc = write_all(fd, line, B64_32_LEN + 1);
	sodium_memzero(line, sizeof line);
	return rc;
}

/* Opens a secret file without following a final symlink (and without blocking
 * on a FIFO), checks it is a regular file nobody else can read or write, and
 * reads at most KEYFILE_MAX bytes into buf (KEYFILE_MAX + 1 bytes). */
static int read_secret_file(const char *path, char *buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	int fd, rc = HL_ERR_IO;

	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP) {
			snprintf(err, errlen, "%s: is a symbolic link; refusing to follow it",
				 path);
			return HL_ERR_PERM;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		rc = HL_ERR_INVAL;
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: permissions %04o are too open; run: chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		rc = HL_ERR_PERM;
		goto out;
	}
	/* One byte more than allowed, to tell "exactly full" from "too long". */
	while (n < KEYFILE_MAX + 1) {
		ssize_t r = read(fd, buf + n, KEYFILE_MAX + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: file too large for a key", path);
		rc = HL_ERR_TOOBIG;
		goto out;
	}
	*len = n;
	rc = 0;
out:
	close(fd);
	return rc;
}

int hl_keys_load_file(const char *path, hl_identity **out, char *err, size_t errlen)
{
	return hl_keys_load_file_pw(path, NULL, 0, out, err, errlen);
}

int hl_keys_load_file_pw(const char *path, const char *pass, size_t passlen, hl_identity **out,
			 char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 1];
	char why[200] = "";
	size_t len = 0;
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!path)
		return HL_ERR_INVAL;
	rc = read_secret_file(path, buf, &len, err, errlen);
	if (rc == 0 && hl_keys_is_encrypted(buf, len)) {
		if (!pass) {
			snprintf(err, errlen, "%s: the key is encrypted; a passphrase is needed", path);
			rc = HL_ERR_STATE;
		} else {
			rc = hl_keys_parse_private_encrypted(buf, len, pass, passlen, out, why,
							     sizeof why);
			if (rc < 0)
				snprintf(err, errlen, "%s: %s", path, why);
		}
	} else if (rc == 0) {
		rc = hl_keys_parse_private(buf, len, out);
		if (rc == HL_ERR_INVAL)
			snprintf(err, errlen, "%s: not a hotline private key", path);
		else if (rc < 0)
			snprintf(err, errlen, "%s: %s", path, hl_strerror(rc));
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int hl_keys_file_is_encrypted(const char *path, char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 1];
	size_t len = 0;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (!path)
		return HL_ERR_INVAL;
	rc = read_secret_file(path, buf, &len, err, errlen);
	if (rc == 0)
		rc = hl_keys_is_encrypted(buf, len);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int hl_keys_load_psk(const char *path, uint8_t psk[HL_PSK_LEN], char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 1];
	size_t len = 0;
	int rc;

	sodium_memzero(psk, HL_PSK_LEN);
	if (errlen)
		err[0] = '\0';
	if (!path)
		return HL_ERR_INVAL;
	rc = read_secret_file(path, buf, &len, err, errlen);
	if (rc == 0) {
		rc = decode_b64_32(buf, len, psk);
		if (rc < 0)
			snprintf(err, errlen,
				 "%s: not a pre-shared key (want base64 of 32 bytes)", path);
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

void hl_pubkey_encode(const hl_pubkey *pk, char out[HL_PUBKEY_B64_LEN + 1])
{
	uint8_t raw[HL_PUBKEY_LEN];

	memcpy(raw, pk->ed, 32);
	memcpy(raw + 32, pk->x, 32);
	sodium_bin2base64(out, HL_PUBKEY_B64_LEN + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
}

/* A peer key we pin must be usable: the Ed25519 half a canonical point in the
 * prime-order subgroup, the X25519 half not of small order (libsodium's
 * scalarmult refuses those, which is the check we borrow). */
static int x25519_ok(const uint8_t x[32])
{
	static const uint8_t probe[32] = { 9 };
	uint8_t q[32];
	int ok;

	ok = crypto_scalarmult(q, probe, x) == 0;
	sodium_memzero(q, sizeof q);
	return ok;
}

int hl_pubkey_decode(const char *s, hl_pubkey *pk)
{
	uint8_t raw[HL_PUBKEY_LEN];
	size_t bin_len = 0;
	const char *end = NULL;

	memset(pk, 0, sizeof *pk);
	if (!s || strnlen(s, HL_PUBKEY_B64_LEN + 1) != HL_PUBKEY_B64_LEN)
		return HL_ERR_INVAL;
	if (sodium_init() < 0)
		return HL_ERR_CRYPTO;
	if (sodium_base642bin(raw, sizeof raw, s, HL_PUBKEY_B64_LEN, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != HL_PUBKEY_LEN || end != s + HL_PUBKEY_B64_LEN ||
	    !b64_canonical(raw, sizeof raw, s, HL_PUBKEY_B64_LEN))
		return HL_ERR_INVAL;
	if (!crypto_core_ed25519_is_valid_point(raw) || !x25519_ok(raw + 32))
		return HL_ERR_CRYPTO;
	memcpy(pk->ed, raw, 32);
	memcpy(pk->x, raw + 32, 32);
	return 0;
}

int hl_pubkey_cmp(const hl_pubkey *a, const hl_pubkey *b)
{
	int c = memcmp(a->ed, b->ed, sizeof a->ed);

	if (c == 0)
		c = memcmp(a->x, b->x, sizeof a->x);
	return c < 0 ? -1 : c > 0;
}

/* ---- Passphrase-encrypted private keys ---- */

int hl_keys_is_encrypted(const char *text, size_t len)
{
	return text && len > ENC_MAGIC_LEN && memcmp(text, HL_KEYS_ENC_MAGIC, ENC_MAGIC_LEN) == 0 &&
	       text[ENC_MAGIC_LEN] == ' ';
}

/* The associated data: the magic (so a later format cannot be passed off as
 * this one) and the header bytes, which therefore cannot change undetected. */
static void enc_ad(uint8_t ad[ENC_MAGIC_LEN + ENC_HDR_LEN], const uint8_t hdr[ENC_HDR_LEN])
{
	memcpy(ad, HL_KEYS_ENC_MAGIC, ENC_MAGIC_LEN);
	memcpy(ad + ENC_MAGIC_LEN, hdr, ENC_HDR_LEN);
}

/* Argon2id13 of the passphrase into a 32-byte key in locked memory. */
static int enc_derive(uint8_t **key, const char *pass, size_t passlen, const uint8_t *salt,
		      uint64_t ops, uint64_t mem)
{
	*key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (!*key)
		return HL_ERR_NOMEM;
	if (crypto_pwhash(*key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, passlen, salt,
			  (unsigned long long)ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		/* Only when the memory cannot be had: the limits are checked. */
		sodium_free(*key);
		*key = NULL;
		return HL_ERR_NOMEM;
	}
	return 0;
}

static int params_ok(uint64_t ops, uint64_t mem, char *err, size_t errlen)
{
	if (ops < HL_KEYS_PWHASH_OPS_MIN || mem < HL_KEYS_PWHASH_MEM_MIN) {
		snprintf(err, errlen, "key derivation parameters too weak (opslimit %llu, memlimit %llu; "
			 "at least %u and %u)", (unsigned long long)ops, (unsigned long long)mem,
			 HL_KEYS_PWHASH_OPS_MIN, HL_KEYS_PWHASH_MEM_MIN);
		return HL_ERR_INVAL;
	}
	if (ops > HL_KEYS_PWHASH_OPS_MAX || mem > HL_KEYS_PWHASH_MEM_MAX) {
		snprintf(err, errlen, "key derivation parameters beyond the limits (opslimit %llu, "
			 "memlimit %llu; at most %u and %u); refusing to spend that",
			 (unsigned long long)ops, (unsigned long long)mem, HL_KEYS_PWHASH_OPS_MAX,
			 HL_KEYS_PWHASH_MEM_MAX);
		return HL_ERR_TOOBIG;
	}
	return 0;
}

int hl_keys_write_private_encrypted(int fd, const hl_identity *id, const char *pass,
				    size_t passlen, uint64_t opslimit, uint64_t memlimit)
{
	uint8_t blob[ENC_BLOB_LEN];
	uint8_t ad[ENC_MAGIC_LEN + ENC_HDR_LEN];
	char line[ENC_MAGIC_LEN + 1 + ENC_B64_LEN + 2];
	char why[200];
	uint8_t *key = NULL;
	unsigned long long ct_len = 0;
	int rc;

	if (!id || fd < 0 || !pass || passlen == 0 || passlen > HL_PASSPHRASE_MAX)
		return HL_ERR_INVAL;
	rc = params_ok(opslimit, memlimit, why, sizeof why);
	if (rc < 0)
		return rc;
	if (sodium_init() < 0)
		return HL_ERR_CRYPTO;
	randombytes_buf(blob, ENC_SALT_LEN);
	hl_be64_put(blob + ENC_SALT_LEN, opslimit);
	hl_be64_put(blob + ENC_SALT_LEN + 8, memlimit);
	randombytes_buf(blob + ENC_SALT_LEN + 16, ENC_NONCE_LEN);
	rc = enc_derive(&key, pass, passlen, blob, opslimit, memlimit);
	if (rc < 0)
		return rc;
	enc_ad(ad, blob);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(blob + ENC_HDR_LEN, &ct_len, id->seed,
						       HL_SEED_LEN, ad, sizeof ad, NULL,
						       blob + ENC_SALT_LEN + 16, key) != 0 ||
	    ct_len != ENC_CT_LEN) {
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	memcpy(line, HL_KEYS_ENC_MAGIC " ", ENC_MAGIC_LEN + 1);
	sodium_bin2base64(line + ENC_MAGIC_LEN + 1, ENC_B64_LEN + 1, blob, sizeof blob,
			  sodium_base64_VARIANT_ORIGINAL);
	line[ENC_MAGIC_LEN + 1 + ENC_B64_LEN] = '\n';
	rc = write_all(fd, line, ENC_MAGIC_LEN + 1 + ENC_B64_LEN + 1);
out:
	sodium_free(key); /* sodium_free wipes */
	sodium_memzero(blob, sizeof blob);
	return rc;
}

/* ---- H6: parsing split from the key derivation (hl_keys_parse_encrypted_fields) ---- */

_Static_assert(sizeof ((hl_keys_enc_fields *)0)->salt == ENC_SALT_LEN &&
	       sizeof ((hl_keys_enc_fields *)0)->nonce == ENC_NONCE_LEN &&
	       sizeof ((hl_keys_enc_fields *)0)->sealed == ENC_CT_LEN, "hl_keys_enc_fields layout");

/* The 104 bytes of an encrypted key line, checked as far as can be without
 * the passphrase. 0, or HL_ERR_INVAL / HL_ERR_TOOBIG with err set. */
static int enc_parse(const char *text, size_t len, uint8_t blob[ENC_BLOB_LEN], char *err,
		     size_t errlen)
{
	const char *b64, *end = NULL;
	size_t bin_len = 0, n;
	int rc;

	if (!hl_keys_is_encrypted(text, len))
		goto bad;
	b64 = text + ENC_MAGIC_LEN + 1;
	n = len - ENC_MAGIC_LEN - 1;
	if (n == ENC_B64_LEN + 1 && b64[ENC_B64_LEN] == '\n')
		n--;
	if (n != ENC_B64_LEN || memchr(b64, '\0', n) ||
	    sodium_base642bin(blob, ENC_BLOB_LEN, b64, n, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != ENC_BLOB_LEN || end != b64 + n || !b64_canonical(blob, bin_len, b64, n))
		goto bad;
	/* Before any work: a planted file must not make us spend a day or 1 TiB. */
	rc = params_ok(hl_be64_get(blob + ENC_SALT_LEN), hl_be64_get(blob + ENC_SALT_LEN + 8), err,
		       errlen);
	if (rc < 0)
		sodium_memzero(blob, ENC_BLOB_LEN);
	return rc;
bad:
	sodium_memzero(blob, ENC_BLOB_LEN);
	snprintf(err, errlen, "not a hotline encrypted private key (damaged?)");
	return HL_ERR_INVAL;
}

int hl_keys_parse_encrypted_fields(const char *text, size_t len, hl_keys_enc_fields *out,
				   char *err, size_t errlen)
{
	uint8_t blob[ENC_BLOB_LEN];
	int rc;

	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = '\0';
	rc = enc_parse(text, len, blob, err, errlen);
	if (rc == 0) {
		memcpy(out->salt, blob, ENC_SALT_LEN);
		out->opslimit = hl_be64_get(blob + ENC_SALT_LEN);
		out->memlimit = hl_be64_get(blob + ENC_SALT_LEN + 8);
		memcpy(out->nonce, blob + ENC_SALT_LEN + 16, ENC_NONCE_LEN);
		memcpy(out->sealed, blob + ENC_HDR_LEN, ENC_CT_LEN);
	}
	sodium_memzero(blob, sizeof blob);
	return rc;
}

/* ---- end H6 parsing split ---- */

int hl_keys_parse_private_encrypted(const char *text, size_t len, const char *pass, size_t passlen,
				    hl_identity **out, char *err, size_t errlen)
{
	uint8_t blob[ENC_BLOB_LEN];
	uint8_t ad[ENC_MAGIC_LEN + ENC_HDR_LEN];
	uint8_t *key = NULL, *seed = NULL;
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!pass || passlen == 0 || passlen > HL_PASSPHRASE_MAX) {
		snprintf(err, errlen, "no usable passphrase (1 to %u bytes)", HL_PASSPHRASE_MAX);
		return HL_ERR_INVAL;
	}
	rc = enc_parse(text, len, blob, err, errlen);
	if (rc < 0)
		goto out;
	if (sodium_init() < 0) {
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	rc = enc_derive(&key, pass, passlen, blob, hl_be64_get(blob + ENC_SALT_LEN),
			hl_be64_get(blob + ENC_SALT_LEN + 8));
	if (rc < 0) {
		snprintf(err, errlen, "cannot derive the key: %s", hl_strerror(rc));
		goto out;
	}
	seed = sodium_malloc(HL_SEED_LEN);
	if (!seed) {
		rc = HL_ERR_NOMEM;
		goto out;
	}
	enc_ad(ad, blob);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed, NULL, NULL, blob + ENC_HDR_LEN,
						       ENC_CT_LEN, ad, sizeof ad,
						       blob + ENC_SALT_LEN + 16, key) != 0) {
		/* Poly1305 cannot tell the two apart, so neither can we. */
		snprintf(err, errlen, "wrong passphrase (or the key file was altered)");
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	rc = hl_keys_from_seed(seed, out);
	if (rc < 0)
		snprintf(err, errlen, "%s", hl_strerror(rc));
out:
	sodium_free(key);
	sodium_free(seed);
	sodium_memzero(blob, sizeof blob);
	return rc;
}
