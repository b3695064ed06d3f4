/*
 * bench_gendb.c: a large benchd database made through the daemon's own code: plans queued with
 * store_plan_add, each run taken with store_next_run, started with store_run_start and finished
 * with store_run_finish, its stdout one of the seed logs (times jittered) parsed by stagelog.
 *
 * usage: bench_gendb DB RUNS PLAN_RUNS SEED_DIR [FOOTPRINT_LIST]
 *
 * Plans of PLAN_RUNS measured runs (cold and warm interleaved, after a probe and two warm-ups) are
 * added until RUNS measured runs exist. Cold runs print run1 or run2 (import torch ~5 s), warm runs
 * run3 or run4 (~3.6 s), every time scaled by a factor in [0.95, 1.05]. Each plan gets the
 * footprint in FOOTPRINT_LIST (a probe's list), as a real cold-vs-warm plan does. Prints one JSON
 * object: plans, runs, seconds taken.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
#include "stagelog.h"
#include "store.h"
#include "xmalloc.h"

#define GEN_SEEDS	4

static const char gen_yaml[] =
    "name: gen-cold-vs-warm\n"
    "python: /usr/bin/python3\n"
    "script: ../python/benchmark.py\n"
    "args: [--iters, \"100\"]\n"
    "cpus: \"0,1\"\n"
    "order: interleaved\n"
    "conditions:\n"
    "  - name: cold\n"
    "    cache: cold\n"
    "    runs: %d\n"
    "  - name: warm\n"
    "    cache: warm\n"
    "    warmup_runs: 2\n"
    "    runs: %d\n";

/* A seed log: its text without the "start time:" line, and its launch in seconds. */
struct gen_seed {
	char	*body;
	double	 launch_s;
};

/* Seconds since the epoch, as a double. */
static double
gen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole file as a string, or NULL. */
static char *
gen_read(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Load seed-logs/runN.stdout and runN.launch_ms. */
static int
gen_load_seed(const char *dir, int i, struct gen_seed *s)
{
	char *path, *text, *ms, *nl;
	double start;

	xasprintf(&path, "%s/run%d.stdout", dir, i + 1);
	text = gen_read(path);
	free(path);
	xasprintf(&path, "%s/run%d.launch_ms", dir, i + 1);
	ms = gen_read(path);
	free(path);
	if (text == NULL || ms == NULL || sscanf(text, "start time: %lf", &start) != 1 ||
	    (nl = strchr(text, '\n')) == NULL)
		return -1;
	s->body = xstrdup(nl + 1);
	s->launch_s = start - strtod(ms, NULL) / 1e3;
	free(text);
	free(ms);
	return 0;
}

/* Uniform in [lo, hi). */
static double
gen_uniform(double lo, double hi)
{
	return lo + (hi - lo) * ((double)rand() / ((double)RAND_MAX + 1.0));
}

/*
 * The seed's body with every decimal number on a "[T s]" line scaled by f, each keeping its
 * number of decimals: times, durations and latencies move together, as in a slower or faster run.
 */
static char *
gen_jitter(const char *body, double f)
{
	size_t len = strlen(body), n = 0;
	char *out = xmalloc(len * 2 + 64);
	int bracket_line = 1;
	const char *p = body;

	while (*p != '\0') {
		if (bracket_line && p[0] == '[') {
			/* Copy this line, scaling its decimals. */
			while (*p != '\0' && *p != '\n') {
				if (isdigit((unsigned char)*p) && (p == body || !isalnum((unsigned char)p[-1]))) {
					const char *q = p, *dot;
					int decimals;

					while (isdigit((unsigned char)*q))
						q++;
					if (*q == '.' && isdigit((unsigned char)q[1])) {
						dot = q++;
						while (isdigit((unsigned char)*q))
							q++;
						decimals = (int)(q - dot - 1);
						n += (size_t)sprintf(out + n, "%.*f", decimals,
						    strtod(p, NULL) * f);
						p = q;
						continue;
					}
					memcpy(out + n, p, (size_t)(q - p));
					n += (size_t)(q - p);
					p = q;
					continue;
				}
				out[n++] = *p++;
			}
		} else {
			while (*p != '\0' && *p != '\n')
				out[n++] = *p++;
		}
		if (*p == '\n') {
			out[n++] = *p++;
			bracket_line = 1;
		}
	}
	out[n] = '\0';
	return out;
}

/* Queue one plan of plan_runs measured runs, with its footprint; its id in *plan_id. */
static int
gen_plan(struct store *st, int plan_runs, const struct store_file *fp, size_t nfp, int64_t *plan_id)
{
	int cold = (plan_runs + 1) / 2, warm = plan_runs / 2, n = 0;
	struct store_new_run *runs = xcalloc((size_t)plan_runs + 3, sizeof *runs);
	char *yaml, *cause = NULL;
	int rc;

	runs[n++] = (struct store_new_run){ "cold", "probe", "cold", NULL, "0,1", -1, 0, 0 };
	for (int i = 0; i < cold || i < warm; i++) {
		if (i < cold)
			runs[n++] = (struct store_new_run){ "cold", "measured", "cold", "targeted", "0,1", -1, 0, 0 };
		if (i == 0)
			for (int w = 0; w < 2; w++)
				runs[n++] = (struct store_new_run){ "warm", "warmup", "warm", NULL, "0,1", -1, 0, 0 };
		if (i < warm)
			runs[n++] = (struct store_new_run){ "warm", "measured", "warm", NULL, "0,1", -1, 0, 0 };
	}
	xasprintf(&yaml, gen_yaml, cold, warm);
	rc = store_plan_add(st, "gen-cold-vs-warm", yaml, "/work/main/configs/gen.yaml", 0, runs,
	    (size_t)n, NULL, 0, plan_id, &cause);
	if (rc != 0)
		fprintf(stderr, "bench_gendb: %s\n", cause);
	else if (nfp > 0 && store_footprint_add(st, *plan_id, fp, nfp) != 0) {
		fprintf(stderr, "bench_gendb: footprint: %s\n", store_errmsg(st));
		rc = -1;
	}
	free(cause);
	free(yaml);
	free(runs);
	return rc;
}

/* Run one queued run through store_run_start and store_run_finish, as the runner records it. */
static int
gen_run(struct store *st, const struct store_run *q, const struct gen_seed *seeds, double *clock,
    int64_t fp_files, int64_t fp_bytes)
{
	int cold = strcmp(q->condition, "cold") == 0, probe = strcmp(q->kind, "probe") == 0;
	const struct gen_seed *s = &seeds[(cold ? 0 : 2) + (rand() & 1)];
	double f = gen_uniform(0.95, 1.05), launch = s->launch_s * gen_uniform(0.9, 1.1);
	struct stagelog_stage extra[2];
	struct store_usage usage;
	struct store_result res;
	struct store_start b;
	struct stagelog *sl;
	const struct stagelog_result *log;
	int finished;
	char *body, *out;
	double total;
	int rc;

	body = gen_jitter(s->body, f);
	xasprintf(&out, "start time: %.3f\n%s", *clock + launch, body);
	free(body);
	b = (struct store_start){
		.run_id = q->id, .spawned_at = *clock, .pid = 10000 + (int)(q->id % 50000),
		.command = probe ? "taskset -c 0,1 /usr/bin/python3 /work/main/python/footprint.py "
		    "/work/main/python/benchmark.py --iters 100" :
		    "taskset -c 0,1 /usr/bin/python3 /work/main/python/benchmark.py --iters 100",
		.workdir = "/work/main/python",
		.resident_before_pct = probe ? NAN : cold ? gen_uniform(0.0, 0.5) : 100.0,
		.footprint_files = probe ? -1 : fp_files, .footprint_bytes = probe ? -1 : fp_bytes,
		.evict_ms = probe ? NAN : cold ? gen_uniform(20, 40) : gen_uniform(30, 60),
		.evict_failed = probe ? -1 : 0, .loadavg_1m = gen_uniform(0.5, 2.0),
		.mem_free_kb = 20000000 + rand() % 1000000, .mem_cached_kb = 1500000 + rand() % 500000,
		.cpu_governor = "0:performance 1:performance",
	};
	if (store_run_start(st, &b) != 0)
		return -1;

	sl = stagelog_create();
	stagelog_feed(sl, out, strlen(out));
	stagelog_finish(sl);
	log = stagelog_result(sl);
	total = launch + (log->nevents > 0 ? log->events[log->nevents - 1].t_s : 0) + 0.05;
	extra[0] = (struct stagelog_stage){ "launch", -launch, 0, launch };
	extra[1] = (struct stagelog_stage){ "total", -launch, total - launch, total };
	usage = (struct store_usage){
		.user_cpu_s = total * 1.6, .sys_cpu_s = total * 0.2,
		.major_faults = cold ? 2000 + rand() % 500 : rand() % 5,
		.minor_faults = 150000 + rand() % 10000, .inblock = cold ? 600000 + rand() % 50000 : 0,
		.oublock = 8, .nvcsw = 3000 + rand() % 500, .nivcsw = 800 + rand() % 300,
		.max_rss_kb = 450000 + rand() % 20000,
	};
	res = (struct store_result){
		.run_id = q->id, .state = RUN_OK, .has_exit = 1, .exit_code = 0, .term_signal = 0,
		.ended_at = *clock + total + 0.01, .error = NULL, .log = log, .extra = extra,
		.nextra = 2, .out = { { out, strlen(out), strlen(out) }, { "", 0, 0 } },
		.usage = &usage,
	};
	rc = store_run_finish(st, &res, &finished);
	*clock += total + 1.0;
	stagelog_free(sl);
	free(out);
	return rc;
}

/* A probe's list made into footprint rows the way benchd does it (cache_probe_read: files another process maps now are shared). */
static struct store_file *
gen_footprint(const char *list, size_t *n, int64_t *bytes)
{
	struct store_file *files;
	struct cache_file *cf;
	struct cache_state cs;

	*n = 0;
	*bytes = 0;
	if (list == NULL)
		return NULL;
	memset(&cs, 0, sizeof cs);
	cs.list_path = xstrdup(list);
	if (cache_probe_read(&cs, &cf, n) != 0) {
		fprintf(stderr, "bench_gendb: footprint: %s\n", cs.error);
		exit(1);
	}
	free(cs.list_path);
	cs.list_path = NULL;	/* not ours to remove */
	cache_state_clear(&cs);
	files = xcalloc(*n + 1, sizeof *files);
	for (size_t i = 0; i < *n; i++) {
		files[i] = (struct store_file){ xstrdup(cf[i].path), cf[i].bytes, cf[i].shared };
		*bytes += cf[i].shared ? 0 : cf[i].bytes;
	}
	cache_files_free(cf, *n);
	return files;
}

/* Make the database. */
int
main(int argc, char **argv)
{
	struct gen_seed seeds[GEN_SEEDS];
	struct store_file *fp;
	struct store_run q;
	struct store *st;
	char *cause = NULL;
	size_t nfp;
	int64_t fp_bytes, fp_files = 0, plan_id, runs = 0, measured = 0, plans = 0, want, plan_runs;
	double clock, t0 = gen_now();
	int rc;

	log_init("bench_gendb", LOG_WARN);
	if (argc < 5) {
		fprintf(stderr, "usage: bench_gendb DB RUNS PLAN_RUNS SEED_DIR [FOOTPRINT_LIST]\n");
		return 2;
	}
	want = atoll(argv[2]);
	plan_runs = atoll(argv[3]);
	for (int i = 0; i < GEN_SEEDS; i++) {
		if (gen_load_seed(argv[4], i, &seeds[i]) != 0) {
			fprintf(stderr, "bench_gendb: cannot read seed log %d in %s\n", i + 1, argv[4]);
			return 1;
		}
	}
	fp = gen_footprint(argc > 5 ? argv[5] : NULL, &nfp, &fp_bytes);
	for (size_t i = 0; i < nfp; i++)
		fp_files += !fp[i].shared;
	if ((st = store_open(argv[1], &cause)) == NULL) {
		fprintf(stderr, "bench_gendb: %s\n", cause);
		return 1;
	}
	/* A daemon start, as benchd records at each of its own: by its first, pull tells databases apart. */
	if (store_daemon_start(st, BENCHD_VERSION, "bench-gendb", NULL) != 0) {
		fprintf(stderr, "bench_gendb: %s\n", store_errmsg(st));
		return 1;
	}
	srand(1);
	/* Runs about 10 s apart, ending now. */
	clock = t0 - (double)want * 10.0;
	while (measured < want) {
		if (gen_plan(st, (int)plan_runs, fp, nfp, &plan_id) != 0)
			return 1;
		plans++;
		while ((rc = store_next_run(st, &q)) == 1) {
			if (gen_run(st, &q, seeds, &clock, fp_files, fp_bytes) != 0) {
				fprintf(stderr, "bench_gendb: run %lld: %s\n", (long long)q.id,
				    store_errmsg(st));
				return 1;
			}
			runs++;
			if (strcmp(q.kind, "measured") == 0)
				measured++;
		}
		if (rc < 0) {
			fprintf(stderr, "bench_gendb: %s\n", store_errmsg(st));
			return 1;
		}
	}
	store_close(st);
	store_files_free(fp, nfp);
	for (int i = 0; i < GEN_SEEDS; i++)
		free(seeds[i].body);
	printf("{\"plans\": %lld, \"runs\": %lld, \"measured\": %lld, \"footprint_files\": %zu, "
	    "\"seconds\": %.1f}\n", (long long)plans, (long long)runs, (long long)measured, nfp,
	    gen_now() - t0);
	return 0;
}
