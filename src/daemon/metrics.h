/* metrics.h — Prometheus text-format metrics for node_exporter's textfile
 * collector, written atomically (temporary file, fsync, rename). */
#ifndef HL_METRICS_H
#define HL_METRICS_H

#include <jansson.h>

/* Writes the metrics derived from a status reply (docs/API.md "status",
 * including "alarms" and "paths" per line) to path. */
int hl_metrics_write(const char *path, const json_t *status);

#endif
