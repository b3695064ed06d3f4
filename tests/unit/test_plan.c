/* test_plan.c: unit tests of the plan parser: good plans, every bad plan in tests/plans, expansion and odd input. */
#include <sys/stat.h>

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plan.h"
#include "profile.h"

/* The checks the bad-*.yaml files are parsed with. */
static const struct plan_check test_check = { "0-1", 0 };

/* Read a whole file; returns NULL when it cannot be opened. */
static char *
test_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, got;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Read a file from PLANS_DIR, failing the test when it is not there. */
static char *
test_read_plan(const char *name, size_t *len)
{
	char	 path[4096];
	char	*text;

	snprintf(path, sizeof path, "%s/%s", PLANS_DIR, name);
	text = test_read(path, len);
	if (text == NULL)
		fail_msg("cannot read %s", path);
	return text;
}

/* Parse NUL-terminated text with the given path and checks. */
static struct plan *
test_parse(const char *text, const char *path, const struct plan_check *check,
    char **cause)
{
	return plan_parse(text, strlen(text), path, check, cause);
}

/* Check that a parse failed with a well-formed cause, and return it. */
static char *
test_fails(struct plan *pl, char *cause)
{
	size_t	lines = 1;
	char	*p;

	assert_null(pl);
	assert_non_null(cause);
	assert_true(cause[0] != '\0');
	assert_true(cause[strlen(cause) - 1] != '\n');
	for (p = cause; *p != '\0'; p++)
		lines += *p == '\n';
	assert_true(lines <= 21);
	return cause;
}

/* Parse text that must fail, and check that the cause holds a phrase. */
static void
test_fails_with(const char *text, size_t len, const char *phrase)
{
	struct plan	*pl;
	char		*cause;

	pl = plan_parse(text, len, "odd.yaml", &test_check, &cause);
	test_fails(pl, cause);
	if (strstr(cause, phrase) == NULL)
		fail_msg("expected \"%s\" in:\n%s", phrase, cause);
	free(cause);
}

/* Check one env entry. */
static void
test_env(const struct plan_condition *c, size_t i, const char *key,
    const char *value)
{
	assert_true(i < c->nenv);
	assert_string_equal(c->env[i].key, key);
	assert_string_equal(c->env[i].value, value);
}

/* Check an expansion against a compact string: "0m 1w ...", "0m@2" at position 2, "0wi" importtime. */
static void
test_runs(const struct plan *pl, const char *want)
{
	struct plan_run	*runs;
	char		 got[4096];
	size_t		 n, i, o = 0;

	n = plan_expand(pl, &runs);
	got[0] = '\0';
	for (i = 0; i < n && o + 16 < sizeof got; i++) {
		o += (size_t)snprintf(got + o, sizeof got - o, "%s%zu%c",
		    i > 0 ? " " : "", runs[i].cond,
		    plan_run_kind_name(runs[i].kind)[0]);
		if (runs[i].position >= 0)
			o += (size_t)snprintf(got + o, sizeof got - o, "@%d",
			    runs[i].position);
		if (runs[i].importtime)
			o += (size_t)snprintf(got + o, sizeof got - o, "i");
	}
	free(runs);
	assert_string_equal(got, want);
}

/* Every key of good-full.yaml, folded into each condition. */
static void
test_good_full(void **state)
{
	struct plan		*pl;
	struct plan_condition	*c;
	char			*text, *cause;
	size_t			 len;

	(void)state;
	text = test_read_plan("good-full.yaml", &len);
	pl = plan_parse(text, len, "plans/good-full.yaml", &test_check, &cause);
	free(text);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_null(cause);

	assert_string_equal(pl->name, "mobilenet-cold-vs-warm");
	assert_int_equal(pl->order, PLAN_ORDER_BLOCKED);
	assert_int_equal(pl->nevict, 3);
	assert_string_equal(pl->evict[0], "plans/../models/");
	assert_string_equal(pl->evict[1], "/var/cache/torch");
	assert_string_equal(pl->evict[2], "plans/data");
	assert_int_equal(pl->nconds, 4);

	/* Plan values, with the condition's env merged in place. */
	c = &pl->conds[0];
	assert_string_equal(c->name, "cold");
	assert_int_equal(c->cache, PLAN_CACHE_COLD);
	assert_int_equal(c->cold_method, PLAN_COLD_SYSTEM);
	assert_int_equal(c->runs, 10);
	assert_int_equal(c->warmup_runs, 0);
	assert_string_equal(c->python, "python3");
	assert_string_equal(c->script, "plans/../python/benchmark.py");
	assert_int_equal(c->nargs, 4);
	assert_string_equal(c->args[0], "--iters");
	assert_string_equal(c->args[1], "20");
	assert_string_equal(c->args[2], "--model");
	assert_string_equal(c->args[3], "mobilenet");
	assert_string_equal(c->workdir, "plans");
	assert_string_equal(c->cpus, "0,1");
	assert_int_equal(c->nenv, 4);
	test_env(c, 0, "OMP_NUM_THREADS", "2");
	test_env(c, 1, "MODE", "cold");
	test_env(c, 2, "SEED", "7");
	test_env(c, 3, "EXTRA", "");
	assert_true(c->timeout == 300.0);

	/* Every overridable key set by the condition. */
	c = &pl->conds[1];
	assert_string_equal(c->name, "warm");
	assert_int_equal(c->cache, PLAN_CACHE_WARM);
	assert_int_equal(c->cold_method, PLAN_COLD_TARGETED);
	assert_int_equal(c->runs, 5);
	assert_int_equal(c->warmup_runs, PLAN_WARMUP_DEFAULT);
	assert_string_equal(c->python, "plans/venv/bin/python");
	assert_string_equal(c->script, "plans/other/bench.py");
	assert_int_equal(c->nargs, 0);
	assert_string_equal(c->workdir, "plans/work");
	assert_string_equal(c->cpus, "0");
	assert_int_equal(c->nenv, 3);
	test_env(c, 0, "OMP_NUM_THREADS", "2");
	test_env(c, 1, "MODE", "plan");
	test_env(c, 2, "SEED", "7");
	assert_true(c->timeout == 2.5);

	/* Absolute paths are kept; warmup_runs: 0 overrides the default. */
	c = &pl->conds[2];
	assert_string_equal(c->name, "warm.more_warmups");
	assert_int_equal(c->warmup_runs, 0);
	assert_int_equal(c->runs, 2);
	assert_string_equal(c->script, "/opt/bench/run.py");
	assert_string_equal(c->workdir, "/tmp");
	assert_string_equal(c->python, "python3");
	assert_int_equal(c->nargs, 4);

	c = &pl->conds[3];
	assert_string_equal(c->name, "plain");
	assert_int_equal(c->cache, PLAN_CACHE_NONE);
	assert_int_equal(c->warmup_runs, 1);
	assert_int_equal(c->runs, 1);
	assert_string_equal(c->cpus, "0-1");
	assert_string_equal(c->workdir, "plans");
	assert_true(c->timeout == 300.0);

	test_runs(pl, "0m 0m 0m 0m 0m 0m 0m 0m 0m 0m "
	    "1w 1w 1w 1m 1m 1m 1m 1m 2m 2m 3w 3m");
	plan_free(pl);
}

/* Defaults of good-minimal.yaml, and interleaved expansion with warm-ups. */
static void
test_good_minimal(void **state)
{
	struct plan		*pl;
	struct plan_condition	*c;
	char			*text, *cause;
	size_t			 len, i;

	(void)state;
	text = test_read_plan("good-minimal.yaml", &len);
	pl = plan_parse(text, len, "good-minimal.yaml", NULL, &cause);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_string_equal(pl->name, "minimal");
	assert_int_equal(pl->order, PLAN_ORDER_INTERLEAVED);
	assert_int_equal(pl->nevict, 0);
	assert_null(pl->evict);
	assert_int_equal(pl->nconds, 2);
	for (i = 0; i < pl->nconds; i++) {
		c = &pl->conds[i];
		assert_int_equal(c->cold_method, PLAN_COLD_TARGETED);
		assert_string_equal(c->python, "python3");
		assert_string_equal(c->script, "bench.py");
		assert_string_equal(c->workdir, ".");
		assert_null(c->cpus);
		assert_int_equal(c->nargs, 0);
		assert_int_equal(c->nenv, 0);
		assert_true(c->timeout == PLAN_TIMEOUT_DEFAULT);
	}
	assert_int_equal(pl->conds[0].warmup_runs, 0);
	assert_int_equal(pl->conds[0].runs, 3);
	assert_int_equal(pl->conds[1].warmup_runs, 3);
	assert_int_equal(pl->conds[1].runs, 2);
	test_runs(pl, "0m 1w 1w 1w 1m 0m 1m 0m");
	plan_free(pl);

	/* The same text under an absolute path: paths become absolute. */
	pl = plan_parse(text, len, "/srv/plans/minimal.yaml", NULL, &cause);
	free(text);
	assert_non_null(pl);
	assert_string_equal(pl->conds[0].script, "/srv/plans/bench.py");
	assert_string_equal(pl->conds[0].workdir, "/srv/plans");
	plan_free(pl);
}

/* Path joining: ".", "./", folders of the script, a plan at the root. */
static void
test_paths(void **state)
{
	struct plan	*pl;
	char		*cause;

	(void)state;
	pl = test_parse("name: p\nscript: ./sub/b.py\nworkdir: ./\n"
	    "python: ./venv/bin/python3\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1}\n"
	    "  - {name: b, cache: none, runs: 1, workdir: ., script: c.py}\n"
	    "  - {name: c, cache: none, runs: 1, workdir: w, python: py3}\n",
	    "d/e/plan.yaml", NULL, &cause);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_string_equal(pl->conds[0].script, "d/e/sub/b.py");
	assert_string_equal(pl->conds[0].workdir, "d/e");
	assert_string_equal(pl->conds[0].python, "d/e/venv/bin/python3");
	assert_string_equal(pl->conds[1].script, "d/e/c.py");
	assert_string_equal(pl->conds[1].workdir, "d/e");
	assert_string_equal(pl->conds[2].workdir, "d/e/w");
	assert_string_equal(pl->conds[2].python, "py3");
	plan_free(pl);

	/* The default workdir is the script's folder. */
	pl = test_parse("name: p\nscript: sub/b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1}\n", "/plan.yaml", NULL,
	    &cause);
	assert_non_null(pl);
	assert_string_equal(pl->conds[0].script, "/sub/b.py");
	assert_string_equal(pl->conds[0].workdir, "/sub");
	plan_free(pl);

	pl = test_parse("name: p\nscript: sub/b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1}\n", "plan.yaml", NULL,
	    &cause);
	assert_non_null(pl);
	assert_string_equal(pl->conds[0].script, "sub/b.py");
	assert_string_equal(pl->conds[0].workdir, "sub");
	plan_free(pl);
}

/* Both orders over three conditions of different lengths. */
static void
test_expand(void **state)
{
	static const char	*text = "name: e\nscript: b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1}\n"
	    "  - {name: b, cache: warm, runs: 3, warmup_runs: 1}\n"
	    "  - {name: c, cache: cold, runs: 2}\n"
	    "  - {name: d, cache: warm, runs: 1, warmup_runs: 0}\n";
	struct plan		*pl;
	char			*cause, *blocked;

	(void)state;
	pl = test_parse(text, "e.yaml", NULL, &cause);
	assert_non_null(pl);
	test_runs(pl, "0m 1w 1m 2m 3m 1m 2m 1m");
	plan_free(pl);

	assert_true(asprintf(&blocked, "order: blocked\n%s", text) > 0);
	pl = test_parse(blocked, "e.yaml", NULL, &cause);
	free(blocked);
	assert_non_null(pl);
	test_runs(pl, "0m 1w 1m 1m 1m 2m 2m 3m");
	plan_free(pl);
}

/* Warming sequences go whole where others take one run; importtime runs come last, in turn. */
static void
test_expand_sequences(void **state)
{
	static const char	*text = "name: s\nscript: b.py\nimporttime_runs: 1\nconditions:\n"
	    "  - {name: a, cache: cold, runs: 2, then: 2}\n"
	    "  - {name: b, cache: warm, runs: 2, warmup_runs: 1, importtime_runs: 2}\n";
	struct plan		*pl;
	char			*cause, *blocked;

	(void)state;
	pl = test_parse(text, "s.yaml", NULL, &cause);
	assert_non_null(pl);
	assert_int_equal(pl->conds[0].then, 2);
	assert_int_equal(pl->conds[0].importtime_runs, 1);
	assert_int_equal(pl->conds[1].importtime_runs, 2);
	test_runs(pl, "0m@0 0m@1 0m@2 1w 1m 0m@0 0m@1 0m@2 1m 0wi 1wi 1wi");
	plan_free(pl);

	assert_true(asprintf(&blocked, "order: blocked\n%s", text) > 0);
	pl = test_parse(blocked, "s.yaml", NULL, &cause);
	free(blocked);
	assert_non_null(pl);
	test_runs(pl, "0m@0 0m@1 0m@2 0m@0 0m@1 0m@2 1w 1m 1m 0wi 1wi 1wi");
	plan_free(pl);
}

/*
 * until: a compare at the top, a condition's own target, the plan's median
 * target for every condition; runs beside a target is its least, and only
 * the least is expanded (benchd queues the rest round by round).
 */
static void
test_until(void **state)
{
	static const char	*compare = "name: u\nscript: b.py\n"
	    "until: {compare: [cold, warm], stage: import_torch, narrower_than: 20 ms, max_runs: 40}\n"
	    "conditions:\n"
	    "  - {name: cold, cache: cold}\n"
	    "  - {name: warm, cache: warm, runs: 8, warmup_runs: 1}\n"
	    "  - {name: base, cache: none, until: {stage: total, within: 2.5%, min_runs: 6, "
	    "max_runs: 60}}\n"
	    "  - {name: fixed, cache: none, runs: 3}\n";
	static const char	*every = "name: u\nscript: b.py\n"
	    "until: {stage: import_torch, within: 0.05s, max_runs: 10}\n"
	    "conditions:\n"
	    "  - {name: a, cache: none}\n"
	    "  - {name: b, cache: none, runs: 7}\n"
	    "  - {name: c, cache: none, until: {stage: total, within: 1%}}\n";
	static const char	*big = "name: u\nscript: b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: 10000}\n"
	    "  - {name: b, cache: none, runs: 9500}\n"
	    "  - {name: c, cache: none, until: {stage: total, within: 1%, max_runs: 1000}}\n";
	const struct plan_target *t;
	struct plan		*pl;
	char			*cause;

	(void)state;
	pl = test_parse(compare, "u.yaml", NULL, &cause);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_int_equal(pl->ntargets, 2);
	t = &pl->targets[0];
	assert_int_equal(t->kind, PLAN_TARGET_SHIFT);
	assert_string_equal(t->stage, "import_torch");
	assert_int_equal(t->a, 0);
	assert_int_equal(t->b, 1);
	assert_true(fabs(t->width - 0.02) < 1e-15 && !t->relative);
	assert_string_equal(t->goal, "narrower than 20 ms");
	assert_int_equal(t->min_runs, PLAN_UNTIL_MIN_RUNS);
	assert_int_equal(t->max_runs, 40);
	t = &pl->targets[1];
	assert_int_equal(t->kind, PLAN_TARGET_MEDIAN);
	assert_string_equal(t->stage, "total");
	assert_int_equal(t->a, 2);
	assert_true(fabs(t->width - 0.025) < 1e-15 && t->relative);
	assert_string_equal(t->goal, "within 2.5%");
	/* Each condition: runs queued first, the most it may take, its target. */
	assert_int_equal(pl->conds[0].runs, PLAN_UNTIL_MIN_RUNS);
	assert_int_equal(pl->conds[0].max_runs, 40);
	assert_int_equal(pl->conds[0].target, 0);
	assert_int_equal(pl->conds[1].runs, 8);
	assert_int_equal(pl->conds[1].max_runs, 40);
	assert_int_equal(pl->conds[1].target, 0);
	assert_int_equal(pl->conds[2].runs, 6);
	assert_int_equal(pl->conds[2].max_runs, 60);
	assert_int_equal(pl->conds[2].target, 1);
	assert_int_equal(pl->conds[3].runs, 3);
	assert_int_equal(pl->conds[3].max_runs, 0);
	assert_int_equal(pl->conds[3].target, -1);
	test_runs(pl, "0m 1w 1m 2m 3m 0m 1m 2m 3m 0m 1m 2m 3m 0m 1m 2m 0m 1m 2m 1m 2m 1m 1m");
	plan_free(pl);

	pl = test_parse(every, "u.yaml", NULL, &cause);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_int_equal(pl->ntargets, 3);
	for (size_t i = 0; i < 2; i++) {
		t = &pl->targets[pl->conds[i].target];
		assert_int_equal(t->kind, PLAN_TARGET_MEDIAN);
		assert_int_equal(t->a, i);
		assert_string_equal(t->stage, "import_torch");
		assert_true(fabs(t->width - 0.05) < 1e-15 && !t->relative);
		assert_int_equal(pl->conds[i].max_runs, 10);
	}
	assert_int_equal(pl->conds[0].runs, PLAN_UNTIL_MIN_RUNS);
	assert_int_equal(pl->conds[1].runs, 7);
	t = &pl->targets[pl->conds[2].target];
	assert_string_equal(t->stage, "total");
	assert_int_equal(pl->conds[2].max_runs, PLAN_UNTIL_MAX_RUNS);
	plan_free(pl);

	/* The most runs a plan may ask for counts max_runs. */
	test_fails_with(big, strlen(big), "the plan asks for 20500 runs");
}

/* Checks against the machine: online CPUs and existing paths. */
static void
test_check_machine(void **state)
{
	struct plan_check	 check = { "0-3,6\n", 1 };
	struct plan		*pl;
	char			 dir[] = "/tmp/test_plan.XXXXXX", path[256];
	char			 want[8192], *text, *cause;
	FILE			*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/bench.py", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/plan.yaml", dir);

	pl = test_parse("name: m\nscript: bench.py\ncpus: 0-3,6\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1}\n"
	    "  - {name: b, cache: none, runs: 1, workdir: sub, cpus: 6}\n",
	    path, &check, &cause);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_string_equal(pl->conds[0].workdir, dir);
	plan_free(pl);

	/* Every error names the value that caused it, in order. */
	text = "name: m\nscript: missing.py\ncpus: 0-7\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1, workdir: bench.py}\n"
	    "  - {name: b, cache: none, runs: 1, script: sub}\n"
	    "  - {name: c, cache: none, runs: 1, workdir: nothere}\n";
	pl = test_parse(text, path, &check, &cause);
	test_fails(pl, cause);
	snprintf(want, sizeof want,
	    "%s:2:9: script: cannot use \"%s/missing.py\": No such file or "
	    "directory; give the path of an existing Python script, relative "
	    "to the plan's folder\n"
	    "%s:3:7: cpus: CPU 4 is not online (online: 0-3,6)\n"
	    "%s:5:46: workdir: \"%s/bench.py\" is not a folder; give an "
	    "existing folder, relative to the plan's folder\n"
	    "%s:6:45: script: \"%s/sub\" is not a regular file; give the path "
	    "of an existing Python script, relative to the plan's folder\n"
	    "%s:7:46: workdir: cannot use \"%s/nothere\": No such file or "
	    "directory; give an existing folder, relative to the plan's folder",
	    path, dir, path, path, dir, path, dir, path, dir);
	assert_string_equal(cause, want);
	free(cause);

	/* Without checks the same plan parses. */
	pl = test_parse(text, path, NULL, &cause);
	assert_non_null(pl);
	plan_free(pl);

	snprintf(path, sizeof path, "%s/bench.py", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* Taskset CPU lists, good and bad. */
static void
test_cpulist(void **state)
{
	static const char	*good[] = { "0", "0,1", "0-3", "0-3,6", "3-3",
	    "7", "0,2-3,5-7", "007" };
	static const char	*bad[] = { "", "0-", "-1", "1-0", "0,,1", " 0",
	    "0 ", "0,", ",0", "a", "0-3-5", "8", "0-8", "1,9",
	    "99999999999999999999999999", "+1", "0x1", "1-\n" };
	unsigned char		 set[8];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (plan_cpulist_parse(good[i], set, sizeof set) != 0)
			fail_msg("\"%s\" should parse", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (plan_cpulist_parse(bad[i], set, sizeof set) != -1)
			fail_msg("\"%s\" should not parse", bad[i]);
	}
	assert_int_equal(plan_cpulist_parse(NULL, set, sizeof set), -1);

	memset(set, 9, sizeof set);
	assert_int_equal(plan_cpulist_parse("0-2,6", set, sizeof set), 0);
	assert_memory_equal(set, "\1\1\1\0\0\0\1\0", 8);
}

/* The names used in the database and in messages. */
static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(plan_cache_name(PLAN_CACHE_COLD), "cold");
	assert_string_equal(plan_cache_name(PLAN_CACHE_WARM), "warm");
	assert_string_equal(plan_cache_name(PLAN_CACHE_NONE), "none");
	assert_string_equal(plan_cold_method_name(PLAN_COLD_TARGETED),
	    "targeted");
	assert_string_equal(plan_cold_method_name(PLAN_COLD_SYSTEM), "system");
	assert_string_equal(plan_run_kind_name(PLAN_RUN_PROBE), "probe");
	assert_string_equal(plan_run_kind_name(PLAN_RUN_WARMUP), "warmup");
	assert_string_equal(plan_run_kind_name(PLAN_RUN_MEASURED), "measured");
}

/* Input that is not a plan at all must give an error, never a crash. */
static void
test_odd_input(void **state)
{
	static const char	 nul[] = "name: a\0b\nscript: b.py\n";
	static const char	 laughs[] = "a: &a [x, x]\nb: &b [*a, *a]\n"
	    "c: &c [*b, *b]\nd: [*c, *c]\n";
	struct plan		*pl;
	char			*text, *cause;
	size_t			 i, n;

	(void)state;
	test_fails_with(NULL, 0, "1:1: empty plan");
	test_fails_with("", 0, "1:1: empty plan");
	test_fails_with(nul, sizeof nul - 1, "control characters");
	test_fails_with("\xff\xfe\x00garbage", 10, "odd.yaml:");
	test_fails_with(laughs, sizeof laughs - 1, "aliases are not supported");
	test_fails_with("{", 1, "invalid YAML");
	test_fails_with("name: [", 7, "invalid YAML");

	/* Deep flow and block nesting. */
	n = 100000;
	text = malloc(n);
	memset(text, '[', n);
	test_fails_with(text, n, "1:17: nesting deeper than 16 levels");
	memset(text, '{', n);
	test_fails_with(text, n, "nesting deeper than 16 levels");
	for (i = 0; i + 2 <= n; i += 2)
		memcpy(text + i, "- ", 2);
	test_fails_with(text, n, "nesting deeper than 16 levels");
	free(text);

	/* Huge numbers. */
	n = 20000;
	text = malloc(n + 128);
	i = (size_t)sprintf(text, "name: h\nscript: b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: ");
	memset(text + i, '9', n);
	strcpy(text + i + n, "}\n");
	test_fails_with(text, strlen(text), "runs: expected an integer from 1 "
	    "to 10000 (got \"9999999999999999999999999999999999999999...\")");
	i = (size_t)sprintf(text, "name: h\nscript: b.py\nconditions:\n"
	    "  - {name: a, cache: none, runs: 1, timeout: 1");
	memset(text + i, '0', n);
	strcpy(text + i + n, "}\n");
	test_fails_with(text, strlen(text), "timeout: expected seconds");
	i = (size_t)sprintf(text, "name: h\nscript: b.py\ncpus: 0-");
	memset(text + i, '7', n);
	strcpy(text + i + n, "\nconditions: [{name: a, cache: none, runs: 1}]");
	test_fails_with(text, strlen(text), "cpus: bad CPU list");
	free(text);

	/* A long list of arguments, and thousands of errors. */
	n = 200000;
	text = malloc(n * 3 + 128);
	i = (size_t)sprintf(text, "name: l\nscript: b.py\nargs:\n");
	for (; n > 0; n--)
		i += (size_t)sprintf(text + i, "- \n");
	test_fails_with(text, i, "args: more than 1000 arguments");
	i = (size_t)sprintf(text, "name: l\nscript: b.py\nconditions:\n");
	for (n = 0; n < 90; n++)
		i += (size_t)sprintf(text + i, "- {name: x, cache: hot}\n");
	test_fails_with(text, i, "too many errors, stopped after 20");
	free(text);

	/* Text that is not NUL-terminated: the parser must read len bytes only. */
	n = strlen("name: x\nscript: b.py\nconditions: [{name: a, cache: none, "
	    "runs: 1}]");
	text = malloc(n);
	memcpy(text, "name: x\nscript: b.py\nconditions: [{name: a, cache: none, "
	    "runs: 1}]", n);
	pl = plan_parse(text, n, "x.yaml", NULL, &cause);
	assert_non_null(pl);
	plan_free(pl);
	free(text);
}

/* Random bytes and random edits of a good plan: an error or a plan, never a crash. */
static void
test_random_input(void **state)
{
	struct plan	*pl;
	char		*good, buf[2048], *cause;
	size_t		 len, n, i, j;
	uint32_t	 seed = 12345;

	(void)state;
	good = test_read_plan("good-full.yaml", &len);
	assert_true(len < sizeof buf);
	for (i = 0; i < 3000; i++) {
		if (i % 2 == 0) {
			n = (seed = seed * 1103515245 + 12345) % 200;
			for (j = 0; j < n; j++) {
				seed = seed * 1103515245 + 12345;
				buf[j] = (char)(seed >> 16);
			}
		} else {
			memcpy(buf, good, len);
			n = len;
			for (j = 0; j < 4; j++) {
				seed = seed * 1103515245 + 12345;
				buf[(seed >> 8) % n] = (char)(seed >> 24);
			}
		}
		pl = plan_parse(buf, n, "r.yaml", &test_check, &cause);
		if (pl != NULL) {
			assert_null(cause);
			plan_free(pl);
		} else
			free(test_fails(pl, cause));
	}
	free(good);
}

/*
 * good-profiles.yaml: a profile from the profiles file, from the plan, in
 * place, the plan's default, and none; each condition owns its copy.
 */
static void
test_good_profiles(void **state)
{
	const struct profile	*p;
	struct plan		*pl;
	char			*text, *cause = NULL, *desc, cwd[4096];
	size_t			 len;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(PLANS_DIR), 0);
	text = test_read_plan("good-profiles.yaml", &len);
	pl = plan_parse(text, len, "good-profiles.yaml", &test_check, &cause);
	free(text);
	assert_int_equal(chdir(cwd), 0);
	if (pl == NULL)
		fail_msg("good-profiles.yaml: %s", cause);
	assert_int_equal(pl->nconds, 5);

	p = pl->conds[0].profile;	/* the plan's default, from the file */
	assert_non_null(p);
	assert_string_equal(p->name, "sdcard");
	assert_string_equal(p->source, "profiles-good.yaml");
	assert_string_equal(p->description, "microSD, High Speed bus");
	assert_int_equal(p->read_bps, 25000000);
	assert_int_equal(p->read_iops, 1500);
	assert_int_equal(p->memory, 1000000000);
	assert_string_equal(p->cpus, "0");
	assert_true(p->cpu_quota == 0.5);
	assert_int_equal(profile_quota_us(p), 50000);

	p = pl->conds[1].profile;	/* named from the file, with spaces and GiB */
	assert_string_equal(p->name, "emmc");
	assert_int_equal(p->read_bps, 250000000);
	assert_int_equal(p->memory, 2ULL << 30);
	assert_null(p->cpus);
	assert_true(p->cpu_quota == 0);
	assert_int_equal(profile_quota_us(p), 0);

	p = pl->conds[2].profile;	/* the plan's own, and a pin within its cpus */
	assert_string_equal(p->name, "board");
	assert_string_equal(p->source, "good-profiles.yaml");
	assert_int_equal(p->read_bps, 1572864);
	assert_int_equal(p->memory, 512ULL << 20);
	assert_string_equal(pl->conds[2].cpus, "1");
	desc = profile_describe(p);
	assert_string_equal(desc, "read 1.5 MiB/s, memory 512 MiB, cpus 0-1, 1.25 CPUs of time");
	free(desc);

	p = pl->conds[3].profile;	/* in place */
	assert_string_equal(p->name, "inline");
	assert_int_equal(p->read_iops, 200);
	assert_int_equal(p->read_bps, 0);
	assert_true(profile_limits_io(p));

	assert_null(pl->conds[4].profile);	/* profile: none */
	plan_free(pl);
}

/* configs/sdcard.yaml, the README's example, with the example profiles of configs/profiles.yaml. */
static void
test_config_profiles(void **state)
{
	const struct profile	*p;
	struct plan		*pl;
	char			 path[4096], *text, *cause = NULL;
	size_t			 len;

	(void)state;
	snprintf(path, sizeof path, "%s/sdcard.yaml", CONFIGS_DIR);
	if ((text = test_read(path, &len)) == NULL)
		fail_msg("cannot read %s", path);
	pl = plan_parse(text, len, path, &test_check, &cause);
	free(text);
	if (pl == NULL)
		fail_msg("%s", cause);
	assert_int_equal(pl->nconds, 3);
	p = pl->conds[0].profile;
	assert_string_equal(p->name, "sdcard");
	assert_int_equal(p->read_bps, 25000000);
	assert_int_equal(p->read_iops, 1500);
	assert_int_equal(p->memory, 1000000000);
	assert_non_null(strstr(p->description, "SD Association"));
	assert_null(pl->conds[2].profile);
	plan_free(pl);
}

/* One bad-*.yaml: the cause must equal its .err file, less the final newline. */
static void
test_bad_file(void **state)
{
	const char	*name = *state;
	struct plan	*pl;
	char		 err[1024], *text, *want, *cause;
	size_t		 len, wlen;

	snprintf(err, sizeof err, "%s/%.*s.err", PLANS_DIR,
	    (int)(strlen(name) - 5), name);
	text = test_read_plan(name, &len);
	if ((want = test_read(err, &wlen)) == NULL)
		fail_msg("%s has no .err file: write %s", name, err);
	want = realloc(want, wlen + 1);
	if (wlen > 0 && want[wlen - 1] == '\n')
		wlen--;
	want[wlen] = '\0';

	pl = plan_parse(text, len, name, &test_check, &cause);
	free(text);
	if (pl != NULL)
		fail_msg("%s parsed, but should fail with:\n%s", name, want);
	test_fails(pl, cause);
	assert_string_equal(cause, want);
	free(cause);
	free(want);
}

/* Every .err file must have its .yaml, so none is silently skipped. */
static void
test_err_files(void **state)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		 path[4096];
	size_t		 n;

	(void)state;
	assert_non_null(d = opendir(PLANS_DIR));
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 4, ".err") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%.*s.yaml", PLANS_DIR,
		    (int)(n - 4), de->d_name);
		if (stat(path, &sb) != 0)
			fail_msg("%s has no .yaml file", de->d_name);
	}
	closedir(d);
}

/* Sort file names. */
static int
test_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run the fixed tests, then one test for every tests/plans/bad-*.yaml. */
int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_good_full),
		cmocka_unit_test(test_good_minimal),
		cmocka_unit_test(test_good_profiles),
		cmocka_unit_test(test_config_profiles),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_sequences),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_check_machine),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_err_files),
	};
	struct CMUnitTest	*bad;
	DIR			*d;
	struct dirent		*de;
	char			**names = NULL;
	size_t			 n = 0, len, i;
	int			 failed;

	failed = cmocka_run_group_tests(tests, NULL, NULL);

	if ((d = opendir(PLANS_DIR)) == NULL) {
		fprintf(stderr, "cannot open %s\n", PLANS_DIR);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-", 4) != 0 || len < 9 ||
		    strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n < 20) {
		fprintf(stderr, "only %zu bad-*.yaml files in %s\n", n,
		    PLANS_DIR);
		return 1;
	}
	qsort(names, n, sizeof *names, test_name_cmp);

	/* A plan's profiles_file: is found from the plan's folder, which is this. */
	if (chdir(PLANS_DIR) != 0) {
		fprintf(stderr, "cannot enter %s\n", PLANS_DIR);
		return 1;
	}
	bad = calloc(n, sizeof *bad);
	for (i = 0; i < n; i++) {
		bad[i].name = names[i];
		bad[i].test_func = test_bad_file;
		bad[i].initial_state = names[i];
	}
	failed += _cmocka_run_group_tests("bad_plans", bad, n, NULL, NULL);

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(bad);
	return failed != 0;
}
