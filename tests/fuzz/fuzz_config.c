/* fuzz_config.c — libFuzzer target: the input is written to a configuration
 * file and loaded with hl_config_load; it must never crash, an error must be
 * exactly one line naming the file, and a success must respect every limit. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "util/err.h"
#include "util/limits.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_config: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* One directory and file per fuzzing process, made once and overwritten by
 * every run (parallel fuzzers must not share it). */
static char dir[64], path[96];
static hl_config *cfg;

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "/tmp/hl-fuzz-config.%ld", (long)getpid());
	snprintf(path, sizeof path, "%s/hotline.conf", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		perror(dir);
		abort();
	}
	atexit(cleanup);
	cfg = malloc(sizeof *cfg);
	if (!cfg)
		abort();
	return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		off += (size_t)w;
	}
	close(fd);
}

static int terminated(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

static void check_ok(void)
{
	CHECK(strcmp(cfg->path, path) == 0);
	CHECK(terminated(cfg->name, sizeof cfg->name) && cfg->name[0] != '\0');
	CHECK(terminated(cfg->private_key_file, sizeof cfg->private_key_file));
	CHECK(cfg->private_key_file[0] == '/');
	CHECK(terminated(cfg->state_dir, sizeof cfg->state_dir) && cfg->state_dir[0] == '/');
	CHECK(terminated(cfg->listen, sizeof cfg->listen));
	CHECK(terminated(cfg->socket_path, sizeof cfg->socket_path) && cfg->socket_path[0] == '/');
	CHECK(terminated(cfg->alarm_command, sizeof cfg->alarm_command));
	CHECK(cfg->test_interval_ms > 0);
	CHECK(cfg->n_peers >= 0 && cfg->n_peers <= (int)HL_MAX_PEERS);
	for (int i = 0; i < cfg->n_peers; i++) {
		const hl_peer_conf *p = &cfg->peers[i];
		CHECK(terminated(p->name, sizeof p->name) && p->name[0] != '\0');
		CHECK(hl_config_peer(cfg, p->name) == p); /* names unique */
		CHECK(p->n_endpoints >= 0 && p->n_endpoints <= (int)HL_MAX_ENDPOINTS);
		for (int j = 0; j < p->n_endpoints; j++) {
			struct sockaddr_storage ss;
			CHECK(terminated(p->endpoints[j], sizeof p->endpoints[j]));
			CHECK(hl_config_parse_addr(p->endpoints[j], &ss) == 0);
		}
		CHECK(terminated(p->psk_file, sizeof p->psk_file));
		CHECK(p->keepalive_ms > 0 && p->dead_after > 0);
	}
	if (cfg->listen[0]) {
		struct sockaddr_storage ss;
		CHECK(hl_config_parse_addr(cfg->listen, &ss) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	int rc;

	write_input(data, size);
	memset(err, 'x', sizeof err);
	rc = hl_config_load(path, cfg, err, sizeof err);
	CHECK(terminated(err, sizeof err));
	if (rc == 0) {
		CHECK(err[0] == '\0');
		check_ok();
		return 0;
	}
	CHECK(rc == HL_ERR_CONFIG || rc == HL_ERR_IO || rc == HL_ERR_NOMEM);
	/* Exactly one line, and it says which file. Nothing else that moves a
	 * terminal's cursor either: the line goes to logs and to the operator. */
	CHECK(err[0] != '\0');
	for (const char *c = err; *c; c++) {
		if ((unsigned char)*c >= 0x20 && *c != 0x7f)
			continue;
		if (*c == '\t')
			continue;
		fprintf(stderr, "fuzz_config: control byte 0x%02x in error: [%s]\n",
			(unsigned char)*c, err);
		abort();
	}
	CHECK(strncmp(err, path, strlen(path)) == 0);
	return 0;
}
