/* test_profile.c: unit tests of device profiles: sizes, rates, counts and quotas with their units, and profiles in words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"

/* A size or rate that must parse to want. */
static void
test_size_ok(const char *text, int rate, uint64_t want)
{
	const char	*why = NULL;
	uint64_t	 got = 0;

	if (profile_parse_size(text, rate, &got, &why) != 0)
		fail_msg("\"%s\" refused: %s", text, why);
	if (got != want)
		fail_msg("\"%s\": got %llu, want %llu", text, (unsigned long long)got,
		    (unsigned long long)want);
}

/* A size or rate that must be refused with a fix that holds phrase. */
static void
test_size_bad(const char *text, int rate, const char *phrase)
{
	const char	*why = NULL;
	uint64_t	 got = 0;

	if (profile_parse_size(text, rate, &got, &why) == 0)
		fail_msg("\"%s\" parsed as %llu", text, (unsigned long long)got);
	assert_non_null(why);
	if (strstr(why, phrase) == NULL)
		fail_msg("\"%s\": expected \"%s\" in: %s", text, phrase, why);
}

/* Decimal and binary units, fractions, a space, "/s" only for rates. */
static void
test_sizes(void **state)
{
	(void)state;
	test_size_ok("25MB", 1, 25000000);
	test_size_ok("25MB/s", 1, 25000000);
	test_size_ok("25 MB/s", 1, 25000000);
	test_size_ok("200MiB/s", 1, 200ULL << 20);
	test_size_ok("12500000", 1, 12500000);
	test_size_ok("1.5GB", 0, 1500000000);
	test_size_ok("1GiB", 0, 1ULL << 30);
	test_size_ok("512KiB", 0, 512 * 1024);
	test_size_ok("4kB", 0, 4000);
	test_size_ok("4KB", 0, 4000);
	test_size_ok("2TB", 0, 2000000000000ULL);
	test_size_ok("0.5B", 0, 1);		/* rounded to whole bytes */
	test_size_ok("100B", 0, 100);

	test_size_bad("25MB/s", 0, "not a rate");
	test_size_bad("25Mb", 1, "not bits");
	test_size_bad("25mb", 1, "not bits");
	test_size_bad("1G", 0, "not a bare K, M or G");
	test_size_bad("512k", 0, "not a bare K, M or G");
	test_size_bad("0", 1, "above 0");
	test_size_bad("0MB", 0, "above 0");
	test_size_bad("fast", 1, "like 25MB");
	test_size_bad("", 0, "like 1GB");
	test_size_bad("-5MB", 0, "like 1GB");
	test_size_bad("1e9", 0, "like 1GB");
	test_size_bad("5 gigabytes", 0, "like 1GB");
	test_size_bad("25MB/s/s", 1, "like 25MB");
	test_size_bad("99999999999TB", 0, "smaller number");
	test_size_bad(".", 0, "like 1GB");
	test_size_bad("1  MB", 0, "like 1GB");
}

/* Counts are whole and positive; quotas within the kernel's range. */
static void
test_counts_and_quotas(void **state)
{
	const char	*why;
	uint64_t	 n;
	double		 q;

	(void)state;
	assert_int_equal(profile_parse_count("1500", &n, &why), 0);
	assert_int_equal(n, 1500);
	assert_int_equal(profile_parse_count("0", &n, &why), -1);
	assert_non_null(strstr(why, "above 0"));
	assert_int_equal(profile_parse_count("1.5k", &n, &why), -1);
	assert_int_equal(profile_parse_count("", &n, &why), -1);
	assert_int_equal(profile_parse_count("99999999999999999999999", &n, &why), -1);

	assert_int_equal(profile_parse_quota("0.5", &q, &why), 0);
	assert_true(q == 0.5);
	assert_int_equal(profile_parse_quota("2", &q, &why), 0);
	assert_true(q == 2);
	assert_int_equal(profile_parse_quota("0.01", &q, &why), 0);
	assert_int_equal(profile_parse_quota("0.001", &q, &why), -1);
	assert_non_null(strstr(why, "0.01"));
	assert_int_equal(profile_parse_quota("50%", &q, &why), -1);
	assert_int_equal(profile_parse_quota("5000", &q, &why), -1);
	assert_int_equal(profile_parse_quota("", &q, &why), -1);
}

/* Bytes and profiles as a person reads them. */
static void
test_words(void **state)
{
	struct profile	 p = { 0 }, *c;
	char		*s;

	(void)state;
	s = profile_bytes_text(25000000);
	assert_string_equal(s, "25 MB");
	free(s);
	s = profile_bytes_text(1ULL << 30);
	assert_string_equal(s, "1 GiB");
	free(s);
	s = profile_bytes_text(1500000000);
	assert_string_equal(s, "1.5 GB");
	free(s);
	s = profile_bytes_text(1572864);
	assert_string_equal(s, "1.5 MiB");
	free(s);
	s = profile_bytes_text(1234567);
	assert_string_equal(s, "1.235 MB");
	free(s);
	s = profile_bytes_text(12);
	assert_string_equal(s, "12 B");
	free(s);

	s = profile_describe(&p);
	assert_string_equal(s, "no limits");
	free(s);
	p.read_bps = 25000000;
	p.read_iops = 1500;
	p.memory = 1000000000;
	p.cpus = "0";
	p.cpu_quota = 0.5;
	s = profile_describe(&p);
	assert_string_equal(s, "read 25 MB/s, 1500 read IOPS, memory 1 GB, cpus 0, 0.5 CPU of time");
	free(s);
	assert_int_equal(profile_quota_us(&p), 50000);
	assert_true(profile_limits_io(&p));

	p.name = "sdcard";
	c = profile_copy(&p);
	assert_string_equal(c->name, "sdcard");
	assert_ptr_not_equal(c->cpus, p.cpus);
	assert_null(c->source);
	profile_free(c);
	profile_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_counts_and_quotas),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
