/* config_operators.c — the [Operators] section: which operator name an API
 * caller's account is recorded as (in signed entries and translations). */
#include "config.h"
#include "util/err.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* A numeric uid: digits without a leading zero (so one uid has one key). */
static int is_uid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return 0;
	return strspn(s, "0123456789") == n;
}

/* A login name as useradd(8) accepts it by default; any case here, since
 * other systems allow upper case. */
static int is_login(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HL_OPERATOR_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '.' ||
			       (c == '$' && i == n - 1))))
			continue;
		return 0;
	}
	return 1;
}

int hl_config_operator_add(hl_config *cfg, const char *key, const char *name, char *err,
			   size_t errlen)
{
	size_t n = name ? strlen(name) : 0;

	if (err && errlen)
		err[0] = '\0';
	if (!cfg || !key || !name)
		return HL_ERR_INVAL;
	if (!is_uid(key) && !is_login(key)) {
		snprintf(err, errlen, "not a login name or a numeric uid (a-z A-Z 0-9 _ . -, "
			 "at most %u characters, not starting with a digit unless all digits)",
			 HL_OPERATOR_KEY_MAX);
		return HL_ERR_CONFIG;
	}
	/* Recorded in signed entries: the entry's own rules for the name. */
	if (n == 0 || n > HL_MAX_OPERATOR || !hl_label_valid(name, n)) {
		snprintf(err, errlen, "operator name must be 1 to %u bytes of UTF-8 without control "
			 "characters", HL_MAX_OPERATOR);
		return HL_ERR_CONFIG;
	}
	for (int i = 0; i < cfg->n_operators; i++) {
		if (strcmp(cfg->operators[i].key, key) == 0) {
			snprintf(err, errlen, "given twice in [Operators]");
			return HL_ERR_CONFIG;
		}
	}
	if (cfg->n_operators >= (int)HL_MAX_OPERATOR_MAP) {
		snprintf(err, errlen, "too many operators (max %u)", HL_MAX_OPERATOR_MAP);
		return HL_ERR_CONFIG;
	}
	hl_operator_map *m = &cfg->operators[cfg->n_operators++];
	memcpy(m->key, key, strlen(key) + 1);
	memcpy(m->name, name, n + 1);
	return 0;
}

static const char *lookup(const hl_config *cfg, const char *key)
{
	for (int i = 0; i < cfg->n_operators; i++)
		if (strcmp(cfg->operators[i].key, key) == 0)
			return cfg->operators[i].name;
	return NULL;
}

void hl_config_operator_name(const hl_config *cfg, unsigned uid, const char *login, char *out,
			     size_t outlen)
{
	char key[16];
	const char *name = NULL;

	if (!out || !outlen)
		return;
	snprintf(key, sizeof key, "%u", uid);
	if (cfg)
		name = lookup(cfg, key);
	if (!name && cfg && login)
		name = lookup(cfg, login);
	if (!name && login && strlen(login) <= HL_MAX_OPERATOR && hl_label_valid(login, strlen(login)))
		name = login;
	if (name)
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "uid:%u", uid);
}
