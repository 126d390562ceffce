/* noise.c — Noise rev 34 for 25519/ChaChaPoly/BLAKE2b on libsodium: CipherState,
 * SymmetricState (HMAC/HKDF on BLAKE2b) and a HandshakeState that runs any parsed pattern. */
#include "noise.h"
#include "noise_pattern.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

#include <sodium.h>
#include <string.h>

#define BLAKE2B_BLOCKLEN 128u
#define TAGLEN crypto_aead_chacha20poly1305_ietf_ABYTES

struct hl_noise_hs {
	struct hl_noise_pattern pat;
	uint8_t ck[HL_NOISE_HASHLEN];
	uint8_t h[HL_NOISE_HASHLEN];
	hl_noise_cipher cs;
	uint8_t s_priv[HL_NOISE_DHLEN], s_pub[HL_NOISE_DHLEN];
	uint8_t e_priv[HL_NOISE_DHLEN], e_pub[HL_NOISE_DHLEN];
	uint8_t rs[HL_NOISE_DHLEN], re[HL_NOISE_DHLEN];
	uint8_t psks[HL_NOISE_MAX_PSKS][HL_NOISE_KEYLEN];
	uint8_t has_s, has_e, has_rs, has_re;
	uint8_t fixed_e;    /* e_priv was injected (test vectors) */
	uint8_t psks_set;
	uint8_t psk_next;   /* index of the psk the next psk token uses */
	uint8_t initiator;
	uint8_t failed;     /* any error mid-message kills the handshake */
	uint8_t msg;        /* index of the next handshake message */
};

/* ---- hash, HMAC, HKDF ---- */

/* crypto_generichash_* only fail on out-of-range lengths; every length here is a
 * constant within range, so their results carry no information. */
static void hash_parts(uint8_t out[HL_NOISE_HASHLEN], const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen)
{
	crypto_generichash_state st;

	(void)crypto_generichash_init(&st, NULL, 0, HL_NOISE_HASHLEN);
	if (alen)
		(void)crypto_generichash_update(&st, a, alen);
	if (blen)
		(void)crypto_generichash_update(&st, b, blen);
	(void)crypto_generichash_final(&st, out, HL_NOISE_HASHLEN);
	sodium_memzero(&st, sizeof(st));
}

/* HMAC (RFC 2104) over BLAKE2b with its 128-byte block; data is d1 || d2. */
static void hmac_parts(const uint8_t *key, size_t keylen, const uint8_t *d1, size_t l1,
		       const uint8_t *d2, size_t l2, uint8_t out[HL_NOISE_HASHLEN])
{
	uint8_t k[BLAKE2B_BLOCKLEN], pad[BLAKE2B_BLOCKLEN], inner[HL_NOISE_HASHLEN];
	crypto_generichash_state st;

	memset(k, 0, sizeof(k));
	if (keylen > BLAKE2B_BLOCKLEN)
		hash_parts(k, key, keylen, NULL, 0);
	else if (keylen)
		memcpy(k, key, keylen);

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)(k[i] ^ 0x36);
	(void)crypto_generichash_init(&st, NULL, 0, HL_NOISE_HASHLEN);
	(void)crypto_generichash_update(&st, pad, sizeof(pad));
	if (l1)
		(void)crypto_generichash_update(&st, d1, l1);
	if (l2)
		(void)crypto_generichash_update(&st, d2, l2);
	(void)crypto_generichash_final(&st, inner, sizeof(inner));

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)(k[i] ^ 0x5c);
	(void)crypto_generichash_init(&st, NULL, 0, HL_NOISE_HASHLEN);
	(void)crypto_generichash_update(&st, pad, sizeof(pad));
	(void)crypto_generichash_update(&st, inner, sizeof(inner));
	(void)crypto_generichash_final(&st, out, HL_NOISE_HASHLEN);

	sodium_memzero(&st, sizeof(st));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void hl_hmac_blake2b(const uint8_t *key, size_t keylen, const uint8_t *data, size_t datalen,
		     uint8_t out[64])
{
	hmac_parts(key, keylen, data, datalen, NULL, 0, out);
}

/* Noise §4.3 HKDF; nout is 2 or 3 (out3 may be NULL for 2). ikm may be empty. */
void hl_noise_hkdf(const uint8_t ck[64], const uint8_t *ikm, size_t ikmlen, int nout,
		   uint8_t out1[64], uint8_t out2[64], uint8_t out3[64])
{
	uint8_t tk[HL_NOISE_HASHLEN];
	const uint8_t b1 = 1, b2 = 2, b3 = 3;

	hmac_parts(ck, HL_NOISE_HASHLEN, ikm, ikmlen, NULL, 0, tk);
	hmac_parts(tk, sizeof(tk), &b1, 1, NULL, 0, out1);
	hmac_parts(tk, sizeof(tk), out1, HL_NOISE_HASHLEN, &b2, 1, out2);
	if (nout >= 3 && out3)
		hmac_parts(tk, sizeof(tk), out2, HL_NOISE_HASHLEN, &b3, 1, out3);
	sodium_memzero(tk, sizeof(tk));
}

/* ---- CipherState ---- */

/* ChaChaPoly nonce (§12.3): 32 zero bits, then n little-endian. */
static void make_nonce(uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES], uint64_t n)
{
	memset(npub, 0, 4);
	for (int i = 0; i < 8; i++)
		npub[4 + i] = (uint8_t)(n >> (8 * i));
}

static void cipher_init(hl_noise_cipher *c, const uint8_t *k)
{
	memcpy(c->k, k, HL_NOISE_KEYLEN);
	c->n = 0;
	c->has_key = 1;
}

/* Raw ENCRYPT/DECRYPT at the current n; the caller advances n on success only. */
static int aead_enc(const hl_noise_cipher *c, uint64_t n, const uint8_t *ad, size_t adlen,
		    const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

	make_nonce(npub, n);
	if (crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, ptlen, ad, adlen, NULL,
						      npub, c->k) != 0)
		return HL_ERR_CRYPTO;
	return 0;
}

static int aead_dec(const hl_noise_cipher *c, const uint8_t *ad, size_t adlen,
		    const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	uint8_t dummy[1];

	if (ctlen < TAGLEN)
		return HL_ERR_CRYPTO;
	make_nonce(npub, c->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out ? out : dummy, NULL, NULL, ct, ctlen,
						      ad, adlen, npub, c->k) != 0)
		return HL_ERR_CRYPTO;
	return 0;
}

int hl_noise_encrypt(hl_noise_cipher *c, const uint8_t *ad, size_t adlen,
		     const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	int rc;

	if (!c || !out || (!pt && ptlen) || (!ad && adlen))
		return HL_ERR_INVAL;
	if (!c->has_key)
		return HL_ERR_STATE;
	if (c->n == UINT64_MAX)
		return HL_ERR_NONCE;
	if (ptlen > HL_MAX_TRANSPORT_PT)
		return HL_ERR_TOOBIG;
	rc = aead_enc(c, c->n, ad, adlen, pt, ptlen, out);
	if (rc)
		return rc;
	c->n++;
	return 0;
}

int hl_noise_decrypt(hl_noise_cipher *c, const uint8_t *ad, size_t adlen,
		     const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	int rc;

	if (!c || (!out && ctlen > TAGLEN) || (!ct && ctlen) || (!ad && adlen))
		return HL_ERR_INVAL;
	if (!c->has_key)
		return HL_ERR_STATE;
	if (c->n == UINT64_MAX)
		return HL_ERR_NONCE;
	if (ctlen > HL_NOISE_MAX_MSG)
		return HL_ERR_TOOBIG;
	rc = aead_dec(c, ad, adlen, ct, ctlen, out);
	if (rc)
		return rc; /* n unchanged: a forged message must not desynchronise us (§5.1) */
	c->n++;
	return 0;
}

int hl_noise_rekey(hl_noise_cipher *c)
{
	static const uint8_t zeros[HL_NOISE_KEYLEN];
	uint8_t tmp[HL_NOISE_KEYLEN + TAGLEN];
	int rc;

	if (!c)
		return HL_ERR_INVAL;
	if (!c->has_key)
		return HL_ERR_STATE;
	rc = aead_enc(c, UINT64_MAX, NULL, 0, zeros, sizeof(zeros), tmp);
	if (!rc)
		memcpy(c->k, tmp, HL_NOISE_KEYLEN);
	sodium_memzero(tmp, sizeof(tmp));
	return rc;
}

void hl_noise_cipher_wipe(hl_noise_cipher *c)
{
	if (c)
		sodium_memzero(c, sizeof(*c));
}

int hl_noise_dh_pub(const uint8_t priv[32], uint8_t pub[32])
{
	if (!priv || !pub)
		return HL_ERR_INVAL;
	if (crypto_scalarmult_base(pub, priv) != 0) {
		sodium_memzero(pub, HL_NOISE_DHLEN);
		return HL_ERR_CRYPTO;
	}
	return 0;
}

/* ---- SymmetricState ---- */

static void mix_hash(hl_noise_hs *hs, const uint8_t *data, size_t len)
{
	hash_parts(hs->h, hs->h, sizeof(hs->h), data, len);
}

static void mix_key(hl_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[HL_NOISE_HASHLEN], k[HL_NOISE_HASHLEN];

	hl_noise_hkdf(hs->ck, ikm, len, 2, ck, k, NULL);
	memcpy(hs->ck, ck, sizeof(ck));
	cipher_init(&hs->cs, k); /* HASHLEN 64: the key is the first 32 bytes */
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

static void mix_key_and_hash(hl_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[HL_NOISE_HASHLEN], th[HL_NOISE_HASHLEN], k[HL_NOISE_HASHLEN];

	hl_noise_hkdf(hs->ck, ikm, len, 3, ck, th, k);
	memcpy(hs->ck, ck, sizeof(ck));
	mix_hash(hs, th, sizeof(th));
	cipher_init(&hs->cs, k);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(th, sizeof(th));
	sodium_memzero(k, sizeof(k));
}

/* Writes ptlen (+16 once keyed) bytes to out, which must not overlap pt. */
static int encrypt_and_hash(hl_noise_hs *hs, const uint8_t *pt, size_t ptlen, uint8_t *out,
			    size_t *outlen)
{
	size_t n = ptlen;

	if (hs->cs.has_key) {
		if (hs->cs.n == UINT64_MAX)
			return HL_ERR_NONCE;
		int rc = aead_enc(&hs->cs, hs->cs.n, hs->h, sizeof(hs->h), pt, ptlen, out);
		if (rc)
			return rc;
		hs->cs.n++;
		n += TAGLEN;
	} else if (ptlen) {
		memmove(out, pt, ptlen);
	}
	mix_hash(hs, out, n);
	*outlen = n;
	return 0;
}

/* h is updated with the ciphertext only after it authenticates; the new h is
 * computed first so that out may alias ct. */
static int decrypt_and_hash(hl_noise_hs *hs, const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t nh[HL_NOISE_HASHLEN];
	int rc = 0;

	hash_parts(nh, hs->h, sizeof(hs->h), ct, ctlen);
	if (hs->cs.has_key) {
		if (hs->cs.n == UINT64_MAX)
			return HL_ERR_NONCE;
		rc = aead_dec(&hs->cs, hs->h, sizeof(hs->h), ct, ctlen, out);
		if (rc)
			return rc;
		hs->cs.n++;
	} else if (ctlen) {
		memmove(out, ct, ctlen);
	}
	memcpy(hs->h, nh, sizeof(nh));
	return 0;
}

/* ---- HandshakeState ---- */

int hl_noise_hs_new(hl_noise_hs **out, const char *protocol_name, int initiator,
		    const uint8_t *prologue, size_t prologue_len,
		    const uint8_t *s_priv, const uint8_t *rs_pub,
		    const uint8_t *e_priv, const uint8_t *psks, size_t npsk)
{
	struct hl_noise_pattern pat;
	hl_noise_hs *hs = NULL;
	size_t namelen;
	int need_s, need_rs, rc;

	if (!out)
		return HL_ERR_INVAL;
	*out = NULL;
	if (sodium_init() < 0)
		return HL_ERR_CRYPTO;
	rc = hl_noise_pattern_parse(protocol_name, &pat);
	if (rc)
		return rc;
	need_s = hl_noise_pattern_needs_s(&pat, initiator);
	need_rs = initiator ? pat.pre_r_s : pat.pre_i_s;
	if ((!prologue && prologue_len) || (need_s && !s_priv) || (need_rs && !rs_pub))
		return HL_ERR_INVAL;
	if (npsk && (npsk != pat.npsk || !psks))
		return HL_ERR_INVAL;

	hs = sodium_malloc(sizeof(*hs));
	if (!hs)
		return HL_ERR_NOMEM;
	memset(hs, 0, sizeof(*hs));
	hs->pat = pat;
	hs->initiator = initiator ? 1 : 0;
	if (need_s) {
		memcpy(hs->s_priv, s_priv, HL_NOISE_DHLEN);
		rc = hl_noise_dh_pub(hs->s_priv, hs->s_pub);
		if (rc)
			goto out;
		hs->has_s = 1;
	}
	if (need_rs) {
		memcpy(hs->rs, rs_pub, HL_NOISE_DHLEN);
		hs->has_rs = 1;
	}
	if (e_priv) {
		memcpy(hs->e_priv, e_priv, HL_NOISE_DHLEN);
		hs->fixed_e = 1;
	}
	if (npsk) {
		memcpy(hs->psks, psks, npsk * HL_NOISE_KEYLEN);
		hs->psks_set = 1;
	}

	/* InitializeSymmetric (§5.2): h = name padded when it fits, else HASH(name). */
	namelen = strlen(protocol_name);
	if (namelen <= HL_NOISE_HASHLEN)
		memcpy(hs->h, protocol_name, namelen);
	else
		hash_parts(hs->h, (const uint8_t *)protocol_name, namelen, NULL, 0);
	memcpy(hs->ck, hs->h, sizeof(hs->ck));
	/* The prologue is always mixed in, even when empty (§5.3). */
	mix_hash(hs, prologue, prologue_len);
	/* Pre-messages: the initiator's first, then the responder's. */
	if (pat.pre_i_s)
		mix_hash(hs, initiator ? hs->s_pub : hs->rs, HL_NOISE_DHLEN);
	if (pat.pre_r_s)
		mix_hash(hs, initiator ? hs->rs : hs->s_pub, HL_NOISE_DHLEN);
	*out = hs;
	hs = NULL;
out:
	hl_noise_hs_free(hs);
	return rc;
}

int hl_noise_hs_set_psks(hl_noise_hs *hs, const uint8_t *psks, size_t npsk)
{
	if (!hs || !psks || npsk == 0 || npsk != hs->pat.npsk)
		return HL_ERR_INVAL;
	if (hs->psk_next || hs->failed)
		return HL_ERR_STATE; /* a psk already went into the key schedule */
	memcpy(hs->psks, psks, npsk * HL_NOISE_KEYLEN);
	hs->psks_set = 1;
	return 0;
}

void hl_noise_hs_free(hl_noise_hs *hs)
{
	if (!hs)
		return;
	sodium_memzero(hs, sizeof(*hs));
	sodium_free(hs);
}

int hl_noise_hs_done(const hl_noise_hs *hs)
{
	return hs && !hs->failed && hs->msg >= hs->pat.nmsgs;
}

int hl_noise_hs_my_turn(const hl_noise_hs *hs)
{
	if (!hs || hs->failed || hs->msg >= hs->pat.nmsgs)
		return 0;
	return (hs->msg % 2 == 0) == (hs->initiator != 0);
}

int hl_noise_hs_remote_static(const hl_noise_hs *hs, uint8_t out[HL_NOISE_DHLEN])
{
	if (!out)
		return HL_ERR_INVAL;
	sodium_memzero(out, HL_NOISE_DHLEN);
	if (!hs)
		return HL_ERR_INVAL;
	if (!hs->has_rs)
		return HL_ERR_STATE;
	memcpy(out, hs->rs, HL_NOISE_DHLEN);
	return 0;
}

void hl_noise_hs_hash(const hl_noise_hs *hs, uint8_t out[HL_NOISE_HASHLEN])
{
	if (!out)
		return;
	if (!hs) {
		memset(out, 0, HL_NOISE_HASHLEN);
		return;
	}
	memcpy(out, hs->h, HL_NOISE_HASHLEN);
}

/* Sizes of the current message without its payload, and whether the payload
 * will be encrypted: known before touching any state, so a short buffer or a
 * short message fails without side effects. Also says if a psk is needed. */
static void msg_layout(const hl_noise_hs *hs, size_t *fixed, int *keyed, int *uses_psk)
{
	unsigned m = hs->msg;
	int k = hs->cs.has_key;

	*fixed = 0;
	*uses_psk = 0;
	for (unsigned t = 0; t < hs->pat.ntok[m]; t++) {
		switch (hs->pat.tok[m][t]) {
		case HL_NOISE_TOK_E:
			*fixed += HL_NOISE_DHLEN;
			if (hs->pat.npsk)
				k = 1;
			break;
		case HL_NOISE_TOK_S:
			*fixed += HL_NOISE_DHLEN + (k ? TAGLEN : 0);
			break;
		case HL_NOISE_TOK_PSK:
			*uses_psk = 1;
			k = 1;
			break;
		default:
			k = 1;
			break;
		}
	}
	*keyed = k;
}

static int dh(const uint8_t *priv, int has_priv, const uint8_t *pub, int has_pub,
	      uint8_t out[HL_NOISE_DHLEN])
{
	if (!has_priv || !has_pub)
		return HL_ERR_STATE;
	/* libsodium refuses small-order points and all-zero results (§12.1 allows that). */
	if (crypto_scalarmult(out, priv, pub) != 0)
		return HL_ERR_CRYPTO;
	return 0;
}

/* ee, es, se, ss: es is DH(e, rs) for the initiator but DH(s, re) for the responder. */
static int mix_dh(hl_noise_hs *hs, int tok)
{
	uint8_t shared[HL_NOISE_DHLEN];
	int i = hs->initiator, rc;

	switch (tok) {
	case HL_NOISE_TOK_EE:
		rc = dh(hs->e_priv, hs->has_e, hs->re, hs->has_re, shared);
		break;
	case HL_NOISE_TOK_ES:
		rc = i ? dh(hs->e_priv, hs->has_e, hs->rs, hs->has_rs, shared)
		       : dh(hs->s_priv, hs->has_s, hs->re, hs->has_re, shared);
		break;
	case HL_NOISE_TOK_SE:
		rc = i ? dh(hs->s_priv, hs->has_s, hs->re, hs->has_re, shared)
		       : dh(hs->e_priv, hs->has_e, hs->rs, hs->has_rs, shared);
		break;
	case HL_NOISE_TOK_SS:
		rc = dh(hs->s_priv, hs->has_s, hs->rs, hs->has_rs, shared);
		break;
	default:
		rc = HL_ERR_STATE;
		break;
	}
	if (!rc)
		mix_key(hs, shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
	return rc;
}

static int mix_psk(hl_noise_hs *hs)
{
	if (!hs->psks_set || hs->psk_next >= hs->pat.npsk)
		return HL_ERR_STATE;
	mix_key_and_hash(hs, hs->psks[hs->psk_next], HL_NOISE_KEYLEN);
	hs->psk_next++;
	return 0;
}

/* MixHash(e.pub), and in psk handshakes also MixKey(e.pub) (§9.2). */
static void mix_e(hl_noise_hs *hs, const uint8_t *pub)
{
	mix_hash(hs, pub, HL_NOISE_DHLEN);
	if (hs->pat.npsk)
		mix_key(hs, pub, HL_NOISE_DHLEN);
}

static int write_token(hl_noise_hs *hs, int tok, uint8_t *out, size_t *used)
{
	size_t n = 0;
	int rc;

	switch (tok) {
	case HL_NOISE_TOK_E:
		if (hs->has_e)
			return HL_ERR_STATE;
		if (!hs->fixed_e)
			randombytes_buf(hs->e_priv, sizeof(hs->e_priv));
		rc = hl_noise_dh_pub(hs->e_priv, hs->e_pub);
		if (rc)
			return rc;
		hs->has_e = 1;
		memcpy(out, hs->e_pub, HL_NOISE_DHLEN);
		mix_e(hs, hs->e_pub);
		*used = HL_NOISE_DHLEN;
		return 0;
	case HL_NOISE_TOK_S:
		if (!hs->has_s)
			return HL_ERR_STATE;
		rc = encrypt_and_hash(hs, hs->s_pub, HL_NOISE_DHLEN, out, &n);
		*used = n;
		return rc;
	case HL_NOISE_TOK_PSK:
		*used = 0;
		return mix_psk(hs);
	default:
		*used = 0;
		return mix_dh(hs, tok);
	}
}

static int read_token(hl_noise_hs *hs, int tok, hl_rd *rd)
{
	const uint8_t *p;
	size_t n;
	int rc;

	switch (tok) {
	case HL_NOISE_TOK_E:
		if (hs->has_re)
			return HL_ERR_STATE;
		rc = hl_rd_copy(rd, hs->re, HL_NOISE_DHLEN);
		if (rc)
			return HL_ERR_CRYPTO;
		hs->has_re = 1;
		mix_e(hs, hs->re);
		return 0;
	case HL_NOISE_TOK_S:
		if (hs->has_rs)
			return HL_ERR_STATE;
		n = HL_NOISE_DHLEN + (hs->cs.has_key ? TAGLEN : 0);
		if (hl_rd_ref(rd, &p, n))
			return HL_ERR_CRYPTO;
		rc = decrypt_and_hash(hs, p, n, hs->rs);
		if (rc)
			return rc == HL_ERR_NONCE ? rc : HL_ERR_CRYPTO;
		hs->has_rs = 1;
		return 0;
	case HL_NOISE_TOK_PSK:
		return mix_psk(hs);
	default:
		return mix_dh(hs, tok);
	}
}

static void finish_message(hl_noise_hs *hs)
{
	hs->msg++;
	if (hs->msg >= hs->pat.nmsgs) {
		/* The ephemeral is no longer needed once the keys are derived. */
		sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
		sodium_memzero(&hs->cs, sizeof(hs->cs));
	}
}

int hl_noise_hs_write(hl_noise_hs *hs, const uint8_t *payload, size_t payload_len,
		      uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t fixed, total, off = 0, used = 0;
	int keyed, uses_psk, rc = 0;
	unsigned m;

	if (outlen)
		*outlen = 0;
	if (!hs || !out || !outlen || (!payload && payload_len))
		return HL_ERR_INVAL;
	if (!hl_noise_hs_my_turn(hs))
		return HL_ERR_STATE;
	m = hs->msg;
	msg_layout(hs, &fixed, &keyed, &uses_psk);
	if (uses_psk && !hs->psks_set)
		return HL_ERR_STATE;
	if (payload_len > HL_NOISE_MAX_MSG)
		return HL_ERR_TOOBIG;
	total = fixed + payload_len + (keyed ? TAGLEN : 0);
	if (total > HL_NOISE_MAX_MSG || total > outcap)
		return HL_ERR_TOOBIG;

	for (unsigned t = 0; t < hs->pat.ntok[m]; t++) {
		rc = write_token(hs, hs->pat.tok[m][t], out + off, &used);
		if (rc)
			goto out;
		off += used;
	}
	rc = encrypt_and_hash(hs, payload, payload_len, out + off, &used);
	if (rc)
		goto out;
	off += used;
	*outlen = off;
	finish_message(hs);
out:
	if (rc) {
		hs->failed = 1;
		sodium_memzero(out, outcap < total ? outcap : total);
	}
	return rc;
}

int hl_noise_hs_read(hl_noise_hs *hs, const uint8_t *msg, size_t msg_len,
		     uint8_t *payload, size_t payload_cap, size_t *payload_len)
{
	size_t fixed, tag, plen;
	int keyed, uses_psk, rc;
	const uint8_t *rest;
	hl_rd rd;
	unsigned m;

	if (payload_len)
		*payload_len = 0;
	if (!hs || !payload_len || (!msg && msg_len) || (!payload && payload_cap))
		return HL_ERR_INVAL;
	if (hs->failed || hs->msg >= hs->pat.nmsgs || hl_noise_hs_my_turn(hs))
		return HL_ERR_STATE;
	m = hs->msg;
	msg_layout(hs, &fixed, &keyed, &uses_psk);
	if (uses_psk && !hs->psks_set)
		return HL_ERR_STATE;

	/* From here on any failure kills the handshake: a peer gets one attempt. */
	tag = keyed ? TAGLEN : 0;
	if (msg_len > HL_NOISE_MAX_MSG) {
		rc = HL_ERR_TOOBIG;
		goto out;
	}
	if (msg_len < fixed + tag) {
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	plen = msg_len - fixed - tag;
	if (plen > payload_cap) {
		rc = HL_ERR_TOOBIG;
		goto out;
	}
	hl_rd_init(&rd, msg, msg_len);
	for (unsigned t = 0; t < hs->pat.ntok[m]; t++) {
		rc = read_token(hs, hs->pat.tok[m][t], &rd);
		if (rc)
			goto out;
	}
	if (hl_rd_left(&rd) != plen + tag || hl_rd_ref(&rd, &rest, plen + tag)) {
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	rc = decrypt_and_hash(hs, rest, plen + tag, payload);
	if (rc)
		goto out;
	*payload_len = plen;
	finish_message(hs);
out:
	if (rc) {
		hs->failed = 1;
		if (payload && payload_cap)
			sodium_memzero(payload, payload_cap);
	}
	return rc;
}

int hl_noise_hs_split(hl_noise_hs *hs, hl_noise_cipher *send, hl_noise_cipher *recv)
{
	uint8_t k1[HL_NOISE_HASHLEN], k2[HL_NOISE_HASHLEN];

	if (send)
		sodium_memzero(send, sizeof(*send));
	if (recv)
		sodium_memzero(recv, sizeof(*recv));
	if (!hs || !send || !recv || send == recv)
		return HL_ERR_INVAL;
	if (!hl_noise_hs_done(hs))
		return HL_ERR_STATE;
	hl_noise_hkdf(hs->ck, NULL, 0, 2, k1, k2, NULL);
	cipher_init(send, hs->initiator ? k1 : k2);
	cipher_init(recv, hs->initiator ? k2 : k1);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	return 0;
}
