/* cmd_verify.c — `hotline verify FILE [--against OTHER] [--keys A,B] [--json]
 * [--quiet]`: offline; prints the verifier's report (src/verify.h). */
#include "cli.h"
#include "record/entry.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "util/text.h"
#include "record/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEYFILE_MAX 4096u

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline verify FILE [--against OTHER] [--keys A,B] [--json] [--quiet]\n"
		   "  Checks an exported transcript (.hlt) offline: every signature, chain link,\n"
		   "  cross-link and receipt, and the exporter's signed trailer. FILE may be '-'.\n"
		   "  --against OTHER  also verify OTHER (the other station's export of the line)\n"
		   "                   and compare the two\n"
		   "  --keys A,B       the two station keys you expect: each an 88-character key\n"
		   "                   or a file holding one (such as a .pub file)\n"
		   "  --json           print the report as one JSON object\n"
		   "  --quiet          print nothing on success\n"
		   "Exit status: 0 all holds (for a proof: the proof is valid), 1 it does not,\n"
		   "2 usage error.\n");
}

typedef struct {
	const char *file;
	int tty;
	uint64_t size;     /* 0 when not a regular file */
	struct timespec start, last;
	int shown;
} progress_st;

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_progress(void *arg, uint64_t bytes, uint64_t entries)
{
	progress_st *p = arg;
	struct timespec now;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && since(&p->last, &now) < 0.2)
		return;
	p->last = now;
	p->shown = 1;
	t = since(&p->start, &now);
	fprintf(stderr, "\rverifying %s: %llu entries, %.0f entries/s", p->file,
		(unsigned long long)entries, t > 0 ? (double)entries / t : 0.0);
	if (p->size)
		fprintf(stderr, ", %.0f%%", 100.0 * (double)bytes / (double)p->size);
	fprintf(stderr, "\033[K");
}

static void fmt_ms(uint64_t ms, char out[40])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || strftime(out, 40, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(out, 40, "(time %llu ms)", (unsigned long long)ms);
		return;
	}
	snprintf(out + strlen(out), 40 - strlen(out), ".%03uZ", (unsigned)(ms % 1000));
}

static void hex32(const uint8_t *p, char out[65])
{
	hl_hex(p, 32, out);
}

static const char *sname(const hl_verify_report *r, int s)
{
	return r->st[s].name[0] ? r->st[s].name : s ? "station B" : "station A";
}

/* "washington (key Xy3...)": the first 16 base64 characters of the key. */
static void who(const hl_verify_report *r, int side, const uint8_t ed[32], char *out, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof b64, ed, 32, sodium_base64_VARIANT_ORIGINAL);
	b64[16] = '\0';
	if (side >= 0)
		snprintf(out, n, "%s (key %s...)", sname(r, side), b64);
	else
		snprintf(out, n, "an unknown station (key %s...)", b64);
}

static const char *rec_name(uint8_t t)
{
	static const char *const n[] = { "header", "ENTRY", "ANCHOR", "RECEIPT", "CONFLICT", "END" };
	return t <= HL_HLT_END ? n[t] : "record";
}

static void print_failure(const char *file, const hl_verify_report *r)
{
	char w[160], h[65];

	if (r->rule == HL_VR_TRUNC || r->fail_record == 0) {
		fprintf(stderr, "hotline verify: %s: INVALID: %s\n", file, r->msg);
		return;
	}
	if (r->fail_has_entry) {
		who(r, r->fail_side, r->fail_author, w, sizeof w);
		hex32(r->fail_hash, h);
		fprintf(stderr, "hotline verify: %s: INVALID at byte %llu: %s by %s, seq %llu, "
			"entry %s:\n  %s\n", file, (unsigned long long)r->fail_offset,
			rec_name(r->fail_record), w, (unsigned long long)r->fail_seq, h, r->msg);
		return;
	}
	fprintf(stderr, "hotline verify: %s: INVALID at byte %llu (%s record): %s\n", file,
		(unsigned long long)r->fail_offset, rec_name(r->fail_record), r->msg);
}

static void print_station(const hl_verify_report *r, int s)
{
	const hl_verify_station *st = &r->st[s], *o = &r->st[1 - s];
	char key[HL_PUBKEY_B64_LEN + 1], t1[40], t2[40];

	hl_pubkey_encode(&st->key, key);
	printf("  %s  %s\n", sname(r, s), key);
	if (!st->entries) {
		printf("    no entries in this file\n");
		return;
	}
	fmt_ms(st->first_ms, t1);
	fmt_ms(st->last_ms, t2);
	printf("    %llu entries, seq %llu..%llu, %s .. %s\n", (unsigned long long)st->entries,
	       (unsigned long long)st->first_seq, (unsigned long long)st->last_seq, t1, t2);
	if (st->has_anchor)
		printf("    anchored at seq %llu (the entry before the range)\n",
		       (unsigned long long)st->anchor_seq);
	if (o->rcpt_seq) {
		fmt_ms(o->rcpt_ms, t1);
		printf("    receipted by %s up to seq %llu (receipt signed %s)\n", sname(r, 1 - s),
		       (unsigned long long)o->rcpt_seq, t1);
	} else {
		printf("    no receipt by %s in this file\n", sname(r, 1 - s));
	}
	if (o->rcpt_seq < st->last_seq) {
		uint64_t lo = o->rcpt_seq >= st->first_seq ? o->rcpt_seq + 1 : st->first_seq;
		printf("    not receipted: seq %llu..%llu (%llu entries)\n", (unsigned long long)lo,
		       (unsigned long long)st->last_seq,
		       (unsigned long long)(st->last_seq - lo + 1));
	}
	printf("    cross-links to %s: %llu checked", sname(r, 1 - s),
	       (unsigned long long)st->xlinks_checked);
	if (st->xlinks_outside)
		printf(", %llu outside the range (NOT checked)", (unsigned long long)st->xlinks_outside);
	printf("\n");
}

static void print_report(const char *file, const hl_verify_report *r)
{
	char t[40], h[65];
	const hl_hlt_header *hd = &r->hdr;

	if (hd->kind == HL_HLT_PROOF) {
		char key[HL_PUBKEY_B64_LEN + 1];
		hl_pubkey_encode(&r->st[r->proof_side].key, key);
		printf("%s: VALID PROOF OF EQUIVOCATION: %s (%s) signed two different entries with "
		       "seq %llu\n", file, sname(r, r->proof_side), key,
		       (unsigned long long)r->proof_seq);
		hex32(r->proof_hash[0], h);
		printf("  first entry   %s\n", h);
		hex32(r->proof_hash[1], h);
		printf("  second entry  %s\n", h);
	} else if (hd->kind == HL_HLT_RANGE) {
		printf("%s: VALID RANGE — NOT the whole line: only", file);
		for (int s = 0; s < 2; s++) {
			if (r->st[s].entries)
				printf("%s %s seq %llu..%llu", s ? "," : "", sname(r, s),
				       (unsigned long long)r->st[s].first_seq,
				       (unsigned long long)r->st[s].last_seq);
			else
				printf("%s no entries of %s", s ? "," : "", sname(r, s));
		}
		printf("\n");
	} else {
		printf("%s: VALID — the whole line as %s exported it\n", file, sname(r, 0));
	}
	hex32(hd->line_id, h);
	fmt_ms(hd->exported_ms, t);
	printf("  line      %s\n  exported  %s by %s (who signed this file)\n", h, t, sname(r, 0));
	if (hd->kind != HL_HLT_PROOF) {
		for (int s = 0; s < 2; s++)
			print_station(r, s);
		printf("  receipts  %llu checked\n", (unsigned long long)r->receipts);
	} else {
		for (int s = 0; s < 2; s++) {
			char key[HL_PUBKEY_B64_LEN + 1];
			hl_pubkey_encode(&r->st[s].key, key);
			printf("  %s  %s\n", sname(r, s), key);
		}
	}
	if (r->keys_pinned)
		printf("  keys      both match the keys given with --keys\n");
	else
		printf("  keys      NOT pinned: compare the two keys above with the keys you know\n"
		       "            (or give them with --keys A,B)\n");
}

static json_t *report_json(const char *file, const hl_verify_report *r)
{
	static const char *const kinds[] = { "", "full", "range", "proof" };
	json_t *o = json_object(), *sts = json_array();
	char buf[HL_PUBKEY_B64_LEN + 1], h[65];

	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "ok", json_boolean(r->ok));
	if (r->have_header) {
		json_object_set_new(o, "kind", json_string(kinds[r->hdr.kind]));
		hex32(r->hdr.line_id, h);
		json_object_set_new(o, "line_id", json_string(h));
		json_object_set_new(o, "exported_ms", json_integer((json_int_t)r->hdr.exported_ms));
		json_object_set_new(o, "keys_pinned", json_boolean(r->keys_pinned));
		for (int s = 0; s < 2; s++) {
			const hl_verify_station *st = &r->st[s];
			json_t *j = json_object();
			hl_pubkey_encode(&st->key, buf);
			json_object_set_new(j, "name", json_string(st->name));
			json_object_set_new(j, "key", json_string(buf));
			json_object_set_new(j, "entries", json_integer((json_int_t)st->entries));
			json_object_set_new(j, "first_seq", json_integer((json_int_t)st->first_seq));
			json_object_set_new(j, "last_seq", json_integer((json_int_t)st->last_seq));
			json_object_set_new(j, "first_ms", json_integer((json_int_t)st->first_ms));
			json_object_set_new(j, "last_ms", json_integer((json_int_t)st->last_ms));
			if (st->has_anchor)
				json_object_set_new(j, "anchor_seq", json_integer((json_int_t)st->anchor_seq));
			json_object_set_new(j, "receipted_seq",
					    json_integer((json_int_t)r->st[1 - s].rcpt_seq));
			json_object_set_new(j, "receipted_ms",
					    json_integer((json_int_t)r->st[1 - s].rcpt_ms));
			json_object_set_new(j, "crosslinks_checked",
					    json_integer((json_int_t)st->xlinks_checked));
			json_object_set_new(j, "crosslinks_outside",
					    json_integer((json_int_t)st->xlinks_outside));
			json_array_append_new(sts, j);
		}
		json_object_set_new(o, "receipts", json_integer((json_int_t)r->receipts));
	}
	json_object_set_new(o, "stations", sts);
	if (r->ok && r->hdr.kind == HL_HLT_PROOF) {
		json_t *p = json_object();
		json_object_set_new(p, "station", json_string(r->st[r->proof_side].name));
		json_object_set_new(p, "seq", json_integer((json_int_t)r->proof_seq));
		hex32(r->proof_hash[0], h);
		json_object_set_new(p, "hash1", json_string(h));
		hex32(r->proof_hash[1], h);
		json_object_set_new(p, "hash2", json_string(h));
		json_object_set_new(o, "equivocation", p);
	}
	if (!r->ok) {
		json_t *e = json_object();
		json_object_set_new(e, "rule", json_string(hl_verify_rule_name(r->rule)));
		json_object_set_new(e, "message", json_string(r->msg));
		json_object_set_new(e, "offset", json_integer((json_int_t)r->fail_offset));
		json_object_set_new(e, "record", json_string(rec_name(r->fail_record)));
		if (r->fail_has_entry) {
			json_object_set_new(e, "station", r->fail_side >= 0 ?
					    json_string(sname(r, r->fail_side)) : json_null());
			json_object_set_new(e, "seq", json_integer((json_int_t)r->fail_seq));
			hex32(r->fail_hash, h);
			json_object_set_new(e, "hash", json_string(h));
		}
		json_object_set_new(o, "error", e);
	}
	return o;
}

/* An 88-character key, or a file whose first word is one. */
static int parse_key(const char *s, hl_pubkey *pk)
{
	char buf[KEYFILE_MAX + 1];
	ssize_t n;
	size_t i = 0, j;
	int fd;

	if (strlen(s) == HL_PUBKEY_B64_LEN && hl_pubkey_decode(s, pk) == 0)
		return 0;
	fd = open(s, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hotline verify: --keys: '%s' is neither a key nor a readable file "
			"(%s)\n", s, strerror(errno));
		return -1;
	}
	n = read(fd, buf, KEYFILE_MAX);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')
		i++;
	for (j = i; buf[j] && buf[j] != ' ' && buf[j] != '\t' && buf[j] != '\n' && buf[j] != '\r'; j++)
		;
	buf[j] = '\0';
	if (hl_pubkey_decode(buf + i, pk) < 0) {
		fprintf(stderr, "hotline verify: --keys: %s does not hold a station public key\n", s);
		return -1;
	}
	return 0;
}

static int parse_keys(const char *arg, hl_pubkey pin[2])
{
	const char *comma = strchr(arg, ',');
	char first[HL_MAX_PATH + 1];

	if (!comma || strchr(comma + 1, ',') || comma == arg || !comma[1] ||
	    (size_t)(comma - arg) > HL_MAX_PATH) {
		fprintf(stderr, "hotline verify: --keys needs two keys (or key files) A,B\n");
		return 2;
	}
	memcpy(first, arg, (size_t)(comma - arg));
	first[comma - arg] = '\0';
	/* A key that cannot be read or parsed is a bad argument: usage. */
	if (parse_key(first, &pin[0]) < 0 || parse_key(comma + 1, &pin[1]) < 0)
		return 2;
	if (hl_pubkey_cmp(&pin[0], &pin[1]) == 0) {
		fprintf(stderr, "hotline verify: --keys names the same key twice\n");
		return 2;
	}
	return 0;
}

/* 0 when the verdict is in rep, 1 when the file could not be checked. */
static int verify_one(const char *file, const hl_pubkey *pin, int quiet, hl_verifier **v,
		      hl_verify_report *rep)
{
	progress_st p;
	hl_verify_opts o;
	struct stat sb;
	int fd, rc;

	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hotline verify: %s: %s\n", file, strerror(errno));
		return 1;
	}
	p.file = file;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		p.size = (uint64_t)sb.st_size;
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	o.pin = pin;
	if (!quiet && isatty(STDERR_FILENO)) {
		o.progress = on_progress;
		o.progress_arg = &p;
	}
	rc = hl_verifier_new(v);
	if (rc == 0)
		rc = hl_verifier_run(*v, fd, &o, rep);
	if (p.shown)
		fprintf(stderr, "\r\033[K");
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0) {
		fprintf(stderr, "hotline verify: %s: cannot verify: %s (temporary file in $TMPDIR "
			"or /tmp)\n", file, hl_strerror(rc));
		return 1;
	}
	return 0;
}

static void print_lacks(const char *f[2], const hl_verify_report *r, const hl_verify_cmp *c,
			const hl_verify_report *r2)
{
	for (int fi = 0; fi < 2; fi++)
		for (int s = 0; s < 2; s++)
			for (int k = 0; k < 2; k++)
				if (c->lacks[fi][s][k].lo <= c->lacks[fi][s][k].hi)
					printf("%s's export (%s) lacks %s seq %llu..%llu\n",
					       sname(fi ? r2 : r, 0), f[fi], sname(r, s),
					       (unsigned long long)c->lacks[fi][s][k].lo,
					       (unsigned long long)c->lacks[fi][s][k].hi);
}

static int compare(const char *f[2], hl_verifier *v[2], const hl_verify_report rep[2], int json,
		   int quiet, json_t *jo)
{
	hl_verify_cmp c;
	char h1[65], h2[65];

	if (hl_verify_compare(v[0], v[1], &c) < 0) {
		fprintf(stderr, "hotline verify: cannot compare the two files (temporary files)\n");
		return 1;
	}
	if (json) {
		json_t *j = json_object();
		json_object_set_new(j, "same_line", json_boolean(c.same_line));
		json_object_set_new(j, "identical", json_boolean(c.identical));
		json_object_set_new(j, "differ", json_boolean(c.differ));
		if (c.differ) {
			json_object_set_new(j, "differ_station",
					    json_string(sname(&rep[0], c.differ_station)));
			json_object_set_new(j, "differ_seq", json_integer((json_int_t)c.differ_seq));
		}
		json_object_set_new(jo, "against", j);
	}
	if (!c.same_line) {
		fprintf(stderr, "hotline verify: %s and %s are exports of different lines\n", f[0], f[1]);
		return 1;
	}
	if (c.differ) {
		hex32(c.differ_hash[0], h1);
		hex32(c.differ_hash[1], h2);
		fprintf(stderr, "hotline verify: the exports DIFFER: %s seq %llu is\n  %s in %s\n"
			"  %s in %s\n", sname(&rep[0], c.differ_station),
			(unsigned long long)c.differ_seq, h1, f[0], h2, f[1]);
		return 1;
	}
	if (!json && !quiet) {
		if (c.identical)
			printf("%s and %s: identical\n", f[0], f[1]);
		else {
			printf("%s and %s: identical where they overlap\n", f[0], f[1]);
			print_lacks(f, &rep[0], &c, &rep[1]);
		}
	}
	return 0;
}

int hl_cmd_verify(const hl_cli *cli, int argc, char **argv)
{
	const char *f[2] = { NULL, NULL }, *keys = NULL;
	hl_verifier *v[2] = { NULL, NULL };
	hl_verify_report rep[2];
	hl_pubkey pin[2];
	int json = cli && cli->json, quiet = 0, status = 1, nfiles;
	json_t *jo = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--against") == 0 && i + 1 < argc && !f[1]) {
			f[1] = argv[++i];
		} else if (strcmp(a, "--keys") == 0 && i + 1 < argc && !keys) {
			keys = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && !f[0]) {
			f[0] = argv[++i];
		} else if ((a[0] != '-' || strcmp(a, "-") == 0) && !f[0]) {
			f[0] = a;
		} else {
			fprintf(stderr, "hotline verify: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!f[0]) {
		usage(stderr);
		return 2;
	}
	if (f[1] && strcmp(f[0], "-") == 0 && strcmp(f[1], "-") == 0) {
		fprintf(stderr, "hotline verify: only one of the files can be standard input\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline verify: cannot initialise libsodium\n");
		return 1;
	}
	if (keys && (status = parse_keys(keys, pin)) != 0)
		return status;
	nfiles = f[1] ? 2 : 1;
	for (int i = 0; i < nfiles; i++)
		if (verify_one(f[i], keys ? pin : NULL, quiet, &v[i], &rep[i]) != 0)
			goto out;
	if (json) {
		jo = json_object();
		json_object_set_new(jo, "ok", json_boolean(rep[0].ok && (nfiles == 1 || rep[1].ok)));
		json_object_set_new(jo, "report", report_json(f[0], &rep[0]));
		if (nfiles == 2)
			json_object_set_new(jo, "other", report_json(f[1], &rep[1]));
	}
	status = 0;
	for (int i = 0; i < nfiles; i++) {
		if (!rep[i].ok) {
			status = 1;
			if (!json || !quiet)
				print_failure(f[i], &rep[i]);
		} else if (!json && !quiet) {
			print_report(f[i], &rep[i]);
		}
	}
	if (status == 0 && nfiles == 2) {
		status = compare(f, v, rep, json, quiet, jo);
		if (jo)
			json_object_set_new(jo, "ok", json_boolean(status == 0));
	}
	if (jo) {
		char *s = json_dumps(jo, JSON_COMPACT);
		if (s)
			printf("%s\n", s);
		free(s);
	}
out:
	json_decref(jo);
	hl_verifier_free(v[0]);
	hl_verifier_free(v[1]);
	return status;
}
