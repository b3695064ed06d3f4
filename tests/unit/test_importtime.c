/* test_importtime.c: python -X importtime's report read from real output of Debian's torch, and from odd text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importtime.h"
#include "xmalloc.h"

/* A fixture file whole. */
static char *
slurp(const char *name, size_t *len)
{
	char path[512], *buf;
	FILE *fp;
	long n;

	snprintf(path, sizeof path, "%s/importtime/%s", FIXTURES_DIR, name);
	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* The entry for a module (its last line when it appears more than once), or NULL. */
static const struct importtime_entry *
find(const struct importtime_entry *e, size_t n, const char *module)
{
	const struct importtime_entry *hit = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].module, module) == 0)
			hit = &e[i];
	}
	return hit;
}

/* A cold import torch: every line read, the big ones right, nesting from the indent. */
static void
test_torch_cold(void **state)
{
	const struct importtime_entry *x;
	struct importtime_entry *e;
	size_t len, n;
	char *text = slurp("torch-cold.txt", &len);

	(void)state;
	e = importtime_parse(text, len, &n);
	assert_int_equal(n, 934);	/* every line but the header */
	assert_string_equal(e[0].module, "_io");
	assert_int_equal(e[0].depth, 1);
	assert_int_equal(e[0].self_us, 132);
	assert_int_equal(e[0].cumulative_us, 132);
	assert_non_null(x = find(e, n, "torch"));
	assert_int_equal(x->depth, 0);
	assert_int_equal(x->self_us, 12739);
	assert_int_equal(x->cumulative_us, 1659678);
	assert_non_null(x = find(e, n, "torch._C"));
	assert_int_equal(x->depth, 1);
	assert_int_equal(x->self_us, 1012313);
	assert_non_null(x = find(e, n, "torch._C._nvfuser"));
	assert_int_equal(x->depth, 5);
	importtime_free(e, n);
	free(text);
}

/* Warm, the same modules, torch._C much faster: what the summary compares. */
static void
test_torch_warm(void **state)
{
	struct importtime_entry *cold, *warm;
	size_t len, nc, nw;
	char *tc = slurp("torch-cold.txt", &len);
	char *tw;

	(void)state;
	cold = importtime_parse(tc, len, &nc);
	tw = slurp("torch-warm.txt", &len);
	warm = importtime_parse(tw, len, &nw);
	assert_int_equal(nc, nw);
	for (size_t i = 0; i < nc; i++)
		assert_string_equal(cold[i].module, warm[i].module);
	assert_int_equal(find(warm, nw, "torch._C")->self_us, 467117);
	assert_true(find(cold, nc, "torch._C")->self_us > 2 * find(warm, nw, "torch._C")->self_us);
	importtime_free(cold, nc);
	importtime_free(warm, nw);
	free(tc);
	free(tw);
}

/* Other stderr lines, broken lines, CRLF and a last line without its newline. */
static void
test_odd_text(void **state)
{
	static const char text[] =
	    "Traceback (most recent call last):\n"
	    "import time: self [us] | cumulative | imported package\n"
	    "import time:        12 |         34 |   os.path\r\n"
	    "import time:   x | 3 | bad\n"
	    "import time:        5 |            |   nothing\n"
	    "import time:        5 |          6 |   two words\n"
	    "import time: 9999999999999999999 | 1 | huge\n"
	    "warning: something\n"
	    "import time:         7 |          8 | main";
	struct importtime_entry *e;
	size_t n;

	(void)state;
	e = importtime_parse(text, sizeof text - 1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].module, "os.path");
	assert_int_equal(e[0].depth, 1);
	assert_int_equal(e[0].self_us, 12);
	assert_int_equal(e[0].cumulative_us, 34);
	assert_string_equal(e[1].module, "main");
	assert_int_equal(e[1].depth, 0);
	importtime_free(e, n);
	assert_null(importtime_parse("", 0, &n));
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torch_cold),
		cmocka_unit_test(test_torch_warm),
		cmocka_unit_test(test_odd_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
