/* test_noise_vectors.c — runs every Noise_*_25519_ChaChaPoly_BLAKE2b vector from the
 * cacophony/snow/noise-c JSON files through hl_noise, both sides, handshake and transport. */
#include "util/err.h"
#include "util/limits.h"
#include "crypto/noise.h"

#include <glob.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_DIR "../shared/vectors/noise"
#define SUITE_SUFFIX "_25519_ChaChaPoly_BLAKE2b"
#define EXPECTED_RUN 140 /* cacophony 59, snow 51, noise-c-basic 15, noise-c/cacophony 15 */
#define MAX_PROLOGUE 4096

static const char *const standard_files[] = {
	"cacophony.txt", "snow.txt", "noise-c-basic.txt", "noise-c/cacophony.txt",
};

struct side {
	uint8_t prologue[MAX_PROLOGUE];
	size_t prologue_len;
	uint8_t psks[HL_NOISE_MAX_PSKS * HL_NOISE_KEYLEN];
	size_t npsk;
	uint8_t s[32], e[32], rs[32];
	int has_s, has_e, has_rs;
};

struct run {
	hl_noise_hs *hs[2];       /* 0 initiator, 1 responder */
	hl_noise_cipher send[2], recv[2];
	uint8_t *pt, *ct, *out;   /* message-sized scratch */
	char why[256];
};

struct counts {
	int run, passed, failed, skipped;
};

static int fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Decodes a hex string field; a missing field gives *present = 0. */
static int hex_field(const json_t *v, const char *key, uint8_t *bin, size_t cap, size_t *len,
		     int *present)
{
	const json_t *f = json_object_get(v, key);
	const char *hex, *end = NULL;
	size_t hexlen;

	*len = 0;
	if (present)
		*present = 0;
	if (!f)
		return present ? 0 : -1;
	if (!json_is_string(f))
		return -1;
	hex = json_string_value(f);
	hexlen = json_string_length(f);
	if (sodium_hex2bin(bin, cap, hex, hexlen, NULL, len, &end) != 0 || end != hex + hexlen)
		return -1;
	if (present)
		*present = 1;
	return 0;
}

static int key_field(const json_t *v, const char *key, uint8_t out[32], int *present)
{
	size_t len;

	if (hex_field(v, key, out, 32, &len, present))
		return -1;
	return *present && len != 32 ? -1 : 0;
}

/* Current style: <side>_psks[] ; legacy: <side>_psk (a single key). */
static int load_side(const json_t *v, const char *side, struct side *sd)
{
	char key[64];
	const json_t *arr;
	size_t len;
	int present;

	memset(sd, 0, sizeof(*sd));
	snprintf(key, sizeof(key), "%s_prologue", side);
	if (hex_field(v, key, sd->prologue, sizeof(sd->prologue), &sd->prologue_len, &present))
		return -1;
	snprintf(key, sizeof(key), "%s_static", side);
	if (key_field(v, key, sd->s, &sd->has_s))
		return -1;
	snprintf(key, sizeof(key), "%s_ephemeral", side);
	if (key_field(v, key, sd->e, &sd->has_e))
		return -1;
	snprintf(key, sizeof(key), "%s_remote_static", side);
	if (key_field(v, key, sd->rs, &sd->has_rs))
		return -1;
	snprintf(key, sizeof(key), "%s_psks", side);
	arr = json_object_get(v, key);
	if (arr) {
		size_t i;
		const json_t *p;
		if (!json_is_array(arr) || json_array_size(arr) > HL_NOISE_MAX_PSKS)
			return -1;
		json_array_foreach(arr, i, p) {
			const char *hex = json_string_value(p), *end = NULL;
			if (!hex || sodium_hex2bin(sd->psks + i * 32, 32, hex, strlen(hex), NULL,
						   &len, &end) != 0 || len != 32 || *end)
				return -1;
		}
		sd->npsk = json_array_size(arr);
	}
	snprintf(key, sizeof(key), "%s_psk", side);
	if (json_object_get(v, key)) {
		if (sd->npsk || hex_field(v, key, sd->psks, 32, &len, NULL) || len != 32)
			return -1;
		sd->npsk = 1;
	}
	return 0;
}

static int pub_of(const uint8_t priv[32], uint8_t pub[32])
{
	return hl_noise_dh_pub(priv, pub);
}

/* After the last handshake message: both hashes agree (and match the vector),
 * each side learned the other's real static key, and the transport keys are derived. */
static int finish_handshake(struct run *r, const json_t *v, const struct side sd[2])
{
	uint8_t h0[HL_NOISE_HASHLEN], h1[HL_NOISE_HASHLEN], want[HL_NOISE_HASHLEN];
	size_t len;
	int present;

	hl_noise_hs_hash(r->hs[0], h0);
	hl_noise_hs_hash(r->hs[1], h1);
	if (memcmp(h0, h1, sizeof(h0)) != 0)
		return fail(r, "initiator and responder handshake hashes differ");
	if (hex_field(v, "handshake_hash", want, sizeof(want), &len, &present))
		return fail(r, "bad handshake_hash field");
	if (present && (len != sizeof(want) || memcmp(want, h0, sizeof(want)) != 0))
		return fail(r, "handshake_hash mismatch");
	for (int i = 0; i < 2; i++) {
		uint8_t rs[32], pub[32];
		if (hl_noise_hs_remote_static(r->hs[i], rs) == 0 && sd[!i].has_s) {
			if (pub_of(sd[!i].s, pub) || memcmp(pub, rs, 32) != 0)
				return fail(r, "%s learned a wrong remote static key",
					    i ? "responder" : "initiator");
		}
		if (hl_noise_hs_split(r->hs[i], &r->send[i], &r->recv[i]))
			return fail(r, "split failed");
	}
	return 0;
}

static int handshake_step(struct run *r, int idx, const uint8_t *pt, size_t ptlen,
			  const uint8_t *ct, size_t ctlen)
{
	int from = hl_noise_hs_my_turn(r->hs[0]) ? 0 : 1, rc;
	size_t outlen, gotlen;

	if (!hl_noise_hs_my_turn(r->hs[from]) || hl_noise_hs_my_turn(r->hs[!from]))
		return fail(r, "message %d: turn confusion", idx);
	if (from != idx % 2)
		return fail(r, "message %d: unexpected sender", idx);
	rc = hl_noise_hs_write(r->hs[from], pt, ptlen, r->out, HL_NOISE_MAX_MSG, &outlen);
	if (rc)
		return fail(r, "message %d: write: %s", idx, hl_strerror(rc));
	if (outlen != ctlen || memcmp(r->out, ct, ctlen) != 0)
		return fail(r, "message %d: handshake ciphertext mismatch", idx);
	rc = hl_noise_hs_read(r->hs[!from], ct, ctlen, r->out, HL_NOISE_MAX_MSG, &gotlen);
	if (rc)
		return fail(r, "message %d: read: %s", idx, hl_strerror(rc));
	if (gotlen != ptlen || memcmp(r->out, pt, ptlen) != 0)
		return fail(r, "message %d: handshake payload mismatch", idx);
	return 0;
}

static int transport_step(struct run *r, int idx, int from, const uint8_t *pt, size_t ptlen,
			  const uint8_t *ct, size_t ctlen)
{
	int rc;

	if (ctlen != ptlen + 16)
		return fail(r, "message %d: transport length mismatch", idx);
	rc = hl_noise_encrypt(&r->send[from], NULL, 0, pt, ptlen, r->out);
	if (rc)
		return fail(r, "message %d: encrypt: %s", idx, hl_strerror(rc));
	if (memcmp(r->out, ct, ctlen) != 0)
		return fail(r, "message %d: transport ciphertext mismatch", idx);
	rc = hl_noise_decrypt(&r->recv[!from], NULL, 0, ct, ctlen, r->out);
	if (rc)
		return fail(r, "message %d: decrypt: %s", idx, hl_strerror(rc));
	if (memcmp(r->out, pt, ptlen) != 0)
		return fail(r, "message %d: transport payload mismatch", idx);
	return 0;
}

static int run_vector(struct run *r, const json_t *v, const char *name)
{
	struct side sd[2];
	const json_t *msgs, *m;
	size_t i, ptlen, ctlen;
	int rc, hs_msgs = 0, done = 0;

	if (load_side(v, "init", &sd[0]) || load_side(v, "resp", &sd[1]))
		return fail(r, "malformed key fields");
	msgs = json_object_get(v, "messages");
	if (!json_is_array(msgs) || json_array_size(msgs) == 0)
		return fail(r, "no messages");
	for (int s = 0; s < 2; s++) {
		const struct side *x = &sd[s];
		rc = hl_noise_hs_new(&r->hs[s], name, s == 0, x->prologue, x->prologue_len,
				     x->has_s ? x->s : NULL, x->has_rs ? x->rs : NULL,
				     x->has_e ? x->e : NULL, x->npsk ? x->psks : NULL, x->npsk);
		if (rc)
			return fail(r, "%s: hs_new: %s", s ? "responder" : "initiator",
				    hl_strerror(rc));
	}
	json_array_foreach(msgs, i, m) {
		if (hex_field(m, "payload", r->pt, HL_NOISE_MAX_MSG, &ptlen, NULL) ||
		    hex_field(m, "ciphertext", r->ct, HL_NOISE_MAX_MSG, &ctlen, NULL))
			return fail(r, "message %zu: malformed", i);
		if (!done) {
			rc = handshake_step(r, (int)i, r->pt, ptlen, r->ct, ctlen);
			if (rc)
				return rc;
			hs_msgs++;
			done = hl_noise_hs_done(r->hs[0]);
			if (done != hl_noise_hs_done(r->hs[1]))
				return fail(r, "sides disagree on handshake completion");
			if (done && finish_handshake(r, v, sd))
				return -1;
		} else {
			/* One-way patterns only ever send initiator -> responder. */
			int from = hs_msgs == 1 ? 0 : (int)(i % 2);
			rc = transport_step(r, (int)i, from, r->pt, ptlen, r->ct, ctlen);
			if (rc)
				return rc;
		}
	}
	if (!done)
		return fail(r, "vector ends before the handshake completes");
	return 0;
}

static void run_cleanup(struct run *r)
{
	for (int s = 0; s < 2; s++) {
		hl_noise_hs_free(r->hs[s]);
		r->hs[s] = NULL;
		hl_noise_cipher_wipe(&r->send[s]);
		hl_noise_cipher_wipe(&r->recv[s]);
	}
	r->why[0] = '\0';
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Files that are not JSON (SOURCES.txt) are ignored; a JSON file that does not
 * parse, or has no "vectors" array, is a failure. */
static void run_file(struct run *r, const char *path, const char *rel, struct counts *c)
{
	json_error_t jerr;
	json_t *root, *vecs, *v;
	FILE *f;
	int ch;
	size_t i;

	f = fopen(path, "r");
	if (!f) {
		printf("FAIL: %s: cannot open\n", rel);
		c->failed++;
		return;
	}
	do
		ch = fgetc(f);
	while (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t');
	fclose(f);
	if (ch != '{') {
		printf("# %s: not a JSON vector file, ignored\n", rel);
		return;
	}
	root = json_load_file(path, 0, &jerr);
	vecs = root ? json_object_get(root, "vectors") : NULL;
	if (!json_is_array(vecs)) {
		printf("FAIL: %s: not a vector file (%s)\n", rel, root ? "no vectors" : jerr.text);
		c->failed++;
		json_decref(root);
		return;
	}
	json_array_foreach(vecs, i, v) {
		const char *name = json_string_value(json_object_get(v, "protocol_name"));
		if (!name)
			name = json_string_value(json_object_get(v, "name"));
		if (!name || !ends_with(name, SUITE_SUFFIX))
			continue;
		if (strncmp(name, "Noise_", 6) != 0) {
			printf("SKIP: %s: %s (%s)\n", rel, name,
			       strncmp(name, "NoisePSK_", 9) == 0
				       ? "obsolete pre-rev32 PSK scheme"
				       : "not a Noise_ protocol name");
			c->skipped++;
			continue;
		}
		c->run++;
		if (run_vector(r, v, name) == 0) {
			printf("PASS: %s: %s\n", rel, name);
			c->passed++;
		} else {
			printf("FAIL: %s: %s: %s\n", rel, name, r->why);
			c->failed++;
		}
		run_cleanup(r);
	}
	json_decref(root);
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The count check applies to the standard set: the default directory, or any
 * directory holding all four standard files. */
static int standard_set(const char *dir, int is_default)
{
	char p[4096];

	if (is_default)
		return 1;
	for (size_t i = 0; i < sizeof(standard_files) / sizeof(standard_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, standard_files[i]);
		if (access(p, R_OK) != 0)
			return 0;
	}
	return 1;
}

int main(void)
{
	const char *env = getenv("HOTLINE_NOISE_VECTORS");
	int is_default = !(env && *env);
	const char *dir = is_default ? DEFAULT_DIR : env;
	struct counts c = { 0, 0, 0, 0 };
	struct run r;
	char pat[4096];
	glob_t g;
	int grc, bad = 0;

	if (!is_dir(dir)) {
		printf("SKIP: noise vectors (no vector directory: set HOTLINE_NOISE_VECTORS or "
		       "place shared/ beside the repo)\n");
		return 0;
	}
	if (sodium_init() < 0) {
		printf("FAIL: noise vectors: sodium_init\n");
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.pt = malloc(HL_NOISE_MAX_MSG);
	r.ct = malloc(HL_NOISE_MAX_MSG);
	r.out = malloc(HL_NOISE_MAX_MSG);
	if (!r.pt || !r.ct || !r.out) {
		printf("FAIL: noise vectors: out of memory\n");
		return 1;
	}
	memset(&g, 0, sizeof(g));
	snprintf(pat, sizeof(pat), "%s/*.txt", dir);
	grc = glob(pat, 0, NULL, &g);
	snprintf(pat, sizeof(pat), "%s/noise-c/*.txt", dir);
	if (grc == 0 || grc == GLOB_NOMATCH)
		grc = glob(pat, GLOB_APPEND, NULL, &g);
	if (grc != 0 && grc != GLOB_NOMATCH) {
		printf("FAIL: noise vectors: glob failed\n");
		bad = 1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		run_file(&r, g.gl_pathv[i], g.gl_pathv[i] + strlen(dir) + 1, &c);
	globfree(&g);

	if (standard_set(dir, is_default) && c.run != EXPECTED_RUN) {
		printf("FAIL: noise vectors: %d run, expected %d from the standard files\n",
		       c.run, EXPECTED_RUN);
		bad = 1;
	}
	printf("noise vectors: %d run, %d passed, %d failed, %d skipped\n", c.run, c.passed,
	       c.failed, c.skipped);
	free(r.pt);
	free(r.ct);
	free(r.out);
	return bad || c.failed ? 1 : 0;
}
