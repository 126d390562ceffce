/* render_notes.c — notices as forms, replies and translations in the text
 * view of an entry (hotline inbox, log). Everything from the daemon's reply
 * is cleaned before it reaches the terminal. */
#include "render_notes.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* A cleaned copy of a string member (multi-line allowed when asked), or of def. */
static char *clean(const json_t *o, const char *key, const char *def, int multiline)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return hl_render_clean(json_string_value(v), json_string_length(v), multiline);
	return hl_render_clean(def, strlen(def), 0);
}

static int render_form(FILE *f, const json_t *form)
{
	char *title = clean(form, "title", "?", 0), *name = clean(form, "name", "?", 0);
	const json_t *fd;
	size_t i;
	int rc = HL_ERR_NOMEM;

	if (!title || !name)
		goto out;
	fprintf(f, "    %s (%s v%lld)\n", title, name,
		(long long)json_integer_value(json_object_get(form, "version")));
	json_array_foreach(json_object_get(form, "fields"), i, fd) {
		char *label = clean(fd, "label", "?", 0);
		const json_t *v = json_object_get(fd, "value");
		char *val = json_is_string(v) ? clean(fd, "value", "", 1) : NULL;
		if (!label || (json_is_string(v) && !val)) {
			free(label);
			free(val);
			goto out;
		}
		if (!val) {
			fprintf(f, "      %s: (not given)\n", label);
		} else if (strchr(val, '\n')) {
			/* Below its label, further in: a line of it never passes for a field. */
			fprintf(f, "      %s:\n", label);
			hl_render_indented(f, val, "          ");
		} else {
			fprintf(f, "      %s: %s\n", label, val);
		}
		free(label);
		free(val);
	}
	rc = 0;
out:
	free(title);
	free(name);
	return rc;
}

static int render_translation(FILE *f, const json_t *t)
{
	char *lang = clean(t, "lang", "?", 0), *by = clean(t, "translator", "?", 0);
	char *cert = clean(t, "certified_by", "", 0), *text = clean(t, "text", "", 1);
	char when[HL_RENDER_TIME_LEN + 32], cwhen[HL_RENDER_TIME_LEN + 32];
	int rc = HL_ERR_NOMEM;

	if (!lang || !by || !cert || !text)
		goto out;
	hl_render_time(json_integer_value(json_object_get(t, "created_ms")), when, sizeof when);
	fprintf(f, "    --- TRANSLATION %lld (%s) by %s, %s: ",
		(long long)json_integer_value(json_object_get(t, "id")), lang, by, when);
	if (json_is_string(json_object_get(t, "certified_by"))) {
		hl_render_time(json_integer_value(json_object_get(t, "certified_ms")), cwhen, sizeof cwhen);
		fprintf(f, "CERTIFIED by %s, %s\n", cert, cwhen);
	} else {
		fputs("UNCERTIFIED\n", f);
	}
	hl_render_indented(f, text, "      ");
	rc = 0;
out:
	free(lang);
	free(by);
	free(cert);
	free(text);
	return rc;
}

int hl_render_entry_notes(FILE *f, const json_t *entry, const char *text)
{
	const json_t *form = json_object_get(entry, "form");
	const json_t *trs = json_object_get(entry, "translations");
	const json_t *awaiting = json_object_get(entry, "awaiting_reply");
	const json_t *t;
	size_t i;
	int rc = 0;

	if (json_array_size(trs) > 0) {
		char *lang = clean(entry, "lang", "-", 0);
		if (!lang)
			return HL_ERR_NOMEM;
		fprintf(f, "    --- ORIGINAL (%s), authoritative:\n", lang);
		free(lang);
	}
	if (json_is_object(form)) {
		rc = render_form(f, form);
	} else {
		if (json_is_string(json_object_get(entry, "form_error"))) {
			char *why = clean(entry, "form_error", "", 0);
			if (!why)
				return HL_ERR_NOMEM;
			fprintf(f, "    (notice not readable as a form here: %s; its text follows)\n", why);
			free(why);
		}
		hl_render_indented(f, text, "    ");
	}
	if (rc < 0)
		return rc;
	/* What it answers is shown by render.c's "re:" line, by name. */
	if (json_is_boolean(awaiting))
		fputs(json_is_true(awaiting) ? "    !!! AWAITING REPLY\n" : "    (replied)\n", f);
	json_array_foreach(trs, i, t) {
		if ((rc = render_translation(f, t)) < 0)
			return rc;
	}
	return ferror(f) ? HL_ERR_IO : 0;
}
