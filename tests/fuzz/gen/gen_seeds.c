/* gen_seeds.c — writes the fuzz targets' seed corpora (tests/fuzz/corpus/)
 * from real encodings: the entry test vectors of tests/tools/entry_vectors.c,
 * a Noise handshake run by src/noise.c with the fixed keys of fuzz_noise_keys.h,
 * signed HELLOs and receipts, key files (plain and passphrase-encrypted) and
 * configuration files as stations write them, local-API request lines as the hotline client writes them, and
 * receiving-rules cases (a receiver's view and an entry) for each outcome.
 * Deterministic: running it again gives the same bytes. Usage: gen_seeds DIR */
#define ENTRY_VECTORS_NO_MAIN
#include "../../tools/entry_vectors.c"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "buf.h"
#include "config.h"
#include "keys.h"
#include "noise.h"
#include "wire.h"

#include "../fuzz_noise_keys.h"

static const char *root;

static void die(const char *what)
{
	fprintf(stderr, "gen_seeds: %s\n", what);
	exit(1);
}

static void put_file(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die(path);
}

static void put_str(const char *target, const char *name, const char *s)
{
	put_file(target, name, s, strlen(s));
}

/* The entries and the receipt exactly as tests/vectors/entries.txt has them. */
static size_t vector_blobs(uint8_t blobs[4][HL_MAX_ENTRY], size_t lens[4])
{
	char *text = NULL, *line, *save = NULL;
	size_t textlen = 0, n = 0;
	FILE *mem = open_memstream(&text, &textlen);

	if (!mem || vec_print(mem) != 0 || fclose(mem) != 0)
		die("entry vectors");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *hex = NULL;
		if (strncmp(line, "entry = ", 8) == 0)
			hex = line + 8;
		else if (strncmp(line, "receipt = ", 10) == 0)
			hex = line + 10;
		if (!hex)
			continue;
		if (n == 4 || strlen(hex) / 2 > HL_MAX_ENTRY ||
		    hl_unhex(hex, blobs[n], strlen(hex) / 2) != 0)
			die("bad vector line");
		lens[n++] = strlen(hex) / 2;
	}
	free(text);
	return n;
}

/* One more entry at the limits the vectors do not reach: 16 refs, an empty
 * body, a long language tag, the exercise flag, a cross-link. */
static void extra_entry(const hl_identity *id, const uint8_t line[HL_HASH_LEN], hl_buf *enc)
{
	hl_entry e;

	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_ENDORSE;
	e.precedence = HL_PREC_IMMEDIATE;
	e.flags = HL_FLAG_EXERCISE;
	memcpy(e.line_id, line, HL_HASH_LEN);
	memcpy(e.author, id->pub.ed, 32);
	e.seq = 7;
	memset(e.prev, 0x11, sizeof e.prev);
	e.peer_seq = 5;
	memset(e.peer_hash, 0x22, sizeof e.peer_hash);
	e.time_ms = VEC_TIME_MS + 999;
	snprintf(e.operator_name, sizeof e.operator_name, "%s", "Ö. Operator");
	snprintf(e.lang, sizeof e.lang, "%s", "de-CH-1901-x-private");
	e.nrefs = HL_MAX_REFS;
	for (unsigned i = 0; i < HL_MAX_REFS; i++)
		memset(e.refs[i], (int)(0x30 + i), HL_HASH_LEN);
	hl_buf_init(enc, HL_MAX_ENTRY);
	if (hl_entry_sign(&e, id) != 0 || hl_entry_encode(&e, enc) != 0)
		die("extra entry");
}

struct handshake {
	uint8_t msg1[256], msg2[128];
	size_t len1, len2;
	uint8_t hs_hash[64];
	hl_noise_cipher tx; /* the initiator's sending cipher */
};

/* A full IK or IKpsk2 handshake between the fuzz targets' fixed keys. */
static void handshake(int with_psk, struct handshake *h)
{
	const char *proto = with_psk ? HL_PROTO_IKPSK2 : HL_PROTO_IK;
	uint8_t is[32], ie[32], rsk[32], re[32], psk[32], rpub[32], ts[12], pl[64];
	hl_noise_cipher rx, rtx, rrx;
	hl_noise_hs *ini = NULL, *resp = NULL;
	size_t plen = 0;

	fuzz_key(is, FUZZ_KEY_INIT_STATIC);
	fuzz_key(ie, FUZZ_KEY_INIT_EPHEM);
	fuzz_key(rsk, FUZZ_KEY_RESP_STATIC);
	fuzz_key(re, FUZZ_KEY_RESP_EPHEM);
	fuzz_key(psk, FUZZ_KEY_PSK);
	fuzz_tai64n(ts);
	if (hl_noise_dh_pub(rsk, rpub) != 0)
		die("dh");
	if (hl_noise_hs_new(&ini, proto, 1, (const uint8_t *)HL_PROLOGUE, strlen(HL_PROLOGUE),
			    is, rpub, ie, with_psk ? psk : NULL, with_psk ? 1 : 0) != 0 ||
	    hl_noise_hs_new(&resp, proto, 0, (const uint8_t *)HL_PROLOGUE, strlen(HL_PROLOGUE),
			    rsk, NULL, re, NULL, 0) != 0)
		die("hs_new");
	if (hl_noise_hs_write(ini, ts, sizeof ts, h->msg1, sizeof h->msg1, &h->len1) != 0 ||
	    hl_noise_hs_read(resp, h->msg1, h->len1, pl, sizeof pl, &plen) != 0 || plen != 12 ||
	    (with_psk && hl_noise_hs_set_psks(resp, psk, 1) != 0) ||
	    hl_noise_hs_write(resp, NULL, 0, h->msg2, sizeof h->msg2, &h->len2) != 0 ||
	    hl_noise_hs_read(ini, h->msg2, h->len2, pl, sizeof pl, &plen) != 0 || plen != 0)
		die("handshake");
	hl_noise_hs_hash(ini, h->hs_hash);
	if (hl_noise_hs_split(ini, &h->tx, &rx) != 0 || hl_noise_hs_split(resp, &rtx, &rrx) != 0)
		die("split");
	hl_noise_hs_free(ini);
	hl_noise_hs_free(resp);
}

static void put_frame(hl_buf *b, const uint8_t *p, size_t n)
{
	if (hl_buf_put_u16(b, (uint16_t)n) != 0 || hl_buf_put(b, p, n) != 0)
		die("frame");
}

static void records_and_frames(const hl_identity *id, uint8_t blobs[4][HL_MAX_ENTRY],
			       const size_t lens[4], struct handshake *h)
{
	hl_hello hello;
	uint8_t hb[HL_HELLO_LEN], ping[HL_PING_LEN], want[HL_WANT_LEN], ct[HL_MAX_TRANSPORT_PT + HL_NOISE_TAG];
	hl_buf batch, stream;

	memset(&hello, 0, sizeof hello);
	hello.role = 0;
	hello.my_seq = 1;
	hl_entry_hash(blobs[0], lens[0], hello.my_hash);
	hello.your_seq = 2;
	hl_entry_hash(blobs[2], lens[2], hello.your_hash);
	if (hl_hello_sign(&hello, h->hs_hash, id) != 0)
		die("hello");
	hl_hello_encode(&hello, hb);
	hl_be64_put(ping, 123456789);
	hl_be64_put(ping + 8, VEC_TIME_MS);
	hl_be64_put(want, 2);

	hl_buf_init(&batch, HL_MAX_TRANSPORT_PT);
	if (hl_record_put(&batch, HL_REC_HELLO, hb, sizeof hb) != 0)
		die("record");
	put_file("fuzz_records", "hello", batch.p, batch.len);
	if (hl_record_put(&batch, HL_REC_ENTRY, blobs[0], lens[0]) != 0 ||
	    hl_record_put(&batch, HL_REC_RECEIPT, blobs[3], lens[3]) != 0 ||
	    hl_record_put(&batch, HL_REC_PING, ping, sizeof ping) != 0 ||
	    hl_record_put(&batch, HL_REC_WANT, want, sizeof want) != 0)
		die("record");
	put_file("fuzz_records", "batch", batch.p, batch.len);

	/* The TCP stream of the initiator's side: msg1, then the batch sealed. */
	if (hl_noise_encrypt(&h->tx, NULL, 0, batch.p, batch.len, ct) != 0)
		die("encrypt");
	hl_buf_init(&stream, 2 * HL_NOISE_MAX_MSG);
	put_frame(&stream, h->msg1, h->len1);
	put_frame(&stream, ct, batch.len + HL_NOISE_TAG);
	put_file("fuzz_records", "stream", stream.p, stream.len);
	hl_buf_free(&stream);
	hl_buf_free(&batch);
}

/* A private key file as hl_keys_write_private writes it. */
static void put_private_key(const hl_identity *id, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/fuzz_keys", root);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof path, "%s/fuzz_keys/%s", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || hl_keys_write_private(fd, id) != 0 || close(fd) != 0)
		die(path);
}

static void configs(void)
{
	uint8_t seed[HL_SEED_LEN];
	char pub[2][HL_PUBKEY_B64_LEN + 1], text[2048], name[32];
	hl_identity *id;

	for (int k = 0; k < 2; k++) {
		for (unsigned i = 0; i < HL_SEED_LEN; i++)
			seed[i] = (uint8_t)(k * 0x20 + i);
		if (hl_keys_from_seed(seed, &id) != 0)
			die("keys");
		hl_pubkey_encode(&id->pub, pub[k]);
		snprintf(name, sizeof name, "private%d", k + 1);
		put_private_key(id, name);
		snprintf(name, sizeof name, "public%d", k + 1);
		put_str("fuzz_keys", name, pub[k]);
		hl_keys_free(id);
	}
	put_str("fuzz_config", "minimal.conf",
		"[Station]\nName = washington\nPrivateKeyFile = station.key\nStateDir = state\n");
	snprintf(text, sizeof text,
		 "# hotline station configuration\n"
		 "[Station]\n"
		 "Name = washington\n"
		 "PrivateKeyFile = station.key\n"
		 "Listen = 127.0.0.1:7340\n"
		 "StateDir = state\n"
		 "Socket = hotline.sock\n"
		 "TestInterval = 1h\n"
		 "AlarmCommand = /usr/local/bin/alarm ; rings the bell\n"
		 "\n"
		 "[Peer moscow]\n"
		 "PublicKey = %s\n"
		 "Endpoint = 127.0.0.1:7341\n"
		 "Endpoint = [::1]:7341\n"
		 "PresharedKeyFile = moscow.psk\n"
		 "KeepaliveInterval = 250ms\n"
		 "DeadAfter = 5\n",
		 pub[1]);
	put_str("fuzz_config", "full.conf", text);
	snprintf(text, sizeof text,
		 "\xEF\xBB\xBF[Station]\r\n"
		 "Name = moscow\r\n"
		 "PrivateKeyFile = /etc/hotline/station.key\r\n"
		 "StateDir = /var/lib/hotline\r\n"
		 "\r\n"
		 "[ Peer washington ]\r\n"
		 "PublicKey = %s\r\n"
		 "\r\n"
		 "[Peer backup]\r\n"
		 "PublicKey = %s\r\n"
		 "Endpoint = [2001:db8::1]:65535\r\n",
		 pub[0], pub[1]);
	put_str("fuzz_config", "crlf_bom.conf", text);
	/* Refused ones, so the error paths are in the corpus too. */
	snprintf(text, sizeof text,
		 "[Station]\nName = washington\nPrivateKeyFile = k\nStateDir = s\n"
		 "[Peer moscow]\nPublicKey = %s\n[Peer moscow2]\nPublicKey = %s\n",
		 pub[1], pub[1]);
	put_str("fuzz_config", "dup_key.conf", text);
	put_str("fuzz_config", "bad_duration.conf",
		"[Station]\nName = w\nPrivateKeyFile = k\nStateDir = s\nTestInterval = 5x\n");
}

/* Encrypted key files for fuzz_keyfile, built here by the format of keys.h
 * rather than by hl_keys_write_private_encrypted (which draws a random salt
 * and nonce), so they are the same bytes every time; the first is checked
 * by opening it with the reader. Argon2id costs the reader's floor, 64 MiB,
 * once. Also a plain key and refused parameters, for the error paths. */
static void put_encrypted_key(const char *name, const hl_identity *id, const char *pass,
			      uint64_t ops, uint64_t mem, int newline, int verify)
{
	uint8_t blob[16 + 8 + 8 + 24 + 48], key[32];
	uint8_t ad[sizeof HL_KEYS_ENC_MAGIC - 1 + 56];
	char line[sizeof HL_KEYS_ENC_MAGIC + 141 + 1], err[256];
	const size_t mlen = sizeof HL_KEYS_ENC_MAGIC - 1;

	for (unsigned i = 0; i < 16; i++)
		blob[i] = (uint8_t)(0x50 + i);          /* salt */
	hl_be64_put(blob + 16, ops);
	hl_be64_put(blob + 24, mem);
	for (unsigned i = 0; i < 24; i++)
		blob[32 + i] = (uint8_t)(0xa0 + i);     /* nonce */
	memcpy(ad, HL_KEYS_ENC_MAGIC, mlen);
	memcpy(ad + mlen, blob, 56);
	if (ops <= HL_KEYS_PWHASH_OPS_MAX && mem <= HL_KEYS_PWHASH_MEM_MAX) {
		if (crypto_pwhash(key, sizeof key, pass, strlen(pass), blob, ops, (size_t)mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
			die("argon2id");
	} else {
		memset(key, 0x11, sizeof key); /* refused before any derivation anyway */
	}
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 56, NULL, id->seed, HL_SEED_LEN, ad,
						       sizeof ad, NULL, blob + 32, key) != 0)
		die("seal");
	memcpy(line, HL_KEYS_ENC_MAGIC " ", mlen + 1);
	sodium_bin2base64(line + mlen + 1, 141, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	if (newline)
		strcat(line, "\n");
	if (verify) {
		hl_identity *back = NULL;
		if (hl_keys_parse_private_encrypted(line, strlen(line), pass, strlen(pass), &back, err,
						    sizeof err) != 0 ||
		    hl_pubkey_cmp(&back->pub, &id->pub) != 0)
			die("encrypted key seed does not open with the reader");
		hl_keys_free(back);
	}
	put_str("fuzz_keyfile", name, line);
}

static void keyfiles(void)
{
	uint8_t seed[HL_SEED_LEN];
	char line[64];
	hl_identity *id;

	for (unsigned i = 0; i < HL_SEED_LEN; i++)
		seed[i] = (uint8_t)i;
	if (hl_keys_from_seed(seed, &id) != 0)
		die("keys");
	put_encrypted_key("enc_floor", id, "correct horse battery staple", HL_KEYS_PWHASH_OPS_MIN,
			  HL_KEYS_PWHASH_MEM_MIN, 1, 1);
	put_encrypted_key("enc_default_no_newline", id, "correct horse battery staple",
			  HL_KEYS_PWHASH_OPS_DEFAULT, HL_KEYS_PWHASH_MEM_DEFAULT, 0, 0);
	put_encrypted_key("enc_ops_too_high", id, "x", HL_KEYS_PWHASH_OPS_MAX + 1,
			  HL_KEYS_PWHASH_MEM_MIN, 1, 0);
	put_encrypted_key("enc_mem_too_big", id, "x", HL_KEYS_PWHASH_OPS_MIN,
			  (uint64_t)HL_KEYS_PWHASH_MEM_MAX * 1024, 1, 0);
	put_encrypted_key("enc_too_weak", id, "x", 1, 8192, 1, 0);
	sodium_bin2base64(line, sizeof line, id->seed, HL_SEED_LEN, sodium_base64_VARIANT_ORIGINAL);
	strcat(line, "\n");
	put_str("fuzz_keyfile", "plain", line);
	hl_keys_free(id);
}

static void texts(void)
{
	put_str("fuzz_text", "body_en", vec_specs[0].body);
	put_str("fuzz_text", "body_ru", vec_specs[2].body);
	put_str("fuzz_text", "operator", vec_specs[1].operator_name);
	put_str("fuzz_text", "lang", "de-CH-1901");
	put_str("fuzz_text", "hex", "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
	put_str("fuzz_text", "mixed", "tab\there \xf0\x9f\x93\xbb U+10FFFF=\xf4\x8f\xbf\xbf\r\n");
}

/* A request as src/client.c sends it: the object the cmd_*.c builds, compact. */
static void put_request(const char *name, json_t *req)
{
	char *s;

	if (!req || !(s = json_dumps(req, JSON_COMPACT)))
		die("request");
	put_str("fuzz_api_request", name, s);
	free(s);
	json_decref(req);
}

static void api_requests(void)
{
	json_t *r;

	put_request("status", json_pack("{s:s}", "cmd", "status"));
	put_request("inbox", json_pack("{s:s}", "cmd", "inbox"));
	put_request("log", json_pack("{s:s, s:s}", "cmd", "log", "peer", "moscow"));
	put_request("test", json_pack("{s:s,s:s}", "cmd", "test", "peer", "moscow"));
	put_request("report", json_pack("{s:s,s:s,s:I}", "cmd", "report", "peer", "moscow",
					"since_ms", (json_int_t)1795000000000));
	put_request("send", json_pack("{s:s, s:s, s:s, s:s}", "cmd", "send", "peer", "moscow",
				      "precedence", "routine", "text", vec_specs[0].body));
	r = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "send", "peer", "washington", "precedence",
		      "flash", "text", vec_specs[2].body);
	if (r)
		json_object_set_new(r, "lang", json_string("ru"));
	put_request("send_flash_ru", r);
	put_request("export", json_pack("{s:s, s:s, s:s}", "cmd", "export", "peer", "moscow",
					"kind", "full"));
	put_request("export_proof", json_pack("{s:s, s:s, s:s}", "cmd", "export", "peer", "moscow",
					      "kind", "proof"));
	r = json_pack("{s:s, s:s, s:s}", "cmd", "export", "peer", "moscow", "kind", "full");
	if (r) {
		json_object_set_new(r, "from", json_string("120"));
		json_object_set_new(r, "to", json_string("2026-11-27T03:00:00Z"));
	}
	put_request("export_range", r);
	/* Refused ones, as tests/tools/apiclient.py sends them. */
	put_str("fuzz_api_request", "bad_unknown_field",
		"{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"x\",\"admin\":true}");
	put_str("fuzz_api_request", "bad_duplicate", "{\"cmd\":\"status\",\"cmd\":\"send\"}");
	put_str("fuzz_api_request", "bad_escape",
		"{\"cmd\":\"send\",\"peer\":\"moscow\",\"text\":\"a\\u001b[2J\\ud800\"}");
}

/* fuzz_rules input: the receiver's view, then the entry (see fuzz_rules.c). */
static void rules_case(const char *name, const uint8_t line[HL_HASH_LEN], const uint8_t author[32],
		       uint64_t head, uint64_t head_link, const uint8_t (*peer)[HL_HASH_LEN], unsigned n_peer,
		       const uint8_t (*own)[HL_HASH_LEN], unsigned n_own, const uint8_t *enc,
		       size_t len)
{
	hl_buf b;

	hl_buf_init(&b, 2 * HL_MAX_ENTRY);
	if (hl_buf_put(&b, line, HL_HASH_LEN) != 0 || hl_buf_put(&b, author, 32) != 0 ||
	    hl_buf_put_u64(&b, head) != 0 || hl_buf_put_u64(&b, head_link) != 0 ||
	    hl_buf_put_u8(&b, (uint8_t)(head ? n_peer - 1 : 0)) != 0 ||
	    hl_buf_put_u8(&b, (uint8_t)n_own) != 0 ||
	    (n_peer && hl_buf_put(&b, peer, (size_t)n_peer * HL_HASH_LEN) != 0) ||
	    (n_own && hl_buf_put(&b, own, (size_t)n_own * HL_HASH_LEN) != 0) ||
	    hl_buf_put(&b, enc, len) != 0)
		die("rules case");
	put_file("fuzz_rules", name, b.p, b.len);
	hl_buf_free(&b);
}

/* Vectors: A seq 1, B seq 1 (cross-linked to A 1), B seq 2. Each outcome of
 * the rules once, as station A (or B) receiving. */
static void rules_cases(uint8_t blobs[4][HL_MAX_ENTRY], const size_t lens[4],
			hl_identity *const st[2], const uint8_t line[HL_HASH_LEN])
{
	uint8_t h[3][HL_HASH_LEN], x[3][HL_HASH_LEN];
	const uint8_t *a = st[0]->pub.ed, *b = st[1]->pub.ed;

	for (int i = 0; i < 3; i++)
		hl_entry_hash(blobs[i], lens[i], h[i]);
	memset(x, 0x5a, sizeof x);
	rules_case("accept_a1", line, a, 0, 0, NULL, 0, NULL, 0, blobs[0], lens[0]);
	rules_case("accept_b1", line, b, 0, 0, NULL, 0, &h[0], 1, blobs[1], lens[1]);
	rules_case("accept_b2", line, b, 1, 1, &h[1], 1, &h[0], 1, blobs[2], lens[2]);
	rules_case("resend_b1", line, b, 2, 1, &h[1], 2, &h[0], 1, blobs[1], lens[1]);
	memcpy(x[0], h[1], HL_HASH_LEN);
	rules_case("equivocation_b2", line, b, 2, 1, x, 2, &h[0], 1, blobs[2], lens[2]);
	memset(x, 0x5a, sizeof x);
	rules_case("gap_b2", line, b, 0, 0, NULL, 0, &h[0], 1, blobs[2], lens[2]);
	rules_case("peerhash_b1", line, b, 0, 0, NULL, 0, NULL, 0, blobs[1], lens[1]);
	rules_case("prev_b2", line, b, 1, 1, x, 1, &h[0], 1, blobs[2], lens[2]);
	rules_case("author_b1", line, a, 0, 0, NULL, 0, &h[0], 1, blobs[1], lens[1]);
	/* B's seq 1 said it had stored A up to 2; its seq 2 names only A 1. */
	rules_case("xlink_back_b2", line, b, 1, 2, &h[1], 1, &h[0], 1, blobs[2], lens[2]);
	rules_case("store_b1", line, b, 5, 0, x, 3, &h[0], 1, blobs[1], lens[1]);
}

int main(int argc, char **argv)
{
	uint8_t (*blobs)[HL_MAX_ENTRY] = calloc(4, HL_MAX_ENTRY);
	size_t lens[4];
	hl_identity *st[2];
	uint8_t line[HL_HASH_LEN];
	struct handshake ik, ikpsk;
	hl_buf enc;
	char name[32];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	root = argv[1];
	if (sodium_init() < 0 || !blobs)
		die("init");
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		die(root);
	if (vector_blobs(blobs, lens) != 4)
		die("expected 3 entries and a receipt");
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "vector%d", i + 1);
		put_file("fuzz_entry", name, blobs[i], lens[i]);
	}
	put_file("fuzz_receipt", "receipt1", blobs[3], lens[3]);

	st[0] = vec_identity(0);
	st[1] = vec_identity(1);
	if (!st[0] || !st[1])
		die("identities");
	hl_line_id(&st[0]->pub, &st[1]->pub, line);
	extra_entry(st[0], line, &enc);
	put_file("fuzz_entry", "refs16", enc.p, enc.len);
	hl_buf_free(&enc);

	/* B's receipt for A's seq 1 (vector 1). */
	hl_receipt r;
	uint8_t rb[HL_RECEIPT_LEN];
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, line, HL_HASH_LEN);
	memcpy(r.receiver, st[1]->pub.ed, 32);
	r.seq = 1;
	hl_entry_hash(blobs[0], lens[0], r.hash);
	r.time_ms = VEC_TIME_MS + 60000;
	if (hl_receipt_sign(&r, st[1]) != 0)
		die("receipt");
	hl_receipt_encode(&r, rb);
	put_file("fuzz_receipt", "receipt2", rb, sizeof rb);

	handshake(0, &ik);
	handshake(1, &ikpsk);
	put_file("fuzz_noise_responder", "msg1_ik", ik.msg1, ik.len1);
	put_file("fuzz_noise_responder", "msg1_ikpsk2", ikpsk.msg1, ikpsk.len1);
	put_file("fuzz_noise_initiator", "msg2_ik", ik.msg2, ik.len2);
	put_file("fuzz_noise_initiator", "msg2_ikpsk2", ikpsk.msg2, ikpsk.len2);
	records_and_frames(st[0], blobs, lens, &ik);

	configs();
	keyfiles();
	texts();
	api_requests();
	rules_cases(blobs, lens, st, line);
	sodium_free(st[0]);
	sodium_free(st[1]);
	free(blobs);
	return 0;
}
