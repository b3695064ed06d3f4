/* profiles.c: a condition's device profile as the kernel held its runs to it, and its groups' counters, in words and JSON. */
#include "profiles.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "stats.h"
#include "xmalloc.h"

/* Two numbers that may both be NaN (not limited) are the same. */
static int
profiles_same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* Two strings that may both be NULL are the same. */
static int
profiles_same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether two runs were held to the same limits. */
static int
profiles_same(const struct db_limits *a, const struct db_limits *b)
{
	return profiles_same_str(a->profile, b->profile) && profiles_same_str(a->cpus, b->cpus) &&
	    profiles_same_num(a->read_bps, b->read_bps) &&
	    profiles_same_num(a->read_iops, b->read_iops) &&
	    profiles_same_num(a->memory_bytes, b->memory_bytes) &&
	    profiles_same_num(a->cpu_quota_us, b->cpu_quota_us) &&
	    profiles_same_num(a->cpu_period_us, b->cpu_period_us);
}

/* The median of the values some runs have (NaN ones left out), NaN when none. */
static double
profiles_median(double *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(v[i]))
			v[k++] = v[i];
	}
	return k > 0 ? stats_median(v, k) : NAN;
}

/* One condition's runs, gathered. */
static void
profiles_gather(const struct analysis *a, const char *name, struct profiles_cond *pc)
{
	const struct db_plan *p = a->plan;
	double *v[6];
	size_t n = 0;

	for (int k = 0; k < 6; k++)
		v[k] = xcalloc(p->nruns + 1, sizeof *v[k]);
	pc->killed_at_end = 0;
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		const struct db_limits *l = r->limits;

		if (strcmp(r->kind, "measured") != 0 || !analysis_latest(p, i) ||
		    strcmp(r->condition, name) != 0 || l == NULL)
			continue;
		if (pc->limits == NULL)
			pc->limits = l;
		if (!isnan(l->killed_at_end))
			pc->killed_at_end += l->killed_at_end;
		pc->oom_runs += !isnan(l->oom_kills) && l->oom_kills > 0;
		if (strcmp(r->state, "ok") != 0)
			continue;
		pc->grouped++;
		pc->differ += !profiles_same(pc->limits, l);
		v[0][n] = l->read_bytes;
		v[1][n] = l->read_ios;
		v[2][n] = l->cpu_periods;
		v[3][n] = l->cpu_throttled;
		v[4][n] = l->cpu_throttled_ms;
		v[5][n] = l->memory_peak_bytes;
		n++;
	}
	pc->read_bytes = profiles_median(v[0], n);
	pc->read_ios = profiles_median(v[1], n);
	pc->cpu_periods = profiles_median(v[2], n);
	pc->cpu_throttled = profiles_median(v[3], n);
	pc->cpu_throttled_ms = profiles_median(v[4], n);
	pc->memory_peak = profiles_median(v[5], n);
	for (int k = 0; k < 6; k++)
		free(v[k]);
}

/* Each condition's profile and group; see profiles.h. */
struct profiles_cond *
profiles_create(const struct analysis *a)
{
	struct profiles_cond *pc = xcalloc(a->nconds + 1, sizeof *pc);

	for (size_t c = 0; c < a->nconds; c++)
		profiles_gather(a, a->conds[c].name, &pc[c]);
	return pc;
}

/* Free what profiles_create() returned. */
void
profiles_free(struct profiles_cond *pc)
{
	free(pc);
}

/* The profile's name ("inline": written in the condition), or NULL. */
const char *
profiles_name(const struct profiles_cond *pc)
{
	return pc->limits != NULL ? pc->limits->profile : NULL;
}

/* Bytes for people, in powers of 1000 as profiles write them: "25 MB", "1.5 GB". */
static void
profiles_bytes(double v, char *buf, size_t len)
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB" };
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g %s", v, units[u]);
}

/* The profile as the kernel held it; see profiles.h. */
char *
profiles_limits_text(const struct profiles_cond *pc)
{
	const struct db_limits *l = pc->limits;
	char *text = NULL, *head, *part, num[32];

	if (l == NULL || l->profile == NULL)
		return NULL;
	if (!isnan(l->read_bps) || !isnan(l->read_iops)) {
		char rate[64] = "", iops[64] = "";

		if (!isnan(l->read_bps)) {
			profiles_bytes(l->read_bps, num, sizeof num);
			snprintf(rate, sizeof rate, "read %s/s", num);
		}
		if (!isnan(l->read_iops))
			snprintf(iops, sizeof iops, "%s%.0f requests/s", rate[0] != '\0' ?
			    " and " : "read ", l->read_iops);
		xasprintf(&part, "%s%s on %s", rate, iops, l->disks != NULL ? l->disks : "?");
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (!isnan(l->memory_bytes)) {
		profiles_bytes(l->memory_bytes, num, sizeof num);
		xasprintf(&part, "memory %s", num);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (l->cpus != NULL) {
		xasprintf(&part, "cpus %s", l->cpus);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (!isnan(l->cpu_quota_us) && !isnan(l->cpu_period_us) && l->cpu_period_us > 0) {
		double q = l->cpu_quota_us / l->cpu_period_us;

		xasprintf(&part, "%g CPU%s of time", q, q <= 1 ? "" : "s");
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (strcmp(l->profile, "inline") == 0)
		xasprintf(&head, "its own profile, held by %s", l->limits_in != NULL ?
		    l->limits_in : "the kernel");
	else
		xasprintf(&head, "profile %s (%s), held by %s", l->profile, l->profile_source != NULL ?
		    l->profile_source : "?", l->limits_in != NULL ? l->limits_in : "the kernel");
	xasprintf(&part, "%s: %s", head, text != NULL ? text : "no limits");
	free(head);
	free(text);
	return part;
}

/* What its group counted; see profiles.h. */
char *
profiles_counters_text(const struct profiles_cond *pc)
{
	char *text = NULL, *part, num[32];

	if (pc->grouped == 0)
		return NULL;
	if (!isnan(pc->read_bytes)) {
		profiles_bytes(pc->read_bytes, num, sizeof num);
		if (!isnan(pc->read_ios))
			xasprintf(&part, "read %s in %.0f requests", num, pc->read_ios);
		else
			xasprintf(&part, "read %s", num);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (!isnan(pc->cpu_throttled) && !isnan(pc->cpu_periods)) {
		char span[32];

		fmt_value(isnan(pc->cpu_throttled_ms) ? NAN : pc->cpu_throttled_ms, "ms", 0, span,
		    sizeof span);
		xasprintf(&part, "held back by its CPU quota in %.0f of %.0f periods (%s)",
		    pc->cpu_throttled, pc->cpu_periods, span);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (!isnan(pc->memory_peak)) {
		profiles_bytes(pc->memory_peak, num, sizeof num);
		xasprintf(&part, "peak memory %s", num);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (pc->killed_at_end > 0) {
		xasprintf(&part, "%.0f process%s left running, killed with the group (all runs)",
		    pc->killed_at_end, pc->killed_at_end == 1 ? "" : "es");
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (text == NULL)
		return NULL;
	xasprintf(&part, "its group, median of %zu run%s: %s", pc->grouped,
	    fmt_plural((long long)pc->grouped), text);
	free(text);
	return part;
}

/* Runs held to other limits than the first; see profiles.h. */
char *
profiles_differ_text(const struct profiles_cond *pc)
{
	char *text;

	if (pc->differ == 0)
		return NULL;
	xasprintf(&text, "%zu of %zu runs were held to other limits than the first (the profile "
	    "or its profiles_file changed while the plan ran): `benchctl runs` and the run_limits "
	    "table have each run's", pc->differ, pc->grouped);
	return text;
}

/* Runs the kernel OOM-killed in; see profiles.h. */
char *
profiles_oom_text(const struct profiles_cond *pc)
{
	char *text;

	if (pc->oom_runs == 0)
		return NULL;
	xasprintf(&text, "the kernel's OOM killer killed in %zu run%s: the program needs more "
	    "memory than the profile allows", pc->oom_runs, fmt_plural((long long)pc->oom_runs));
	return text;
}

/* The profile and group members of a condition's JSON; see profiles.h. */
void
profiles_json(const struct profiles_cond *pc, json_t *o)
{
	const struct db_limits *l = pc->limits;
	json_t *p, *g;

	if (l != NULL && l->profile != NULL) {
		p = cli_jcheck(json_object());
		cli_jset(p, "name", json_string(l->profile));
		cli_jset(p, "source", cli_jstr(l->profile_source));
		cli_jset(p, "limits_in", cli_jstr(l->limits_in));
		cli_jset(p, "disks", cli_jstr(l->disks));
		cli_jset(p, "read_bps", cli_jint(l->read_bps));
		cli_jset(p, "read_iops", cli_jint(l->read_iops));
		cli_jset(p, "memory_bytes", cli_jint(l->memory_bytes));
		cli_jset(p, "cpus", cli_jstr(l->cpus));
		cli_jset(p, "cpu_quota_us", cli_jint(l->cpu_quota_us));
		cli_jset(p, "cpu_period_us", cli_jint(l->cpu_period_us));
		cli_jset(p, "runs_with_other_limits", json_integer((json_int_t)pc->differ));
		cli_jset(o, "profile", p);
	} else
		cli_jset(o, "profile", json_null());
	if (l == NULL) {
		cli_jset(o, "group", json_null());
		return;
	}
	g = cli_jcheck(json_object());
	cli_jset(g, "kill_by", cli_jstr(l->kill_by));
	cli_jset(g, "runs", json_integer((json_int_t)pc->grouped));
	cli_jset(g, "read_bytes", cli_jreal(pc->read_bytes));
	cli_jset(g, "read_ios", cli_jreal(pc->read_ios));
	cli_jset(g, "cpu_periods", cli_jreal(pc->cpu_periods));
	cli_jset(g, "cpu_throttled", cli_jreal(pc->cpu_throttled));
	cli_jset(g, "cpu_throttled_ms", cli_jreal(pc->cpu_throttled_ms));
	cli_jset(g, "memory_peak_bytes", cli_jreal(pc->memory_peak));
	cli_jset(g, "oom_killed_runs", json_integer((json_int_t)pc->oom_runs));
	cli_jset(g, "killed_at_end", cli_jint(pc->killed_at_end));
	cli_jset(o, "group", g);
}
