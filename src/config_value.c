/* config_value.c — the value syntaxes of hotline.conf: names, decimal
 * numbers, durations, sizes and numeric addresses; strict, no locale. */
#include "config.h"
#include "config_int.h"
#include "err.h"
#include "limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int hl_config_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > HL_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!is_letter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* Strict unsigned decimal: digits only, no sign or space, no overflow. */
int hl_config_parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t acc = 0;

	if (n == 0)
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HL_ERR_INVAL;
		unsigned d = (unsigned)(s[i] - '0');
		if (acc > (UINT64_MAX - d) / 10)
			return HL_ERR_TOOBIG;
		acc = acc * 10 + d;
	}
	*v = acc;
	return 0;
}

int hl_config_parse_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	uint64_t v = 0;
	size_t nd = 0;
	int rc;

	if (ms)
		*ms = 0;
	if (!s || !ms)
		return HL_ERR_INVAL;
	while (s[nd] >= '0' && s[nd] <= '9')
		nd++;
	rc = hl_config_parse_u64(s, nd, &v);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(s + nd, units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / units[i].mul)
			return HL_ERR_TOOBIG;
		*ms = v * units[i].mul;
		return 0;
	}
	return HL_ERR_INVAL;
}

int hl_config_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN];
	const char *port, *end;
	uint64_t pv = 0;
	size_t n, hl;
	int family;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} a;

	if (ss)
		memset(ss, 0, sizeof *ss);
	if (!s)
		return HL_ERR_INVAL;
	n = strnlen(s, HL_MAX_ENDPOINT_STR + 1);
	if (n > HL_MAX_ENDPOINT_STR)
		return HL_ERR_INVAL;
	if (s[0] == '[') {
		end = memchr(s, ']', n);
		if (!end || end[1] != ':')
			return HL_ERR_INVAL;
		hl = (size_t)(end - s - 1);
		s++;
		port = end + 2;
		family = AF_INET6;
	} else {
		end = memchr(s, ':', n);
		if (!end || strchr(end + 1, ':'))
			return HL_ERR_INVAL;
		hl = (size_t)(end - s);
		port = end + 1;
		family = AF_INET;
	}
	if (hl == 0 || hl >= sizeof host)
		return HL_ERR_INVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	/* inet_pton takes only numeric forms: no DNS, no "1.2.3" shorthand. */
	if (inet_pton(family, host, &a) != 1)
		return HL_ERR_INVAL;
	if (hl_config_parse_u64(port, strlen(port), &pv) < 0 || pv < 1 || pv > 65535 ||
	    strlen(port) > 5)
		return HL_ERR_INVAL;
	if (!ss)
		return 0;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pv);
		sin->sin_addr = a.a4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pv);
		sin6->sin6_addr = a.a6;
	}
	return 0;
}

void hl_config_format_duration(char *out, size_t size, uint64_t ms)
{
	static const struct { const char *unit; uint64_t mul; } u[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};

	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		if (ms && ms % u[i].mul == 0) {
			snprintf(out, size, "%llu%s", (unsigned long long)(ms / u[i].mul), u[i].unit);
			return;
		}
	}
	snprintf(out, size, "%llums", (unsigned long long)ms);
}

/* A size: bytes, or with a K, M, G or T suffix (powers of 1024). */
int hl_config_parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	static const char units[] = "KMGT";
	size_t n = strlen(v);
	uint64_t x = 0, mul = 1;
	const char *u = n ? strchr(units, v[n - 1]) : NULL;

	if (u) {
		mul = 1ull << (10 * (unsigned)(u - units + 1));
		n--;
	}
	if (hl_config_parse_u64(v, n, &x) < 0 || x > max / mul || x * mul < min)
		return HL_ERR_CONFIG;
	*out = x * mul;
	return 0;
}
