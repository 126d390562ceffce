/* fuzz_verify.c — libFuzzer target: the streaming transcript verifier
 * (hl_verifier_run) reading arbitrary bytes from a memfd. It must give a
 * verdict, never crash, keep its heap flat (a bound independent of the
 * input), and call a file valid only if the file's own trailer holds: END
 * last, digest of every byte before it, Ed25519 signature by the header's
 * key A (checked here, not by the verifier's code). A file it accepts must
 * be accepted again, with the keys pinned either way round, refused under a
 * wrong pin, and refused after any truncation or one changed byte.
 *
 * Seeds (tests/fuzz/corpus/fuzz_verify/): daemon_*.hlt are real exports of
 * two hotlined on one line (a full file of 3 messages, a range, and the
 * equivocation proof of tests/integration/export.sh); hlt_make_*.hlt are from
 * tests/tools/hlt_make: -n 2 --body 20 (full), -n 3 --body 20 --range 2:4,
 * -n 3 --body 20 --proof, -n 2 --body 20 --unreceipted 1,0. */
#include <sanitizer/allocator_interface.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "record/transcript.h"
#include "record/verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_verify: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* The verifier's heap is fixed: a read window sized for the largest
 * record, two hash write buffers and its state (about 450 KiB), measured on
 * an empty input at start. Whatever an input holds or claims, a run may use
 * at most this much more. */
#define HEAP_SLACK (64u * 1024u)

/* Heap in use while tracking is on, and its high-water mark. */
static int tracking;
static long long heap_now, heap_peak, heap_base;

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	if (!tracking)
		return;
	heap_now += (long long)n;
	if (heap_now > heap_peak)
		heap_peak = heap_now;
}

static void on_free(const volatile void *p)
{
	if (!tracking || !p || !__sanitizer_get_ownership((const void *)p))
		return;
	heap_now -= (long long)__sanitizer_get_allocated_size((const void *)p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	return 0;
}

static int verify(const uint8_t *data, size_t size, const hl_pubkey *pin, hl_verify_report *rep);

static void measure_base(void)
{
	hl_verify_report rep;

	CHECK(verify((const uint8_t *)"", 0, NULL, &rep) == 0);
	heap_base = heap_peak;
	CHECK(heap_base > 0);
}

/* Verifies data[0..size) with an optional pin; returns rep->ok. */
static int verify(const uint8_t *data, size_t size, const hl_pubkey *pin, hl_verify_report *rep)
{
	hl_verifier *v = NULL;
	hl_verify_opts o;
	int fd, rc;

	memset(&o, 0, sizeof o);
	o.pin = pin;
	fd = memfd_create("fuzz_verify", MFD_CLOEXEC);
	CHECK(fd >= 0);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	CHECK(lseek(fd, 0, SEEK_SET) == 0);

	heap_now = heap_peak = 0;
	tracking = 1;
	CHECK(hl_verifier_new(&v) == 0);
	rc = hl_verifier_run(v, fd, &o, rep);
	hl_verifier_free(v);
	tracking = 0;
	close(fd);

	if (heap_base && heap_peak > heap_base + (long long)HEAP_SLACK)
		fprintf(stderr, "fuzz_verify: heap peak %lld bytes for %zu input bytes (empty "
			"input: %lld)\n", heap_peak, size, heap_base);
	CHECK(!heap_base || heap_peak <= heap_base + (long long)HEAP_SLACK);
	/* A memfd never fails to read, and memory is there: always a verdict. */
	CHECK(rc == 0);
	CHECK(rep->ok == 0 || rep->ok == 1);
	CHECK(rep->ok == (rep->rule == HL_VR_OK));
	CHECK(rep->rule >= HL_VR_OK && rep->rule < HL_VR_MAX);
	CHECK(memchr(rep->msg, 0, sizeof rep->msg) != NULL);
	CHECK(rep->ok || rep->msg[0] != '\0');
	CHECK(rep->bytes <= size);
	CHECK(rep->fail_offset <= size);
	return rep->ok;
}

/* The trailer as PROTOCOL.md §5 defines it, checked from the bytes. */
static void check_trailer(const uint8_t *data, size_t size, const hl_verify_report *rep)
{
	static const uint8_t prefix[HL_HLT_SIG_PREFIX_LEN] = HL_HLT_SIG_PREFIX;
	const size_t end_rec = HL_RECORD_HDR + HL_HLT_END_LEN;
	uint8_t digest[32], msg[HL_HLT_SIG_PREFIX_LEN + 52];
	const uint8_t *end, *body;
	hl_buf hdr;

	CHECK(size > end_rec);
	CHECK(rep->bytes == size);
	end = data + size - end_rec;
	body = end + HL_RECORD_HDR;
	CHECK(end[0] == HL_HLT_END && hl_be32_get(end + 1) == HL_HLT_END_LEN);
	crypto_generichash(digest, sizeof digest, data, size - end_rec, NULL, 0);
	CHECK(memcmp(digest, body + 20, 32) == 0);
	memcpy(msg, prefix, sizeof prefix);
	memcpy(msg + sizeof prefix, body, 52);
	CHECK(crypto_sign_ed25519_verify_detached(body + 52, msg, sizeof msg,
						  rep->hdr.key_a.ed) == 0);
	/* ...and key A is the one the file's header carries. */
	hl_buf_init(&hdr, HL_HLT_HEADER_MAX);
	CHECK(hl_hlt_header_encode(&rep->hdr, &hdr) == 0);
	CHECK(hdr.len < size - end_rec && memcmp(hdr.p, data, hdr.len) == 0);
	hl_buf_free(&hdr);
	CHECK(hl_be64_get(body) == rep->st[0].entries && hl_be64_get(body + 8) == rep->st[1].entries);
}

static void check_accepted(const uint8_t *data, size_t size, const hl_verify_report *rep)
{
	hl_verify_report again;
	hl_pubkey pin[2];
	uint8_t *copy;
	size_t step;

	check_trailer(data, size, rep);

	CHECK(verify(data, size, NULL, &again) == 1);
	CHECK(memcmp(&again.hdr, &rep->hdr, sizeof again.hdr) == 0);
	CHECK(again.receipts == rep->receipts && again.bytes == rep->bytes);
	pin[0] = rep->hdr.key_b;
	pin[1] = rep->hdr.key_a;
	CHECK(verify(data, size, pin, &again) == 1 && again.keys_pinned);
	pin[0].ed[5] ^= 0x40;
	CHECK(verify(data, size, pin, &again) == 0 && again.rule == HL_VR_KEYS);

	/* No proper prefix is a valid file: spread over the file, and every
	 * length inside the END record. */
	step = size / 64 + 1;
	for (size_t n = 0; n < size; n += step)
		CHECK(verify(data, n, NULL, &again) == 0);
	for (size_t n = size > 130 ? size - 130 : 0; n < size; n++)
		CHECK(verify(data, n, NULL, &again) == 0);

	/* Every byte is covered by the digest or is the signature: changing
	 * one, anywhere, must be noticed. */
	copy = malloc(size);
	CHECK(copy);
	memcpy(copy, data, size);
	step = size / 96 + 1;
	for (size_t i = 0; i < size; i += step) {
		for (int bit = 0; bit < 8; bit += 7) {
			copy[i] ^= (uint8_t)(1u << bit);
			CHECK(verify(copy, size, NULL, &again) == 0);
			copy[i] = data[i];
		}
	}
	for (size_t i = size - 64; i < size; i += 9) {
		copy[i] ^= 0x20;
		CHECK(verify(copy, size, NULL, &again) == 0);
		copy[i] = data[i];
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_verify_report rep;

	if (!heap_base)
		measure_base();
	if (verify(data, size, NULL, &rep))
		check_accepted(data, size, &rep);
	return 0;
}
