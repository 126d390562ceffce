/* noise_pattern.c — the Noise rev 34 handshake pattern table (§7.4, §7.5 and
 * the deferred patterns of §7.6/§18) and the protocol-name parser with psk modifiers (§9). */
#include "noise_pattern.h"
#include "util/err.h"

#include <string.h>

#define NAME_PREFIX "Noise_"
#define NAME_SUFFIX "_25519_ChaChaPoly_BLAKE2b"
#define MAX_PATTERN_NAME 32u

/* Messages separated by '|', tokens by ' '; even messages go initiator -> responder. */
struct pattern_def {
	const char *name;
	uint8_t pre_i_s;
	uint8_t pre_r_s;
	const char *msgs;
};

static const struct pattern_def patterns[] = {
	/* one-way, §7.4 */
	{ "N", 0, 1, "e es" },
	{ "K", 1, 1, "e es ss" },
	{ "X", 0, 1, "e es s ss" },
	/* interactive, §7.5 */
	{ "NN", 0, 0, "e|e ee" },
	{ "NK", 0, 1, "e es|e ee" },
	{ "NX", 0, 0, "e|e ee s es" },
	{ "KN", 1, 0, "e|e ee se" },
	{ "KK", 1, 1, "e es ss|e ee se" },
	{ "KX", 1, 0, "e|e ee se s es" },
	{ "XN", 0, 0, "e|e ee|s se" },
	{ "XK", 0, 1, "e es|e ee|s se" },
	{ "XX", 0, 0, "e|e ee s es|s se" },
	{ "IN", 0, 0, "e s|e ee se" },
	{ "IK", 0, 1, "e es s ss|e ee se" },
	{ "IX", 0, 0, "e s|e ee se s es" },
	/* deferred, §7.6 */
	{ "NK1", 0, 1, "e|e ee es" },
	{ "NX1", 0, 0, "e|e ee s|es" },
	{ "X1N", 0, 0, "e|e ee|s|se" },
	{ "X1K", 0, 1, "e es|e ee|s|se" },
	{ "XK1", 0, 1, "e|e ee es|s se" },
	{ "X1K1", 0, 1, "e|e ee es|s|se" },
	{ "X1X", 0, 0, "e|e ee s es|s|se" },
	{ "XX1", 0, 0, "e|e ee s|es s se" },
	{ "X1X1", 0, 0, "e|e ee s|es s|se" },
	{ "K1N", 1, 0, "e|e ee|se" },
	{ "K1K", 1, 1, "e es|e ee|se" },
	{ "KK1", 1, 1, "e|e ee se es" },
	{ "K1K1", 1, 1, "e|e ee es|se" },
	{ "K1X", 1, 0, "e|e ee s es|se" },
	{ "KX1", 1, 0, "e|e ee se s|es" },
	{ "K1X1", 1, 0, "e|e ee s|se es" },
	{ "I1N", 0, 0, "e s|e ee|se" },
	{ "I1K", 0, 1, "e es s|e ee|se" },
	{ "IK1", 0, 1, "e s|e ee se es" },
	{ "I1K1", 0, 1, "e s|e ee es|se" },
	{ "I1X", 0, 0, "e s|e ee s es|se" },
	{ "IX1", 0, 0, "e s|e ee se s|es" },
	{ "I1X1", 0, 0, "e s|e ee s|se es" },
};

static int token_from(const char *t, size_t n)
{
	static const struct { const char *s; int tok; } names[] = {
		{ "e", HL_NOISE_TOK_E },   { "s", HL_NOISE_TOK_S },
		{ "ee", HL_NOISE_TOK_EE }, { "es", HL_NOISE_TOK_ES },
		{ "se", HL_NOISE_TOK_SE }, { "ss", HL_NOISE_TOK_SS },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].s) == n && memcmp(names[i].s, t, n) == 0)
			return names[i].tok;
	return 0;
}

/* Expands a table entry into token arrays; the table is ours, but a typo in
 * it should surface as an error rather than as a silently different pattern. */
static int expand(const struct pattern_def *d, struct hl_noise_pattern *p)
{
	const char *s = d->msgs;

	p->pre_i_s = d->pre_i_s;
	p->pre_r_s = d->pre_r_s;
	p->nmsgs = 1;
	while (*s) {
		const char *end = s;
		while (*end && *end != ' ' && *end != '|')
			end++;
		int tok = token_from(s, (size_t)(end - s));
		uint8_t m = (uint8_t)(p->nmsgs - 1);
		if (!tok || p->ntok[m] >= HL_NOISE_PAT_TOKENS)
			return HL_ERR_INVAL;
		p->tok[m][p->ntok[m]++] = (uint8_t)tok;
		if (*end == '|') {
			if (p->nmsgs >= HL_NOISE_PAT_MSGS)
				return HL_ERR_INVAL;
			p->nmsgs++;
		}
		s = *end ? end + 1 : end;
	}
	return 0;
}

/* psk0 goes at the start of the first message, pskN at the end of message N (§9.2). */
static int add_psk(struct hl_noise_pattern *p, unsigned n)
{
	unsigned m = n == 0 ? 0 : n - 1;

	if (m >= p->nmsgs || p->ntok[m] >= HL_NOISE_PAT_TOKENS)
		return HL_ERR_INVAL;
	if (n == 0) {
		memmove(&p->tok[0][1], &p->tok[0][0], p->ntok[0]);
		p->tok[0][0] = HL_NOISE_TOK_PSK;
	} else {
		p->tok[m][p->ntok[m]] = HL_NOISE_TOK_PSK;
	}
	p->ntok[m]++;
	p->npsk++;
	return 0;
}

/* Modifiers: "psk<digit>" joined by '+', strictly ascending (so each psk is
 * used once and the psks[] order matches the order of the tokens). */
static int parse_modifiers(const char *s, size_t n, struct hl_noise_pattern *p)
{
	int last = -1;
	size_t i = 0;

	while (i < n) {
		if (n - i < 4 || memcmp(s + i, "psk", 3) != 0)
			return HL_ERR_INVAL;
		char c = s[i + 3];
		if (c < '0' || c > '9')
			return HL_ERR_INVAL;
		int k = c - '0';
		if (k <= last)
			return HL_ERR_INVAL;
		int rc = add_psk(p, (unsigned)k);
		if (rc)
			return rc;
		last = k;
		i += 4;
		if (i < n) {
			if (s[i] != '+' || i + 1 == n)
				return HL_ERR_INVAL;
			i++;
		}
	}
	return 0;
}

int hl_noise_pattern_parse(const char *protocol_name, struct hl_noise_pattern *p)
{
	size_t pre = strlen(NAME_PREFIX), suf = strlen(NAME_SUFFIX);
	size_t len, plen, base;
	const char *pat;
	char basename[MAX_PATTERN_NAME + 1];

	if (!p)
		return HL_ERR_INVAL;
	memset(p, 0, sizeof(*p));
	if (!protocol_name)
		return HL_ERR_INVAL;
	len = strnlen(protocol_name, pre + MAX_PATTERN_NAME + suf + 1);
	if (len <= pre + suf || len > pre + MAX_PATTERN_NAME + suf)
		return HL_ERR_INVAL;
	if (memcmp(protocol_name, NAME_PREFIX, pre) != 0 ||
	    memcmp(protocol_name + len - suf, NAME_SUFFIX, suf) != 0)
		return HL_ERR_INVAL;
	pat = protocol_name + pre;
	plen = len - pre - suf;
	/* Pattern names are upper-case letters and digits; modifiers start lower-case. */
	for (base = 0; base < plen; base++) {
		char c = pat[base];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			break;
	}
	if (base == 0)
		return HL_ERR_INVAL;
	memcpy(basename, pat, base);
	basename[base] = '\0';
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (strcmp(patterns[i].name, basename) != 0)
			continue;
		int rc = expand(&patterns[i], p);
		if (!rc)
			rc = parse_modifiers(pat + base, plen - base, p);
		if (rc)
			memset(p, 0, sizeof(*p));
		return rc;
	}
	return HL_ERR_INVAL;
}

int hl_noise_pattern_needs_s(const struct hl_noise_pattern *p, int initiator)
{
	if (initiator ? p->pre_i_s : p->pre_r_s)
		return 1;
	for (unsigned m = initiator ? 0 : 1; m < p->nmsgs; m += 2)
		for (unsigned t = 0; t < p->ntok[m]; t++)
			if (p->tok[m][t] == HL_NOISE_TOK_S)
				return 1;
	return 0;
}
