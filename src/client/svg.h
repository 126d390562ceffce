/* svg.h — draws an availability report (report.h, docs/API.md "report") as
 * one self-contained SVG: a state band per path and for the line, outage
 * markers, and the RTT chart under them, on a UTC time axis. */
#ifndef HL_SVG_H
#define HL_SVG_H

#include <stdio.h>

#include <jansson.h>

/* Writes the picture to f. The report is treated as untrusted input: wrong
 * or missing members are drawn as absent, never trusted. Returns 0,
 * HL_ERR_INVAL if report is not an object, or HL_ERR_IO if writing failed. */
int hl_svg_write(FILE *f, const json_t *report);

#endif
