/*
 * test_md.c: unit tests of client/md.c, the Markdown of summary --markdown
 * and compare --markdown: what is escaped, what becomes inline code, and
 * tables checked against their exact text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "md.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* md_escape: Markdown's punctuation gets a backslash, control characters become spaces. */
static void
test_escape(void **state)
{
	static const struct { const char *in; const char *want; } cases[] = {
		{ "plain words, 95% CI", "plain words, 95% CI" },
		{ "[+0.47, +0.53] s", "\\[+0.47, +0.53\\] s" },
		{ "a|b", "a\\|b" },
		{ "*bold* _em_ `code`", "\\*bold\\* \\_em\\_ \\`code\\`" },
		{ "<script>", "\\<script\\>" },
		{ "back\\slash #1 ~x~", "back\\\\slash \\#1 \\~x\\~" },
		{ "line\nbreak\ttab", "line break tab" },
		{ "", "" },
	};
	char *s;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		s = md_escape(cases[i].in);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	s = md_escape(NULL);
	assert_string_equal(s, "");
	free(s);
}

/* md_code: names become inline code, unless a backtick or a control character forbids it. */
static void
test_code(void **state)
{
	char *s;

	(void)state;
	s = md_code("import_torch");
	assert_string_equal(s, "`import_torch`");
	free(s);
	s = md_code("a`b");
	assert_string_equal(s, "a\\`b");
	free(s);
	s = md_code("two\nlines");
	assert_string_equal(s, "two lines");
	free(s);
	s = md_code(NULL);
	assert_string_equal(s, "");
	free(s);
}

/* A table: header, the alignment row, cells padded to the widest (UTF-8 counted by character). */
static void
test_table(void **state)
{
	struct md_table *t = md_table_create("lrl");
	char *out;

	(void)state;
	md_table_add(t, (const char *[]){ "stage", "shift", "verdict" });
	md_table_add_raw(t, (const char *[]){ "`import_torch`", "+0.500 s (+9.9%)",
	    "**slower**" });
	md_table_add(t, (const char *[]){ "a|b", "\xe2\x88\x92" "1 s", NULL });
	out = md_table_render(t);
	assert_string_equal(out,
	    "| stage          |            shift | verdict    |\n"
	    "| :------------- | ---------------: | :--------- |\n"
	    "| `import_torch` | +0.500 s (+9.9%) | **slower** |\n"
	    "| a\\|b           |             \xe2\x88\x92" "1 s |            |\n");
	free(out);
	md_table_free(t);

	/* Narrow columns still get a valid alignment row. */
	t = md_table_create("r");
	md_table_add(t, (const char *[]){ "p" });
	md_table_add(t, (const char *[]){ "1" });
	out = md_table_render(t);
	assert_string_equal(out, "|   p |\n| --: |\n|   1 |\n");
	free(out);
	md_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
