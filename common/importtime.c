/* importtime.c: reading python -X importtime's lines (pure). */
#include "importtime.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#define IMPORTTIME_PREFIX	"import time:"

/* Read a run of digits between spaces; -1 when there is none or it is too long. */
static int64_t
importtime_number(const char **p, const char *end)
{
	int64_t v = 0;
	int digits = 0;

	while (*p < end && **p == ' ')
		(*p)++;
	while (*p < end && **p >= '0' && **p <= '9') {
		if (++digits > 15)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	while (*p < end && **p == ' ')
		(*p)++;
	return digits > 0 ? v : -1;
}

/* Parse one line; 0 and *e filled, or -1 when it is not an entry. */
static int
importtime_line(const char *line, const char *end, struct importtime_entry *e)
{
	const char *p = line + strlen(IMPORTTIME_PREFIX), *name;
	size_t spaces = 0, len;

	if ((size_t)(end - line) <= strlen(IMPORTTIME_PREFIX) ||
	    memcmp(line, IMPORTTIME_PREFIX, strlen(IMPORTTIME_PREFIX)) != 0)
		return -1;
	if ((e->self_us = importtime_number(&p, end)) < 0 || p >= end || *p++ != '|')
		return -1;
	if ((e->cumulative_us = importtime_number(&p, end)) < 0 || p >= end || *p++ != '|')
		return -1;
	/* One space after the bar, then two more for each level of nesting. */
	while (p < end && *p == ' ') {
		spaces++;
		p++;
	}
	name = p;
	while (end > name && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	if ((len = (size_t)(end - name)) == 0 || memchr(name, ' ', len) != NULL)
		return -1;
	e->depth = spaces > 0 ? (int)((spaces - 1) / 2) : 0;
	e->module = utf8_clean(name, len, 0);
	return 0;
}

struct importtime_entry *
importtime_parse(const char *text, size_t len, size_t *n)
{
	struct importtime_entry *list = NULL, e;
	const char *p = text, *end = text + len, *nl;
	size_t cap = 0;

	*n = 0;
	while (p < end && *n < IMPORTTIME_MAX) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (importtime_line(p, nl != NULL ? nl : end, &e) == 0) {
			if (*n == cap)
				list = xreallocarray(list, cap = cap * 2 + 64, sizeof *list);
			list[(*n)++] = e;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return list;
}

/* Free what importtime_parse() returned. */
void
importtime_free(struct importtime_entry *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].module);
	free(list);
}
