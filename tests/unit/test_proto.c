/* test_proto.c: the protocol's messages built whole, and child text made valid UTF-8 (utf8.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "utf8.h"

/* Clean len bytes and compare with want. */
static void
check_clean(const char *in, size_t len, size_t max, const char *want)
{
	char *got = utf8_clean(in, len, max);

	if (strcmp(got, want) != 0)
		fail_msg("utf8_clean: got \"%s\", want \"%s\"", got, want);
	free(got);
}

#define FFFD "\xef\xbf\xbd"

/* Valid text is kept as it is; each maximal invalid subpart becomes one U+FFFD. */
static void
test_utf8_clean(void **state)
{
	(void)state;
	check_clean("plain", 5, 0, "plain");
	check_clean("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", 14, 0,
	    "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
	check_clean("a\xff" "b", 3, 0, "a" FFFD "b");			/* never valid */
	check_clean("a\xe2\x82" "b", 4, 0, "a" FFFD "b");		/* truncated, one subpart */
	check_clean("\xe2\x82", 2, 0, FFFD);				/* truncated at the end */
	check_clean("\xc0\xaf", 2, 0, FFFD FFFD);			/* overlong */
	check_clean("\xed\xa0\x80", 3, 0, FFFD FFFD FFFD);		/* a surrogate */
	check_clean("\xf4\x90\x80\x80", 4, 0, FFFD FFFD FFFD FFFD);	/* past U+10FFFF */
	check_clean("\x80", 1, 0, FFFD);				/* a lone continuation */
	check_clean("a\0b", 3, 0, "ab");				/* NULs dropped */
}

/* A cut falls between characters, never inside one. */
static void
test_utf8_cut(void **state)
{
	(void)state;
	check_clean("ab\xc3\xa9", 4, 3, "ab");
	check_clean("ab\xc3\xa9", 4, 4, "ab\xc3\xa9");
	check_clean("a\xff", 2, 3, "a");	/* U+FFFD takes three bytes */
	check_clean("abc", 3, 2, "ab");
}

/* Every event carries the protocol version and its run; text from children arrives valid. */
static void
test_events(void **state)
{
	struct proto_run r = { 7, 42, "cold", "measured", 3, 20 };
	json_t *ev;
	char *text;

	(void)state;
	ev = proto_event_run_finished(&r, "failed", NAN, 0, 0, 5, "bad \xff byte");
	text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"condition\":\"cold\",\"error\":\"bad " FFFD " byte\","
	    "\"event\":\"run_finished\",\"exit_code\":null,\"kind\":\"measured\",\"plan_id\":7,"
	    "\"run_id\":42,\"runs_ended\":5,\"runs_total\":20,\"seq\":3,\"state\":\"failed\","
	    "\"total_s\":null,\"v\":1}");
	free(text);
	json_decref(ev);

	ev = proto_event_stage(&r, 1.5, "\xc3(");
	assert_string_equal(json_string_value(json_object_get(ev, "text")), FFFD "(");
	assert_int_equal(json_integer_value(json_object_get(ev, "v")), PROTO_VERSION);
	json_decref(ev);

	ev = proto_event_run_started(&r, 2, 0.25);
	assert_true(json_real_value(json_object_get(ev, "resident_before_pct")) == 0.25);
	json_decref(ev);

	ev = proto_event_plan_finished(7, "done", 20, 20, 19, NULL);
	assert_true(json_is_null(json_object_get(ev, "error")));
	assert_int_equal(json_integer_value(json_object_get(ev, "runs_ok")), 19);
	json_decref(ev);

	ev = proto_reply_error("no \xfe");
	assert_true(json_is_false(json_object_get(ev, "ok")));
	assert_string_equal(json_string_value(json_object_get(ev, "error")), "no " FFFD);
	json_decref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
