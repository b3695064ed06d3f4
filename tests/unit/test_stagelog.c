/* test_stagelog.c: the stage-log parser against the user's four logs (whole, byte by byte, in random chunks, CRLF) and the format's edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stagelog.h"
#include "xmalloc.h"

#define FFFD	"\xef\xbf\xbd"

/* Fail unless two doubles agree to 1e-9. */
#define assert_near(a, b) do {						\
	double a_ = (a), b_ = (b);					\
	if (!(fabs(a_ - b_) < 1e-9))					\
		fail_msg("%s = %.9f, want %.9f", #a, a_, b_);		\
} while (0)

struct want_stage {
	const char	*name;
	double		 start, end, duration;
};

/* What one of the user's logs must parse to. */
struct fixture {
	const char		*file;
	double			 start_time;
	struct want_stage	 stages[4];
	double			 avg_latency_ms;
	double			 t[9];
	const char		*text[9];
};

static const struct fixture fixtures[] = {
	{ "run1.stdout", 1766135238.953,
	  { { "import_torch", 0.000, 5.295, 5.295 },
	    { "model_loaded", 5.330, 5.527, 0.197 },
	    { "warmup", 5.527, 5.722, 0.195 },
	    { "inference", 5.722, 9.380, 3.658 } },
	  36.58,
	  { 0.000, 5.295, 5.329, 5.525, 5.527, 5.527, 5.722, 5.722, 9.380 },
	  { "Python Process Started, Importing Torch...",
	    "Import Torch Done, Time Spent: 5.295s",
	    "Loading Model...",
	    "Loaded weights from mobilenet_v2-imagenet1k-v1.pth",
	    "Model Loaded, Time Spent: 0.197s",
	    "Starting Warmup...",
	    "Warmup Done, Time Spent: 0.195s",
	    "Starting Inference Loop (100 iters)...",
	    "Inference Done. Avg Latency: 36.58 ms" } },
	{ "run2.stdout", 1766135370.592,
	  { { "import_torch", 0.000, 4.970, 4.970 },
	    { "model_loaded", 5.007, 5.201, 0.194 },
	    { "warmup", 5.200, 5.268, 0.068 },
	    { "inference", 5.268, 9.181, 3.913 } },
	  39.13,
	  { 0.000, 4.970, 5.007, 5.199, 5.201, 5.201, 5.268, 5.268, 9.181 },
	  { "Python Process Started, Importing Torch...",
	    "Import Torch Done, Time Spent: 4.970s",
	    "Loading Model...",
	    "Loaded weights from mobilenet_v2-imagenet1k-v1.pth",
	    "Model Loaded, Time Spent: 0.194s",
	    "Starting Warmup...",
	    "Warmup Done, Time Spent: 0.068s",
	    "Starting Inference Loop (100 iters)...",
	    "Inference Done. Avg Latency: 39.13 ms" } },
	{ "run3.stdout", 1766135382.046,
	  { { "import_torch", 0.000, 3.550, 3.550 },
	    { "model_loaded", 3.585, 3.778, 0.193 },
	    { "warmup", 3.778, 3.846, 0.068 },
	    { "inference", 3.846, 7.610, 3.764 } },
	  37.64,
	  { 0.000, 3.550, 3.585, 3.777, 3.778, 3.778, 3.846, 3.846, 7.610 },
	  { "Python Process Started, Importing Torch...",
	    "Import Torch Done, Time Spent: 3.550s",
	    "Loading Model...",
	    "Loaded weights from mobilenet_v2-imagenet1k-v1.pth",
	    "Model Loaded, Time Spent: 0.193s",
	    "Starting Warmup...",
	    "Warmup Done, Time Spent: 0.068s",
	    "Starting Inference Loop (100 iters)...",
	    "Inference Done. Avg Latency: 37.64 ms" } },
	{ "run4.stdout", 1766135397.133,
	  { { "import_torch", 0.000, 3.563, 3.563 },
	    { "model_loaded", 3.598, 3.790, 0.192 },
	    { "warmup", 3.790, 3.858, 0.068 },
	    { "inference", 3.858, 7.614, 3.756 } },
	  37.56,
	  { 0.000, 3.563, 3.598, 3.789, 3.790, 3.790, 3.858, 3.858, 7.614 },
	  { "Python Process Started, Importing Torch...",
	    "Import Torch Done, Time Spent: 3.563s",
	    "Loading Model...",
	    "Loaded weights from mobilenet_v2-imagenet1k-v1.pth",
	    "Model Loaded, Time Spent: 0.192s",
	    "Starting Warmup...",
	    "Warmup Done, Time Spent: 0.068s",
	    "Starting Inference Loop (100 iters)...",
	    "Inference Done. Avg Latency: 37.56 ms" } },
};

/* The runtime-info block, the same in all four logs. */
static const char *const want_info[][2] = {
	{ "python", "3.9.5" },
	{ "platform", "Linux-5.15.0-97-generic-x86_64-with-glibc2.31" },
	{ "torch", "2.5.1+cpu" },
	{ "backends", "mkldnn=True mkl=True openmp=True" },
	{ "torch threads", "compute=2 interop=16" },
	{ "envs", "OMP_NUM_THREADS= MKL_NUM_THREADS= OPENBLAS_NUM_THREADS=" },
};

static uint32_t rng_state;

/* Restart the PRNG at a fixed seed, so every run tests the same chunkings. */
static void
rng_seed(uint32_t seed)
{
	rng_state = seed != 0 ? seed : 1;
}

/* The next xorshift32 number. */
static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Read a seed log into a new buffer. */
static char *
read_fixture(const char *name, size_t *len)
{
	char	*path, *buf;
	FILE	*f;
	long	 size;

	xasprintf(&path, "%s/seed-logs/%s", FIXTURES_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = xmalloc(size + 1);
	assert_int_equal(fread(buf, 1, size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	free(path);
	*len = size;
	return buf;
}

/* The same text with every "\n" made "\r\n". */
static char *
to_crlf(const char *buf, size_t len, size_t *outlen)
{
	char	*out = xmalloc(2 * len + 1);
	size_t	 n = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			out[n++] = '\r';
		out[n++] = buf[i];
	}
	*outlen = n;
	return out;
}

/* Parse a buffer fed in one piece. */
static struct stagelog *
parse_whole(const char *buf, size_t len)
{
	struct stagelog	*sl = stagelog_create();

	stagelog_feed(sl, buf, len);
	stagelog_finish(sl);
	return sl;
}

/* Parse a buffer fed one byte at a time. */
static struct stagelog *
parse_bytes(const char *buf, size_t len)
{
	struct stagelog	*sl = stagelog_create();

	for (size_t i = 0; i < len; i++)
		stagelog_feed(sl, buf + i, 1);
	stagelog_finish(sl);
	return sl;
}

/* Parse a buffer fed in chunks of random sizes, mostly small. */
static struct stagelog *
parse_random(const char *buf, size_t len)
{
	static const size_t	 limits[] = { 3, 16, 256, 4096 };
	struct stagelog		*sl = stagelog_create();
	size_t			 off = 0, n;

	while (off < len) {
		n = 1 + rng() % limits[rng() % 4];
		if (n > len - off)
			n = len - off;
		stagelog_feed(sl, buf + off, n);
		off += n;
	}
	stagelog_finish(sl);
	return sl;
}

/* Fail unless s is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static void
assert_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 need = 0;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			need = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			need = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			need = 3;
		else
			fail_msg("invalid UTF-8 lead byte 0x%02x", *p);
		if (*p == 0xe0 && p[1] < 0xa0)
			fail_msg("overlong UTF-8");
		if (*p == 0xed && p[1] > 0x9f)
			fail_msg("UTF-8 surrogate");
		if (*p == 0xf0 && p[1] < 0x90)
			fail_msg("overlong UTF-8");
		if (*p == 0xf4 && p[1] > 0x8f)
			fail_msg("UTF-8 past U+10FFFF");
		for (size_t i = 1; i <= need; i++) {
			if (p[i] < 0x80 || p[i] > 0xbf)
				fail_msg("bad UTF-8 continuation byte 0x%02x", p[i]);
		}
		p += need + 1;
	}
}

/* Fail unless every string in a result is valid UTF-8 and all is in bounds. */
static void
assert_sane(const struct stagelog *sl)
{
	const struct stagelog_result	*r = stagelog_result(sl);

	assert_true(r->nevents <= 100000);
	assert_true(r->nstages <= 10000);
	assert_true(r->nmetrics <= 10000);
	assert_true(r->ninfo <= 10000);
	assert_true(r->long_lines <= r->lines);
	for (size_t i = 0; i < r->nstages; i++) {
		assert_utf8(r->stages[i].name);
		assert_true(r->stages[i].name[0] != '\0');
	}
	for (size_t i = 0; i < r->nmetrics; i++) {
		assert_utf8(r->metrics[i].name);
		assert_utf8(r->metrics[i].unit);
	}
	for (size_t i = 0; i < r->ninfo; i++) {
		assert_utf8(r->info[i].key);
		assert_utf8(r->info[i].value);
		assert_true(strlen(r->info[i].value) <= STAGELOG_LINE_MAX);
	}
	for (size_t i = 0; i < r->nevents; i++) {
		assert_utf8(r->events[i].text);
		assert_true(strlen(r->events[i].text) <= STAGELOG_LINE_MAX);
		assert_true(isfinite(r->events[i].t_s));
		assert_true(r->events[i].t_s >= 0);
	}
	if (stagelog_current(sl) != NULL)
		assert_utf8(stagelog_current(sl));
}

/* Fail unless two parses came out exactly the same. */
static void
assert_same(const struct stagelog *a, const struct stagelog *b)
{
	const struct stagelog_result	*x = stagelog_result(a);
	const struct stagelog_result	*y = stagelog_result(b);

	assert_int_equal(x->has_start_time, y->has_start_time);
	assert_true(x->start_time == y->start_time);
	assert_int_equal(x->lines, y->lines);
	assert_int_equal(x->long_lines, y->long_lines);
	assert_int_equal(x->dropped, y->dropped);
	assert_int_equal(x->nstages, y->nstages);
	for (size_t i = 0; i < x->nstages; i++) {
		assert_string_equal(x->stages[i].name, y->stages[i].name);
		assert_true(x->stages[i].start_s == y->stages[i].start_s);
		assert_true(x->stages[i].end_s == y->stages[i].end_s);
		assert_true(x->stages[i].duration_s == y->stages[i].duration_s);
	}
	assert_int_equal(x->nmetrics, y->nmetrics);
	for (size_t i = 0; i < x->nmetrics; i++) {
		assert_string_equal(x->metrics[i].name, y->metrics[i].name);
		assert_true(x->metrics[i].value == y->metrics[i].value);
		assert_string_equal(x->metrics[i].unit, y->metrics[i].unit);
	}
	assert_int_equal(x->ninfo, y->ninfo);
	for (size_t i = 0; i < x->ninfo; i++) {
		assert_string_equal(x->info[i].key, y->info[i].key);
		assert_string_equal(x->info[i].value, y->info[i].value);
	}
	assert_int_equal(x->nevents, y->nevents);
	for (size_t i = 0; i < x->nevents; i++) {
		assert_true(x->events[i].t_s == y->events[i].t_s);
		assert_string_equal(x->events[i].text, y->events[i].text);
	}
	if (stagelog_current(a) == NULL || stagelog_current(b) == NULL)
		assert_ptr_equal(stagelog_current(a), stagelog_current(b));
	else
		assert_string_equal(stagelog_current(a), stagelog_current(b));
}

/* Fail unless a stage is what was wanted. */
static void
assert_stage(const struct stagelog_stage *st, const char *name, double start,
    double end, double duration)
{
	assert_string_equal(st->name, name);
	assert_near(st->start_s, start);
	assert_near(st->end_s, end);
	assert_near(st->duration_s, duration);
}

/* Fail unless a metric is what was wanted. */
static void
assert_metric(const struct stagelog_metric *m, const char *name, double value,
    const char *unit)
{
	assert_string_equal(m->name, name);
	assert_near(m->value, value);
	assert_string_equal(m->unit, unit);
}

/* Fail unless a parse of a seed log gave exactly what it should. */
static void
check_fixture(const struct stagelog *sl, const struct fixture *f)
{
	const struct stagelog_result	*r = stagelog_result(sl);

	assert_int_equal(r->has_start_time, 1);
	assert_near(r->start_time, f->start_time);
	assert_int_equal(r->nstages, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_stage(&r->stages[i], f->stages[i].name,
		    f->stages[i].start, f->stages[i].end,
		    f->stages[i].duration);
		/* Rounded to microseconds: exactly the double of "5.330". */
		assert_true(r->stages[i].start_s == f->stages[i].start);
		assert_true(r->stages[i].duration_s == f->stages[i].duration);
	}
	assert_int_equal(r->nmetrics, 2);
	assert_metric(&r->metrics[0], "iters", 100, "count");
	assert_metric(&r->metrics[1], "avg_latency_ms", f->avg_latency_ms, "ms");
	assert_int_equal(r->ninfo, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(r->info[i].key, want_info[i][0]);
		assert_string_equal(r->info[i].value, want_info[i][1]);
	}
	assert_int_equal(r->nevents, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_near(r->events[i].t_s, f->t[i]);
		assert_string_equal(r->events[i].text, f->text[i]);
	}
	assert_int_equal(r->lines, 18);
	assert_int_equal(r->long_lines, 0);
	assert_int_equal(r->dropped, 0);
	assert_string_equal(stagelog_current(sl), f->text[8]);
	assert_sane(sl);
}

/* A seed log fed in one piece. */
static void
test_fixture_whole(void **state)
{
	const struct fixture	*f = *state;
	struct stagelog		*sl;
	size_t			 len;
	char			*buf = read_fixture(f->file, &len);

	sl = parse_whole(buf, len);
	check_fixture(sl, f);
	stagelog_free(sl);
	free(buf);
}

/* A seed log fed one byte at a time. */
static void
test_fixture_bytes(void **state)
{
	const struct fixture	*f = *state;
	struct stagelog		*sl;
	size_t			 len;
	char			*buf = read_fixture(f->file, &len);

	sl = parse_bytes(buf, len);
	check_fixture(sl, f);
	stagelog_free(sl);
	free(buf);
}

/* A seed log fed in 200 random chunkings. */
static void
test_fixture_random(void **state)
{
	const struct fixture	*f = *state;
	struct stagelog		*sl;
	size_t			 len;
	char			*buf = read_fixture(f->file, &len);

	rng_seed(0x5eed1234);
	for (int i = 0; i < 200; i++) {
		sl = parse_random(buf, len);
		check_fixture(sl, f);
		stagelog_free(sl);
	}
	free(buf);
}

/* A seed log with CRLF line ends parses the same, however it is split. */
static void
test_fixture_crlf(void **state)
{
	const struct fixture	*f = *state;
	struct stagelog		*lf, *sl;
	size_t			 len, crlen;
	char			*buf = read_fixture(f->file, &len);
	char			*crlf = to_crlf(buf, len, &crlen);

	lf = parse_whole(buf, len);
	sl = parse_whole(crlf, crlen);
	check_fixture(sl, f);
	assert_same(sl, lf);
	stagelog_free(sl);
	sl = parse_bytes(crlf, crlen);
	assert_same(sl, lf);
	stagelog_free(sl);
	rng_seed(0xc0ffee);
	for (int i = 0; i < 200; i++) {
		sl = parse_random(crlf, crlen);
		assert_same(sl, lf);
		stagelog_free(sl);
	}
	/* Without its last "\r\n", or with only the "\r", nothing changes. */
	sl = parse_whole(crlf, crlen - 2);
	assert_same(sl, lf);
	stagelog_free(sl);
	sl = parse_whole(crlf, crlen - 1);
	assert_same(sl, lf);
	stagelog_free(sl);
	stagelog_free(lf);
	free(crlf);
	free(buf);
}

/* Invalid UTF-8 and NULs come out as valid UTF-8, however they are split. */
static void
test_invalid_utf8(void **state)
{
	static const char in[] =
	    "[1.000s] caf\xc3\xa9 \xff|\xc3 |\x00nul|\xe2\x82 |\xed\xa0\x80|"
	    "\xc0\xaf|\xf4\x90\x80\x80|\xf0\x9f\x98\x80|\xc3\x00\xa9|\xe2\x82\n"
	    "=== Runtime Info ===\n"
	    "k\xff: v\x00\xfe\n"
	    "====\n"
	    "[2.000s] \xff\xfe Done, Time Spent: 1s\n"
	    "[3\x00.5s] n\xc3\n";
	static const char want[] =
	    "caf\xc3\xa9 " FFFD "|" FFFD " |nul|" FFFD " |" FFFD FFFD FFFD "|"
	    FFFD FFFD "|" FFFD FFFD FFFD FFFD "|\xf0\x9f\x98\x80|" FFFD FFFD "|"
	    FFFD;
	const struct stagelog_result	*r;
	struct stagelog			*whole, *sl;

	(void)state;
	whole = parse_whole(in, sizeof in - 1);
	r = stagelog_result(whole);
	assert_sane(whole);
	assert_int_equal(r->nevents, 3);
	assert_string_equal(r->events[0].text, want);
	assert_string_equal(r->events[1].text, FFFD FFFD " Done, Time Spent: 1s");
	assert_near(r->events[2].t_s, 3.5);
	assert_string_equal(r->events[2].text, "n" FFFD);
	assert_int_equal(r->ninfo, 1);
	assert_string_equal(r->info[0].key, "k" FFFD);
	assert_string_equal(r->info[0].value, "v" FFFD);
	assert_int_equal(r->nstages, 1);
	assert_stage(&r->stages[0], "stage", 1, 2, 1);

	sl = parse_bytes(in, sizeof in - 1);
	assert_same(sl, whole);
	stagelog_free(sl);
	rng_seed(42);
	for (int i = 0; i < 200; i++) {
		sl = parse_random(in, sizeof in - 1);
		assert_same(sl, whole);
		stagelog_free(sl);
	}
	stagelog_free(whole);

	/* A sequence split across feeds is put back together. */
	sl = stagelog_create();
	stagelog_feed(sl, "[1s] \xf0\x9f", 7);
	stagelog_feed(sl, "\x98", 1);
	stagelog_feed(sl, "\x80\r", 2);
	stagelog_feed(sl, "\n", 1);
	r = stagelog_result(sl);
	assert_int_equal(r->nevents, 1);
	assert_string_equal(r->events[0].text, "\xf0\x9f\x98\x80");
	stagelog_free(sl);

	/* A truncated sequence at EOF is replaced too. */
	sl = stagelog_create();
	stagelog_feed(sl, "[1s] x\xe2\x82", 8);
	stagelog_finish(sl);
	r = stagelog_result(sl);
	assert_int_equal(r->nevents, 1);
	assert_string_equal(r->events[0].text, "x" FFFD);
	stagelog_free(sl);
}

/* A buffer of a line: prefix, then n copies of unit, then end. */
static char *
make_line(const char *prefix, const char *unit, size_t n, const char *end,
    size_t *len)
{
	size_t	 plen = strlen(prefix), ulen = strlen(unit), elen = strlen(end);
	char	*buf = xmalloc(plen + n * ulen + elen + 1);
	char	*p = buf;

	memcpy(p, prefix, plen);
	p += plen;
	for (size_t i = 0; i < n; i++, p += ulen)
		memcpy(p, unit, ulen);
	memcpy(p, end, elen);
	p += elen;
	*p = '\0';
	*len = p - buf;
	return buf;
}

/* A 1 MiB line keeps its first 64 KiB, is counted, and parsing goes on after it. */
static void
test_long_line(void **state)
{
	const struct stagelog_result	*r;
	struct stagelog			*sl, *whole;
	char				*buf;
	size_t				 len;

	(void)state;
	buf = make_line("[1.000s] ", "a", 1024 * 1024,
	    "\n[2.000s] Warmup Done, Time Spent: 0.5s\n", &len);
	whole = parse_whole(buf, len);
	r = stagelog_result(whole);
	assert_int_equal(r->lines, 2);
	assert_int_equal(r->long_lines, 1);
	assert_int_equal(r->nevents, 2);
	assert_int_equal(strlen(r->events[0].text), STAGELOG_LINE_MAX - 9);
	assert_string_equal(r->events[1].text, "Warmup Done, Time Spent: 0.5s");
	assert_int_equal(r->nstages, 1);
	assert_stage(&r->stages[0], "warmup", 1.5, 2.0, 0.5);
	assert_sane(whole);
	rng_seed(7);
	for (int i = 0; i < 20; i++) {
		sl = parse_random(buf, len);
		assert_same(sl, whole);
		stagelog_free(sl);
	}
	stagelog_free(whole);
	free(buf);

	/* Two-byte characters are cut between characters, not inside one. */
	buf = make_line("[1s] ", "\xc3\xa9", 40000, "\n", &len);
	sl = parse_bytes(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->long_lines, 1);
	assert_int_equal(strlen(r->events[0].text), 65530);
	assert_sane(sl);
	stagelog_free(sl);
	free(buf);

	/* So are the U+FFFD that stand in for invalid bytes. */
	buf = make_line("[1s] ", "\xff", 100000, "\n[2s] next\n", &len);
	sl = parse_whole(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->long_lines, 1);
	assert_int_equal(strlen(r->events[0].text), 65529);
	assert_string_equal(r->events[1].text, "next");
	assert_sane(sl);
	stagelog_free(sl);
	free(buf);

	/* Exactly 64 KiB is not long, with or without a "\r"; one more byte is. */
	buf = make_line("[1s] ", "b", STAGELOG_LINE_MAX - 5, "\r\n", &len);
	sl = parse_bytes(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->long_lines, 0);
	assert_int_equal(strlen(r->events[0].text), STAGELOG_LINE_MAX - 5);
	stagelog_free(sl);
	sl = parse_whole(buf, len - 2);
	assert_int_equal(stagelog_result(sl)->long_lines, 0);
	stagelog_free(sl);
	free(buf);
	buf = make_line("[1s] ", "b", STAGELOG_LINE_MAX - 4, "\n", &len);
	sl = parse_whole(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->long_lines, 1);
	assert_int_equal(strlen(r->events[0].text), STAGELOG_LINE_MAX - 5);
	stagelog_free(sl);
	free(buf);
}

/* A log cut off in the middle of a line keeps everything seen. */
static void
test_cut_midline(void **state)
{
	const struct stagelog_result	*r;
	struct stagelog			*sl;
	const char			*cut;
	char				*buf, *crlf;
	size_t				 len, crlen;

	(void)state;
	buf = read_fixture("run1.stdout", &len);
	cut = strstr(buf, "Warmup Done") + strlen("Warmup");
	sl = stagelog_create();
	stagelog_feed(sl, buf, cut - buf);
	stagelog_finish(sl);
	r = stagelog_result(sl);
	assert_int_equal(r->lines, 16);
	assert_int_equal(r->has_start_time, 1);
	assert_int_equal(r->nstages, 2);
	assert_stage(&r->stages[0], "import_torch", 0, 5.295, 5.295);
	assert_stage(&r->stages[1], "model_loaded", 5.330, 5.527, 0.197);
	assert_int_equal(r->ninfo, 6);
	assert_int_equal(r->nmetrics, 0);
	assert_int_equal(r->nevents, 7);
	assert_string_equal(r->events[6].text, "Warmup");
	assert_string_equal(stagelog_current(sl), "Warmup");
	/* Feeds and finishes after the finish change nothing. */
	stagelog_feed(sl, cut, len - (cut - buf));
	stagelog_finish(sl);
	assert_int_equal(r->lines, 16);
	assert_int_equal(r->nevents, 7);
	stagelog_free(sl);

	/* Killed during the inference loop: its iters but no stage. */
	cut = strstr(buf, "[9.380s]") + 3;
	sl = stagelog_create();
	stagelog_feed(sl, buf, cut - buf);
	stagelog_finish(sl);
	r = stagelog_result(sl);
	assert_int_equal(r->lines, 18);
	assert_int_equal(r->nstages, 3);
	assert_int_equal(r->nmetrics, 1);
	assert_metric(&r->metrics[0], "iters", 100, "count");
	assert_int_equal(r->nevents, 8);
	assert_string_equal(stagelog_current(sl),
	    "Starting Inference Loop (100 iters)...");
	stagelog_free(sl);

	/* Nothing at all, and no start line. */
	sl = parse_whole("", 0);
	r = stagelog_result(sl);
	assert_int_equal(r->lines, 0);
	assert_int_equal(r->has_start_time, 0);
	assert_null(stagelog_current(sl));
	stagelog_free(sl);

	/* Cut between the "\r" and the "\n" of a CRLF log. */
	crlf = to_crlf(buf, len, &crlen);
	cut = strstr(crlf, "Warmup Done");
	cut = strchr(cut, '\r') + 1;
	sl = stagelog_create();
	stagelog_feed(sl, crlf, cut - crlf);
	stagelog_finish(sl);
	r = stagelog_result(sl);
	assert_int_equal(r->lines, 16);
	assert_int_equal(r->nstages, 3);
	assert_stage(&r->stages[2], "warmup", 5.527, 5.722, 0.195);
	assert_string_equal(stagelog_current(sl),
	    "Warmup Done, Time Spent: 0.195s");
	stagelog_free(sl);
	free(crlf);
	free(buf);
}

/* Inference with its percentile line, and other k=v latencies. */
static void
test_percentiles(void **state)
{
	static const char in[] =
	    "[5.722s] Starting Inference Loop (100 iters)...\n"
	    "[9.380s] Inference Done. Avg Latency: 36.58 ms\n"
	    "[9.380s] Latency (ms): p50=36.10 p90=38.20 p99=40.00 min=35.00 max=41.00\n"
	    "[9.400s] Latency (ms): P75=2, bad x=abc y=1e3 z=-1 =5 w=7\n";
	const struct stagelog_result	*r;
	struct stagelog			*sl;

	(void)state;
	sl = parse_whole(in, sizeof in - 1);
	r = stagelog_result(sl);
	assert_int_equal(r->nstages, 1);
	assert_stage(&r->stages[0], "inference", 5.722, 9.380, 3.658);
	assert_int_equal(r->nmetrics, 9);
	assert_metric(&r->metrics[0], "iters", 100, "count");
	assert_metric(&r->metrics[1], "avg_latency_ms", 36.58, "ms");
	assert_metric(&r->metrics[2], "p50_latency_ms", 36.10, "ms");
	assert_metric(&r->metrics[3], "p90_latency_ms", 38.20, "ms");
	assert_metric(&r->metrics[4], "p99_latency_ms", 40.00, "ms");
	assert_metric(&r->metrics[5], "min_latency_ms", 35.00, "ms");
	assert_metric(&r->metrics[6], "max_latency_ms", 41.00, "ms");
	assert_metric(&r->metrics[7], "p75_latency_ms", 2, "ms");
	assert_metric(&r->metrics[8], "w_latency_ms", 7, "ms");
	assert_sane(sl);
	stagelog_free(sl);

	/* "Done" without "Starting": only the metric. */
	sl = parse_whole("[9.1s] Inference Done. Avg Latency: 12 ms\n",
	    strlen("[9.1s] Inference Done. Avg Latency: 12 ms\n"));
	r = stagelog_result(sl);
	assert_int_equal(r->nstages, 0);
	assert_int_equal(r->nmetrics, 1);
	assert_metric(&r->metrics[0], "avg_latency_ms", 12, "ms");
	stagelog_free(sl);
}

/* Stage names are normalised, and repeats get "_2", "_3", ... */
static void
test_duplicate_stages(void **state)
{
	static const char in[] =
	    "[1s] Warmup 3, Time Spent: 1s\n"
	    "[2s] Warmup Done, Time Spent: 1s\n"
	    "[3s] Warmup Done, Time Spent: 1s\n"
	    "[4s] Warmup Done, Time Spent: 1.5 s\n"
	    "[5s]   Import--Torch   DONE!!, Time Spent: 1 s   \n"
	    "[6s] , Time Spent: 1s\n"
	    "[7s] Done, Time Spent: 1s\n"
	    "[8s] _x__y_ done_, time spent: 2s\n"
	    "[9s] Something, Time Spent: 3s extra\n"
	    "[10s] Big Bang, Time Spent: 12s\n"
	    "[11s] Starting Inference Loop (10 iters)...\n"
	    "[12s] Inference Done. Avg Latency: 100 ms\n"
	    "[13s] Starting Inference Loop (20 iters)...\n"
	    "[15s] Inference Done. Avg Latency: 100.5 ms\n"
	    "[16s] Launch, Time Spent: 1s\n"
	    "[17s] Total Done, Time Spent: 1s\n";
	const struct stagelog_result	*r;
	struct stagelog			*sl;
	char				*buf, want[32];
	size_t				 len;

	(void)state;
	sl = parse_whole(in, sizeof in - 1);
	r = stagelog_result(sl);
	assert_int_equal(r->nstages, 13);
	assert_stage(&r->stages[0], "warmup_3", 0, 1, 1);
	assert_stage(&r->stages[1], "warmup", 1, 2, 1);
	assert_stage(&r->stages[2], "warmup_2", 2, 3, 1);
	assert_stage(&r->stages[3], "warmup_4", 2.5, 4, 1.5);
	assert_stage(&r->stages[4], "import_torch", 4, 5, 1);
	assert_stage(&r->stages[5], "stage", 5, 6, 1);
	assert_stage(&r->stages[6], "stage_2", 6, 7, 1);
	assert_stage(&r->stages[7], "x_y", 6, 8, 2);
	assert_stage(&r->stages[8], "big_bang", -2, 10, 12);
	assert_stage(&r->stages[9], "inference", 11, 12, 1);
	assert_stage(&r->stages[10], "inference_2", 13, 15, 2);
	/* benchd's own stage names are taken already. */
	assert_stage(&r->stages[11], "launch_2", 15, 16, 1);
	assert_stage(&r->stages[12], "total_2", 16, 17, 1);
	assert_int_equal(r->nmetrics, 4);
	assert_metric(&r->metrics[0], "iters", 10, "count");
	assert_metric(&r->metrics[1], "avg_latency_ms", 100, "ms");
	assert_metric(&r->metrics[2], "iters_2", 20, "count");
	assert_metric(&r->metrics[3], "avg_latency_ms_2", 100.5, "ms");
	assert_int_equal(r->nevents, 16);
	assert_string_equal(r->events[4].text,
	    "Import--Torch   DONE!!, Time Spent: 1 s");
	stagelog_free(sl);

	/* Thousands of repeats stay fast, and stop at the cap. */
	buf = make_line("", "[1s] X, Time Spent: 1s\n", 10005, "", &len);
	sl = parse_whole(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->nstages, 10000);
	assert_int_equal(r->dropped, 5);
	assert_string_equal(r->stages[0].name, "x");
	snprintf(want, sizeof want, "x_%d", 10000);
	assert_string_equal(r->stages[9999].name, want);
	assert_int_equal(r->nevents, 10005);
	stagelog_free(sl);
	free(buf);
}

/* The runtime-info block: its key rules, blank lines, and its ends. */
static void
test_runtime_info(void **state)
{
	static const char in[] =
	    "start time: 12.5\n"
	    "start time: 13\n"
	    "  ===  Runtime Info  ===\n"
	    "python: 3.9.5\n"
	    "\n"
	    "   \t\n"
	    "foo bar  baz \n"
	    "key:\n"
	    "url: http://x:y\n"
	    ": odd\n"
	    "a:b\n"
	    "[1.000s] Loading Model...\n"
	    "not: info\n"
	    "==========\n"
	    "=== Runtime Info ===\n"
	    "again: yes\n"
	    "===\n"
	    "after: no\n";
	const struct stagelog_result	*r;
	struct stagelog			*sl, *other;

	(void)state;
	sl = parse_whole(in, sizeof in - 1);
	r = stagelog_result(sl);
	assert_int_equal(r->has_start_time, 1);
	assert_near(r->start_time, 12.5);
	assert_int_equal(r->lines, 18);
	assert_int_equal(r->ninfo, 7);
	assert_string_equal(r->info[0].key, "python");
	assert_string_equal(r->info[0].value, "3.9.5");
	assert_string_equal(r->info[1].key, "foo");
	assert_string_equal(r->info[1].value, "bar  baz");
	assert_string_equal(r->info[2].key, "key");
	assert_string_equal(r->info[2].value, "");
	assert_string_equal(r->info[3].key, "url");
	assert_string_equal(r->info[3].value, "http://x:y");
	assert_string_equal(r->info[4].key, ":");
	assert_string_equal(r->info[4].value, "odd");
	assert_string_equal(r->info[5].key, "a:b");
	assert_string_equal(r->info[5].value, "");
	assert_string_equal(r->info[6].key, "again");
	assert_string_equal(r->info[6].value, "yes");
	assert_int_equal(r->nevents, 1);
	assert_string_equal(r->events[0].text, "Loading Model...");
	rng_seed(99);
	for (int i = 0; i < 50; i++) {
		other = parse_random(in, sizeof in - 1);
		assert_same(other, sl);
		stagelog_free(other);
	}
	stagelog_free(sl);
}

/* Only plain decimal times make events; nan, inf, hex, signs and exponents do not. */
static void
test_event_numbers(void **state)
{
	static const char in[] =
	    "[nan s] a\n[inf s] b\n[0x10s] c\n[-1.0s] d\n[1e3s] e\n[.5s] f\n"
	    "[5.s] g\n[+1s] h\n[1,5s] i\n[1.5] j\n1.5s] k\n"
	    "[1.5 s] ok1\n[ 2s]ok2\n[3s]\n  [4.25s]   spaced   \t\n"
	    "start time: 1e5\nstart time: -3\nstart time: 7 x\n";
	const struct stagelog_result	*r;
	struct stagelog			*sl;
	char				*buf;
	size_t				 len;

	(void)state;
	sl = stagelog_create();
	assert_null(stagelog_current(sl));
	stagelog_feed(sl, in, sizeof in - 1);
	stagelog_finish(sl);
	r = stagelog_result(sl);
	assert_int_equal(r->has_start_time, 0);
	assert_int_equal(r->nevents, 4);
	assert_near(r->events[0].t_s, 1.5);
	assert_string_equal(r->events[0].text, "ok1");
	assert_near(r->events[1].t_s, 2);
	assert_string_equal(r->events[1].text, "ok2");
	assert_near(r->events[2].t_s, 3);
	assert_string_equal(r->events[2].text, "");
	assert_near(r->events[3].t_s, 4.25);
	assert_string_equal(r->events[3].text, "spaced");
	assert_string_equal(stagelog_current(sl), "spaced");
	stagelog_free(sl);

	/* A time too large for a double is no event either. */
	buf = make_line("[", "9", 400, "s] huge\n", &len);
	sl = parse_whole(buf, len);
	assert_int_equal(stagelog_result(sl)->nevents, 0);
	stagelog_free(sl);
	free(buf);
}

/* Past 100000 events the rest are counted, not kept; the current one still moves. */
static void
test_caps(void **state)
{
	const struct stagelog_result	*r;
	struct stagelog			*sl;
	char				*buf;
	size_t				 len;

	(void)state;
	buf = make_line("", "[1s] e\n", 100010, "[2s] last\n", &len);
	sl = parse_whole(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->nevents, 100000);
	assert_int_equal(r->dropped, 11);
	assert_string_equal(stagelog_current(sl), "last");
	stagelog_free(sl);
	free(buf);

	buf = make_line("=== Runtime Info ===\n", "k: v\n", 10003, "", &len);
	sl = parse_whole(buf, len);
	r = stagelog_result(sl);
	assert_int_equal(r->ninfo, 10000);
	assert_int_equal(r->dropped, 3);
	stagelog_free(sl);
	free(buf);
}

/* Random bytes, and random soups of the format's pieces, never crash and stay valid. */
static void
test_garbage(void **state)
{
	static const char *const pieces[] = {
		"[", "]", "s]", " s] ", "1", "5.295", ".", "0", "\n", "\r", "\r\n",
		"\x00", "\xff", "\xc3", "\xa9", "\xe2\x82", "\xf0\x9f\x98", " ",
		"=== Runtime Info ===\n", "===\n", ": ", ":", "Time Spent: ",
		", Time Spent: 1.5s\n", "Done", "Starting Inference Loop (",
		" iters)...\n", "Inference Done. Avg Latency: ", " ms\n",
		"Latency (ms): p50=", "=", "start time: ", "nan", "inf", "e9",
	};
	struct stagelog	*sl;
	char		*buf;
	size_t		 len, n;

	(void)state;
	rng_seed(0xdeadbeef);
	for (int round = 0; round < 300; round++) {
		len = 1 + rng() % 20000;
		buf = xmalloc(len + 64);
		if (round % 2 == 0) {
			for (size_t i = 0; i < len; i++)
				buf[i] = (char)rng();
		} else {
			for (n = 0; n < len; ) {
				const char *p = pieces[rng() %
				    (sizeof pieces / sizeof pieces[0])];
				size_t plen = p[0] == '\0' ? 1 : strlen(p);

				if (n + plen > len)
					break;
				memcpy(buf + n, p, plen);
				n += plen;
			}
			len = n;
		}
		sl = parse_random(buf, len);
		assert_sane(sl);
		stagelog_free(sl);
		free(buf);
	}
}

int
main(void)
{
#define FIXTURE_TESTS(i)						\
	{ "run" #i " whole", test_fixture_whole, NULL, NULL,		\
	    (void *)&fixtures[i - 1] },					\
	{ "run" #i " bytes", test_fixture_bytes, NULL, NULL,		\
	    (void *)&fixtures[i - 1] },					\
	{ "run" #i " random chunks", test_fixture_random, NULL, NULL,	\
	    (void *)&fixtures[i - 1] },					\
	{ "run" #i " crlf", test_fixture_crlf, NULL, NULL,		\
	    (void *)&fixtures[i - 1] }
	const struct CMUnitTest tests[] = {
		FIXTURE_TESTS(1),
		FIXTURE_TESTS(2),
		FIXTURE_TESTS(3),
		FIXTURE_TESTS(4),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_cut_midline),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_duplicate_stages),
		cmocka_unit_test(test_runtime_info),
		cmocka_unit_test(test_event_numbers),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_garbage),
	};
#undef FIXTURE_TESTS

	return cmocka_run_group_tests(tests, NULL, NULL);
}
