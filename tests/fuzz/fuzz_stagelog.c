/* fuzz_stagelog.c: libFuzzer target for the stage-log parser: chunked and whole feeds must agree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stagelog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort when two strings differ, NULL counting as a value of its own. */
static void
fuzz_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			abort();
		return;
	}
	if (strcmp(a, b) != 0)
		abort();
}

/* Abort unless two finished parses hold the same stages, metrics, info and events. */
static void
fuzz_same(const struct stagelog *a, const struct stagelog *b)
{
	const struct stagelog_result	*x = stagelog_result(a);
	const struct stagelog_result	*y = stagelog_result(b);
	size_t				 i;

	if (x->has_start_time != y->has_start_time ||
	    (x->has_start_time && x->start_time != y->start_time) ||
	    x->lines != y->lines || x->long_lines != y->long_lines ||
	    x->dropped != y->dropped)
		abort();
	if (x->nstages != y->nstages)
		abort();
	for (i = 0; i < x->nstages; i++) {
		fuzz_same_str(x->stages[i].name, y->stages[i].name);
		if (x->stages[i].start_s != y->stages[i].start_s ||
		    x->stages[i].end_s != y->stages[i].end_s ||
		    x->stages[i].duration_s != y->stages[i].duration_s)
			abort();
	}
	if (x->nmetrics != y->nmetrics)
		abort();
	for (i = 0; i < x->nmetrics; i++) {
		fuzz_same_str(x->metrics[i].name, y->metrics[i].name);
		fuzz_same_str(x->metrics[i].unit, y->metrics[i].unit);
		if (x->metrics[i].value != y->metrics[i].value)
			abort();
	}
	if (x->ninfo != y->ninfo)
		abort();
	for (i = 0; i < x->ninfo; i++) {
		fuzz_same_str(x->info[i].key, y->info[i].key);
		fuzz_same_str(x->info[i].value, y->info[i].value);
	}
	if (x->nevents != y->nevents)
		abort();
	for (i = 0; i < x->nevents; i++) {
		fuzz_same_str(x->events[i].text, y->events[i].text);
		if (x->events[i].t_s != y->events[i].t_s)
			abort();
	}
	fuzz_same_str(stagelog_current(a), stagelog_current(b));
}

/*
 * Feed the input in chunks, then all at once into a second parser, and
 * compare. The whole input is the log (so the seed logs need no prefix); its
 * last byte picks the largest chunk, and the byte at each chunk's start picks
 * that chunk's length, from single bytes up to a few KiB.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stagelog	*chunked, *whole;
	size_t		 off = 0, n, span;
	uint8_t		 key;
	const char	*cur;
	volatile size_t	 sink = 0;

	key = size > 0 ? data[size - 1] : 0;
	span = 1 + (key & 0x3f);
	chunked = stagelog_create();
	while (off < size) {
		n = 1 + (size_t)(data[off] ^ key) % span;
		if (key & 0x40)
			n *= 97;
		if (n > size - off)
			n = size - off;
		stagelog_feed(chunked, (const char *)data + off, n);
		/* Read the partial result between feeds, as the daemon does. */
		cur = stagelog_current(chunked);
		if (cur != NULL)
			sink += strlen(cur) + stagelog_result(chunked)->nevents;
		off += n;
	}
	stagelog_finish(chunked);

	whole = stagelog_create();
	stagelog_feed(whole, (const char *)data, size);
	stagelog_finish(whole);

	fuzz_same(chunked, whole);
	stagelog_free(chunked);
	stagelog_free(whole);
	(void)sink;
	return 0;
}
