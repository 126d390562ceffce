/* config_int.h — private to src/config: the value syntaxes of hotline.conf
 * (config_value.c) that config.c applies to its keys. */
#ifndef HL_CONFIG_INT_H
#define HL_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

/* 1..HL_MAX_NAME of [A-Za-z0-9._-]. */
int hl_config_name_valid(const char *s);
/* Strict unsigned decimal of n bytes: digits only, no sign or space;
 * HL_ERR_TOOBIG on overflow. */
int hl_config_parse_u64(const char *s, size_t n, uint64_t *v);
/* Bytes, or with K, M, G, T (powers of 1024), within min..max;
 * HL_ERR_CONFIG otherwise. */
int hl_config_parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *out);

#endif
