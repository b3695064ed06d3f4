/* summary.c: "benchctl summary": a plan's analysis for people (one line per comparison, a table per condition) or as JSON. */
#include "summary.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "breakdown.h"
#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "fmt.h"
#include "md.h"
#include "targets.h"
#include "planref.h"
#include "xmalloc.h"
#include "profiles.h"

/* One warning as JSON. */
static json_t *
summary_json_warning(const struct analysis *a, const struct analysis_warning *w)
{
	json_t *o = cli_jcheck(json_object()), *ids = cli_jcheck(json_array());

	cli_jset(o, "kind", json_string(w->kind));
	cli_jset(o, "condition", w->cond >= 0 ?
	    json_string(a->conds[w->cond].name) : json_null());
	cli_jset(o, "metric", w->metric >= 0 ?
	    json_string(a->metrics[w->metric]) : json_null());
	for (size_t i = 0; i < w->nrun_ids; i++)
		cli_jappend(ids, json_integer(w->run_ids[i]));
	cli_jset(o, "run_ids", ids);
	cli_jset(o, "text", json_string(w->text));
	return o;
}

/* One cell's statistics as JSON. */
static json_t *
summary_json_cell(const struct analysis *a, size_t m, const struct analysis_cell *cell)
{
	json_t *o = cli_jcheck(json_object()), *ci, *values, *outliers;

	cli_jset(o, "name", json_string(a->metrics[m]));
	cli_jset(o, "unit", json_string(a->units[m]));
	cli_jset(o, "n", json_integer((json_int_t)cell->s.n));
	cli_jset(o, "mean", cli_jreal(cell->s.mean));
	cli_jset(o, "sd", cli_jreal(cell->s.sd));
	cli_jset(o, "min", cli_jreal(cell->s.min));
	cli_jset(o, "median", cli_jreal(cell->s.median));
	cli_jset(o, "p90", cli_jreal(cell->s.p90));
	cli_jset(o, "max", cli_jreal(cell->s.max));
	if (cell->s.has_ci) {
		ci = cli_jcheck(json_object());
		cli_jset(ci, "lo", cli_jreal(cell->s.ci_lo));
		cli_jset(ci, "hi", cli_jreal(cell->s.ci_hi));
		cli_jset(ci, "coverage", cli_jreal(cell->s.ci_coverage));
		cli_jset(ci, "rank", json_integer((json_int_t)cell->s.ci_rank));
		cli_jset(o, "median_ci", ci);
	} else
		cli_jset(o, "median_ci", json_null());
	values = cli_jcheck(json_array());
	outliers = cli_jcheck(json_array());
	for (size_t i = 0; i < cell->n; i++) {
		json_t *v = cli_jcheck(json_object());

		cli_jset(v, "run_id", json_integer(cell->run_ids[i]));
		cli_jset(v, "value", cli_jreal(cell->values[i]));
		cli_jappend(values, v);
		if (cell->outlier[i])
			cli_jappend(outliers, json_integer(cell->run_ids[i]));
	}
	cli_jset(o, "values", values);
	cli_jset(o, "outliers", outliers);
	return o;
}

/* One comparison as JSON; swapped: c is b against a, given back in a, b order. */
json_t *
summary_json_compare(const char *name, const char *unit, const struct stats_compare *c,
    int swapped)
{
	json_t *o = cli_jcheck(json_object()), *ci;

	cli_jset(o, "name", json_string(name));
	cli_jset(o, "unit", json_string(unit));
	cli_jset(o, "na", json_integer((json_int_t)(swapped ? c->nb : c->na)));
	cli_jset(o, "nb", json_integer((json_int_t)(swapped ? c->na : c->nb)));
	cli_jset(o, "median_a", cli_jreal(swapped ? c->median_b : c->median_a));
	cli_jset(o, "median_b", cli_jreal(swapped ? c->median_a : c->median_b));
	cli_jset(o, "diff", cli_jreal(c->diff));
	cli_jset(o, "rel", cli_jreal(c->rel));
	cli_jset(o, "hl", cli_jreal(c->hl));
	if (c->has_ci) {
		ci = cli_jcheck(json_object());
		cli_jset(ci, "lo", cli_jreal(c->ci_lo));
		cli_jset(ci, "hi", cli_jreal(c->ci_hi));
		cli_jset(ci, "coverage", cli_jreal(c->ci_coverage));
		cli_jset(ci, "exact", json_boolean(c->ci_exact));
		cli_jset(o, "shift_ci", ci);
	} else
		cli_jset(o, "shift_ci", json_null());
	cli_jset(o, "u", cli_jreal(c->u));
	cli_jset(o, "p", cli_jreal(c->p));
	cli_jset(o, "p_exact", json_boolean(c->p_exact));
	return o;
}

/* The plan, machine and footprint parts of summary --json. */
static void
summary_json_head(const struct analysis *a, json_t *top)
{
	const struct db_plan *p = a->plan;
	const struct db_run *first = p->nruns > 0 ? &p->runs[0] : NULL;
	json_t *plan = cli_jcheck(json_object()), *machine, *info, *fp;
	const char *governor = NULL;
	size_t total = 0;

	for (size_t i = 0; i < p->nruns; i++) {
		total += analysis_latest(p, i);
		if (governor == NULL)
			governor = p->runs[i].cpu_governor;
	}
	cli_jset(plan, "id", json_integer(p->id));
	cli_jset(plan, "ref", json_string(p->ref));
	cli_jset(plan, "machine", cli_jstr(p->origin));
	cli_jset(plan, "name", json_string(p->name));
	cli_jset(plan, "state", json_string(p->state));
	cli_jset(plan, "submitted_at", cli_jreal(p->submitted_at));
	cli_jset(plan, "finished_at", cli_jreal(p->finished_at));
	cli_jset(plan, "error", cli_jstr(p->error));
	cli_jset(plan, "source_path", json_string(p->source_path));
	cli_jset(plan, "runs_total", json_integer((json_int_t)total));
	cli_jset(plan, "measured_total", json_integer((json_int_t)a->measured_total));
	cli_jset(plan, "measured_ok", json_integer((json_int_t)a->measured_ok));
	cli_jset(top, "plan", plan);

	machine = cli_jcheck(json_object());
	info = cli_jcheck(json_object());
	for (size_t k = 0; k < ANALYSIS_NINFO_KEYS; k++) {
		cli_jset(machine, analysis_info_keys[k], cli_jstr(a->info_run != NULL ?
		    db_run_info(a->info_run, analysis_info_keys[k]) : NULL));
	}
	cli_jset(machine, "cpus", cli_jstr(first != NULL ? first->cpus : NULL));
	cli_jset(machine, "governor", cli_jstr(governor));
	for (size_t i = 0; a->info_run != NULL && i < a->info_run->ninfo; i++) {
		cli_jset(info, a->info_run->info[i].key,
		    json_string(a->info_run->info[i].value));
	}
	cli_jset(machine, "info", info);
	cli_jset(top, "machine", machine);

	fp = cli_jcheck(json_object());
	cli_jset(fp, "files", json_integer(p->footprint_files));
	cli_jset(fp, "shared", json_integer(p->footprint_shared));
	cli_jset(fp, "shared_bytes", cli_jint(p->footprint_shared_bytes));
	cli_jset(fp, "bytes", cli_jint(p->footprint_bytes));
	cli_jset(top, "footprint", fp);
}

/* Print summary --json. */
static void
summary_json(const struct analysis *a)
{
	json_t *top = cli_jcheck(json_object()), *conds, *pairs, *warnings;
	struct profiles_cond *pcs = profiles_create(a);

	summary_json_head(a, top);
	conds = cli_jcheck(json_array());
	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cond *cond = &a->conds[c];
		json_t *o = cli_jcheck(json_object()), *lo, *cb, *metrics;

		cli_jset(o, "name", json_string(cond->name));
		cli_jset(o, "cache", json_string(cond->cache));
		cli_jset(o, "measured", json_integer((json_int_t)cond->measured));
		cli_jset(o, "ok", json_integer((json_int_t)cond->ok));
		lo = cli_jcheck(json_object());
		cli_jset(lo, "failed", json_integer((json_int_t)cond->failed));
		cli_jset(lo, "timeout", json_integer((json_int_t)cond->timeout));
		cli_jset(lo, "other", json_integer((json_int_t)cond->other));
		cli_jset(o, "left_out", lo);
		cb = cli_jcheck(json_object());
		cli_jset(cb, "n", json_integer((json_int_t)cond->resident_n));
		cli_jset(cb, "met", strcmp(cond->cache, "cold") == 0 ||
		    strcmp(cond->cache, "warm") == 0 ?
		    json_integer((json_int_t)cond->resident_met) : json_null());
		cli_jset(cb, "median_pct", cli_jreal(cond->resident_median));
		cli_jset(cb, "worst_pct", cli_jreal(cond->resident_worst));
		cli_jset(o, "cache_before", cb);
		cli_jset(o, "stop", targets_summary_json(a->plan, cond->name));	/* targets.c */
		metrics = cli_jcheck(json_array());
		for (size_t m = 0; m < a->nmetrics; m++)
			cli_jappend(metrics, summary_json_cell(a, m, &cond->cells[m]));
		cli_jset(o, "metrics", metrics);
		profiles_json(&pcs[c], o);
		cli_jappend(conds, o);
	}
	cli_jset(top, "conditions", conds);
	profiles_free(pcs);

	pairs = cli_jcheck(json_array());
	for (size_t k = 0; k < a->npairs; k++) {
		json_t *o = cli_jcheck(json_object()), *metrics;

		cli_jset(o, "a", json_string(a->conds[a->pairs[k].a].name));
		cli_jset(o, "b", json_string(a->conds[a->pairs[k].b].name));
		metrics = cli_jcheck(json_array());
		for (size_t m = 0; m < a->nmetrics; m++)
			cli_jappend(metrics, summary_json_compare(a->metrics[m], a->units[m],
			    &a->pairs[k].cmp[m], 0));
		cli_jset(o, "metrics", metrics);
		cli_jappend(pairs, o);
	}
	cli_jset(top, "comparisons", pairs);

	warnings = cli_jcheck(json_array());
	for (size_t w = 0; w < a->nwarnings; w++)
		cli_jappend(warnings, summary_json_warning(a, &a->warnings[w]));
	cli_jset(top, "warnings", warnings);
	breakdown_json(a, top);
	cli_jprint(top);
}

/* Print the warnings of a condition and metric, each on its own line after indent and label. */
void
summary_warnings(const struct analysis *a, int cond, int metric, const char *indent,
    const char *label)
{
	const struct analysis_warning *w;
	size_t iter = 0;

	while ((w = analysis_next_warning(a, cond, metric, &iter)) != NULL) {
		printf("%s! ", indent);
		if (label != NULL) {
			cli_puts(label);
			fputs(": ", stdout);
		}
		cli_puts(w->text);
		putchar('\n');
	}
}

/* Print one metric's comparison line, without its end: "  NAME  la MA vs lb MB, DIFF, P". */
void
summary_line(const char *metric, size_t width, const char *la, const char *lb,
    const struct stats_compare *c, const char *unit)
{
	char ma[32], mb[32], diff[192], p[32];

	fmt_medians(c, unit, ma, mb, sizeof ma);
	fmt_diff(c, unit, 0, diff, sizeof diff);
	fmt_p(c->p, p, sizeof p);
	fputs("  ", stdout);
	cli_pad(metric, width);
	fputs("  ", stdout);
	cli_puts(la);
	printf(" %s vs ", ma);
	cli_puts(lb);
	printf(" %s, %s, %s", mb, diff, p);
}

/* Add a metric's comparison to a Markdown table: stage, both medians, shift, interval, p, verdict. */
void
summary_md_row(struct md_table *t, const char *metric, const struct stats_compare *c,
    const char *unit, const char *verdict)
{
	char ma[32], mb[32], shift[96], ci[96], p[32];
	const char *cells[7];
	char *m = md_code(metric);

	fmt_medians(c, unit, ma, mb, sizeof ma);
	if (fmt_shift(c, unit, shift, ci, sizeof shift) != 0)
		snprintf(shift, sizeof shift, "%s", "-");
	else if (*ci == '\0')
		snprintf(ci, sizeof ci, "%s", "too few runs");
	fmt_p(c->p, p, sizeof p);
	cells[0] = m;
	cells[1] = ma;
	cells[2] = mb;
	cells[3] = shift;
	cells[4] = ci;
	cells[5] = p + 1 + (p[1] == '=');	/* "0.0022", "<0.0001", "n/a" */
	cells[6] = verdict;
	md_table_add_raw(t, cells);
	free(m);
}
/* The width of the metric names' column. */
size_t
summary_metric_width(const struct analysis *a)
{
	size_t w = 6;

	for (size_t m = 0; m < a->nmetrics; m++)
		w = cli_width(a->metrics[m]) > w ? cli_width(a->metrics[m]) : w;
	return w;
}

/*
 * Print the headline's proof: how many runs of each cold or warm condition
 * met their cache state ("cache before the runs: cold 10 of 10 at most 5%
 * cached, warm 10 of 10 at least 90% cached"); nothing when no condition asks
 * for one.
 */
static void
summary_cache_line(const struct analysis *a)
{
	const char *sep = "cache before the runs: ";
	char words[96];

	for (size_t c = 0; c < a->nconds; c++) {
		analysis_cond_met_words(&a->conds[c], words, sizeof words);
		if (*words == '\0')
			continue;
		fputs(sep, stdout);
		cli_puts(a->conds[c].name);
		printf(" %s", words);
		sep = ", ";
	}
	if (*sep == ',')
		putchar('\n');
}

/* Print the summary's header: plan, runs, machine, footprint. */
static void
summary_head(const struct analysis *a)
{
	const struct db_plan *p = a->plan;
	const char *governor = NULL, *cpus = NULL, *v;
	size_t total = 0, probes = 0, warmups = 0;
	char when[32], buf[32];

	for (size_t i = 0; i < p->nruns; i++) {
		if (!analysis_latest(p, i))
			continue;
		total++;
		probes += strcmp(p->runs[i].kind, "probe") == 0;
		warmups += strcmp(p->runs[i].kind, "warmup") == 0;
		if (governor == NULL)
			governor = p->runs[i].cpu_governor;
		if (cpus == NULL)
			cpus = p->runs[i].cpus;
	}
	printf("plan %s \"", p->ref);
	cli_puts(p->name);
	printf("\": %s; %zu of %zu measured runs ok (%zu run%s in all, with %zu probe%s and "
	    "%zu warm-up%s)\n", p->state, a->measured_ok, a->measured_total, total,
	    fmt_plural(total), probes, fmt_plural(probes), warmups,
	    fmt_plural(warmups));
	summary_cache_line(a);
	fmt_time(p->submitted_at, when, sizeof when);
	printf("submitted %s", when);
	if (!isnan(p->finished_at)) {
		fmt_span(p->finished_at - p->submitted_at, buf, sizeof buf);
		printf(", finished after %s", buf);
	}
	printf("; %s\n", p->source_path);
	fputs("machine: ", stdout);
	if (a->info_run == NULL)
		fputs("no runtime info printed", stdout);
	for (size_t k = 0, n = 0; a->info_run != NULL &&
	    k < ANALYSIS_NINFO_KEYS; k++) {
		if ((v = db_run_info(a->info_run, analysis_info_keys[k])) == NULL)
			continue;
		printf("%s%s ", n++ > 0 ? ", " : "", analysis_info_keys[k]);
		cli_puts(v);
	}
	printf("; cpus %s; governor %s\n", cpus != NULL ? cpus : "not pinned",
	    governor != NULL ? governor : "unknown");
	if (p->footprint_files > 0) {
		printf("footprint: %lld files, %.1f MiB (%lld files, %.1f MiB, mapped by other "
		    "programs at the probe; what others map before a run is evicted too, not counted "
		    "in its residency)\n", p->footprint_files,
		    p->footprint_bytes / 1048576.0, p->footprint_shared,
		    p->footprint_shared_bytes / 1048576.0);
	}
	summary_warnings(a, -1, -1, "", NULL);
}

/* A condition's name, and its device profile's when it has one, for a heading. */
static void
summary_cond_name(const struct analysis *a, const struct profiles_cond *pcs, size_t c)
{
	const char *profile = profiles_name(&pcs[c]);

	cli_puts(a->conds[c].name);
	if (profile != NULL && strcmp(profile, "inline") == 0)
		fputs(" (a profile of its own)", stdout);
	else if (profile != NULL) {
		fputs(" (profile ", stdout);
		cli_puts(profile);
		putchar(')');
	}
}

/* Print a condition's profile and what its group counted, with their warnings. */
static void
summary_profile(const struct profiles_cond *pc)
{
	char *lines[4] = { profiles_limits_text(pc), profiles_counters_text(pc),
	    profiles_differ_text(pc), profiles_oom_text(pc) };

	for (int i = 0; i < 4; i++) {
		if (lines[i] == NULL)
			continue;
		fputs(i < 2 ? "  " : "  ! ", stdout);
		cli_puts(lines[i]);
		putchar('\n');
		free(lines[i]);
	}
}

/* Print the comparisons: one line per metric of each pair, warnings after. */
static void
summary_pairs(const struct analysis *a, const struct profiles_cond *pcs)
{
	size_t wm = summary_metric_width(a);

	for (size_t k = 0; k < a->npairs; k++) {
		const struct analysis_pair *pair = &a->pairs[k];
		const char *na = a->conds[pair->a].name, *nb = a->conds[pair->b].name;

		putchar('\n');
		summary_cond_name(a, pcs, pair->a);
		fputs(" vs ", stdout);
		summary_cond_name(a, pcs, pair->b);
		puts(": medians, their difference, the 95% CI for the shift (Hodges-Lehmann/"
		    "Moses), Mann-Whitney p");
		for (size_t m = 0; m < a->nmetrics; m++) {
			summary_line(a->metrics[m], wm, na, nb, &pair->cmp[m], a->units[m]);
			putchar('\n');
			summary_warnings(a, (int)pair->a, (int)m, "    ", na);
			summary_warnings(a, (int)pair->b, (int)m, "    ", nb);
		}
		summary_warnings(a, (int)pair->a, -1, "  ", na);
		summary_warnings(a, (int)pair->b, -1, "  ", nb);
	}
}

/* Print one condition's table: a row per metric, warnings beside the numbers. */
static void
summary_cond(const struct analysis *a, const struct profiles_cond *pcs, size_t ci)
{
	static const char *heads[] = { "mean", "sd", "min", "median", "p90", "max" };
	const struct analysis_cond *c = &a->conds[ci];
	size_t wm = summary_metric_width(a);
	char buf[96], lo[32], hi[32];

	putchar('\n');
	cli_puts(c->name);
	printf(" (cache %s): %zu of %zu measured run%s ok", c->cache, c->ok, c->measured,
	    fmt_plural(c->measured));
	analysis_cond_resident_words(c, buf, sizeof buf);
	if (*buf != '\0')
		printf("; cached before them: %s", buf);
	analysis_cond_met_words(c, buf, sizeof buf);
	if (*buf != '\0')
		printf(" (%s)", buf);
	putchar('\n');
	targets_summary(a->plan, c->name);	/* why it stopped, under a target (targets.c) */
	summary_profile(&pcs[ci]);
	fputs("  ", stdout);
	cli_pad("metric", wm);
	printf("  %-4s  %3s", "unit", "n");
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++)
		printf("  %8s", heads[h]);
	printf("  %s\n", "95% CI of the median");
	for (size_t m = 0; m < a->nmetrics; m++) {
		const struct stats_summary *s = &c->cells[m].s;
		const double v[] = { s->mean, s->sd, s->min, s->median, s->p90, s->max };
		const char *shown;
		double factor;
		int decimals;

		fmt_scale(isnan(s->median) ? 0 : s->median, a->units[m], &factor, &shown,
		    &decimals);
		fputs("  ", stdout);
		cli_pad(a->metrics[m], wm);
		printf("  %-4s  %3zu", shown, s->n);
		for (size_t h = 0; h < sizeof v / sizeof v[0]; h++) {
			fmt_scaled(v[h], factor, decimals, 0, buf, sizeof buf);
			printf("  %8s", buf);
		}
		if (s->n == 0)
			printf("  %s\n", "(no ok runs)");
		else if (!s->has_ci)
			printf("  %s\n", "n too small for a CI");
		else {
			fmt_scaled(s->ci_lo, factor, decimals, 0, lo, sizeof lo);
			fmt_scaled(s->ci_hi, factor, decimals, 0, hi, sizeof hi);
			printf("  [%s, %s]\n", lo, hi);
		}
		summary_warnings(a, (int)ci, (int)m, "    ", NULL);
	}
	summary_warnings(a, (int)ci, -1, "  ", NULL);
}

/* Print the summary for people: header, comparisons, then each condition. */
static void
summary_text(const struct analysis *a)
{
	struct profiles_cond *pcs = profiles_create(a);

	summary_head(a);
	summary_pairs(a, pcs);
	for (size_t c = 0; c < a->nconds; c++)
		summary_cond(a, pcs, c);
	breakdown_text(a);
	profiles_free(pcs);
}

/* Print the plan's headline in Markdown: plan, runs, cache proof, machine. */
static void
summary_md_head(const struct analysis *a)
{
	const struct db_plan *p = a->plan;
	const char *v, *sep = "";
	char *name = md_code(p->name), words[96];

	printf("### benchd: plan %s %s: %s, %zu of %zu measured runs ok\n\n", p->ref, name,
	    p->state, a->measured_ok, a->measured_total);
	free(name);
	fputs("machine: ", stdout);
	for (size_t k = 0; a->info_run != NULL && k < ANALYSIS_NINFO_KEYS; k++) {
		if ((v = db_run_info(a->info_run, analysis_info_keys[k])) == NULL)
			continue;
		name = md_escape(v);
		printf("%s%s %s", sep, analysis_info_keys[k], name);
		free(name);
		sep = ", ";
	}
	printf("%s\n", *sep == '\0' ? "no runtime info printed" : "");
	sep = "\ncache before the runs: ";
	for (size_t c = 0; c < a->nconds; c++) {
		analysis_cond_met_words(&a->conds[c], words, sizeof words);
		if (*words == '\0')
			continue;
		name = md_code(a->conds[c].name);
		printf("%s%s %s", sep, name, words);
		free(name);
		sep = ", ";
	}
	if (*sep == ',')
		putchar('\n');
}

/* Print every warning as a Markdown list, each after its condition and metric. */
static void
summary_md_warnings(const struct analysis *a)
{
	char *cond, *metric, *text;

	if (a->nwarnings > 0)
		puts("\n**Warnings**\n");
	for (size_t w = 0; w < a->nwarnings; w++) {
		const struct analysis_warning *x = &a->warnings[w];

		cond = md_code(x->cond >= 0 ? a->conds[x->cond].name : NULL);
		metric = md_code(x->metric >= 0 ? a->metrics[x->metric] : NULL);
		text = md_escape(x->text);
		printf("- %s%s%s%s%s\n", cond, *cond != '\0' && *metric != '\0' ? ", " : "",
		    metric, *cond != '\0' || *metric != '\0' ? ": " : "", text);
		free(cond);
		free(metric);
		free(text);
	}
}

/* Print the summary in Markdown, for a pull request's comment. */
static void
summary_markdown(const struct analysis *a)
{
	struct profiles_cond *pcs;
	struct md_table *t;
	char *out, *na, *nb, *name, head[256], words[96], resident[96], ok[64];

	summary_md_head(a);
	for (size_t k = 0; k < a->npairs; k++) {
		const struct analysis_pair *pair = &a->pairs[k];

		na = md_code(a->conds[pair->a].name);
		nb = md_code(a->conds[pair->b].name);
		printf("\n**%s vs %s**: medians, the shift (%s - %s) and its 95%% CI "
		    "(Hodges-Lehmann/Moses), Mann-Whitney p\n\n", na, nb, na, nb);
		t = md_table_create("lrrrlr");
		snprintf(head, sizeof head, "%s - %s", a->conds[pair->a].name,
		    a->conds[pair->b].name);
		md_table_add(t, (const char *[]){ "stage", a->conds[pair->a].name,
		    a->conds[pair->b].name, head, "95% CI", "p" });
		for (size_t m = 0; m < a->nmetrics; m++)
			summary_md_row(t, a->metrics[m], &pair->cmp[m], a->units[m], NULL);
		fputs(out = md_table_render(t), stdout);
		free(out);
		md_table_free(t);
		free(na);
		free(nb);
	}
	putchar('\n');
	pcs = profiles_create(a);
	t = md_table_create("llrlll");
	md_table_add(t, (const char *[]){ "condition", "cache", "runs ok", "cached before",
	    "met its cache state", "device profile" });
	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cond *cond = &a->conds[c];
		const char *profile = profiles_name(&pcs[c]);

		snprintf(ok, sizeof ok, "%zu of %zu", cond->ok, cond->measured);
		analysis_cond_resident_words(cond, resident, sizeof resident);
		analysis_cond_met_words(cond, words, sizeof words);
		name = md_code(cond->name);
		md_table_add_raw(t, (const char *[]){ name, cond->cache, ok,
		    *resident != '\0' ? resident : "-", *words != '\0' ? words : "-",
		    profile == NULL ? "-" : strcmp(profile, "inline") == 0 ? "its own" : profile });
		free(name);
	}
	profiles_free(pcs);
	fputs(out = md_table_render(t), stdout);
	free(out);
	md_table_free(t);
	summary_md_warnings(a);
}

/* The comparisons of plan id and the commands that say more, for the end of submit --wait. */
void
summary_brief(const struct benchctl_env *env, long long id)
{
	struct db_plan *plan = NULL;
	struct analysis *a;
	struct db *db;
	char *cause = NULL;

	if ((db = db_open(env->db, &cause)) != NULL && db_plan_load(db, id, &plan, &cause) != 1)
		plan = NULL;
	free(cause);
	db_close(db);
	if (plan != NULL) {
		struct profiles_cond *pcs;

		a = analysis_create(plan);
		pcs = profiles_create(a);
		putchar('\n');
		summary_cache_line(a);
		summary_pairs(a, pcs);
		profiles_free(pcs);
		analysis_free(a);
		db_plan_free(plan);
	}
	printf("\nmore: benchctl summary %lld; benchctl report %lld -o report.html\n", id, id);
}

/* "benchctl summary PLAN_ID": statistics of every stage, comparisons and warnings. */
static int
summary_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct analysis *a;
	struct db_plan *plan;
	int rc;

	if ((plan = planref_load_arg(env, args, 0, &rc)) == NULL)
		return rc;
	a = analysis_create(plan);
	if (cmd_args_has(args, 'j'))
		summary_json(a);
	else if (cmd_args_has(args, 'm'))
		summary_markdown(a);
	else
		summary_text(a);
	analysis_free(a);
	db_plan_free(plan);
	return 0;
}

/* "benchctl summary" in the command table. */
const struct cmd_entry summary_entry = {
	.name = "summary",
	.args = "[PLAN_ID] [--json|--markdown]",
	.usage = "[PLAN_ID] [--json | --markdown]",
	.about = "cold vs warm: medians, intervals, p, warnings",
	.help = "For each condition and stage, over the measured runs that ended ok: n, mean, sd,\n"
	    "min, median, p90, max and the 95% CI of the median. Then each pair of\n"
	    "conditions (cold against warm first): the medians, their difference, the 95%\n"
	    "CI for the shift (Hodges-Lehmann/Moses) and the Mann-Whitney p-value, with\n"
	    "warnings beside the numbers they concern: cold runs that were not cold, warm\n"
	    "runs that were not warm, outliers, runs left out, too few runs. The headline\n"
	    "counts the runs that met their cache state (cold at most 5% cached, warm at\n"
	    "least 90%), and each condition's table says how much was cached before its\n"
	    "runs. --markdown writes the comparisons and the cache's state as Markdown\n"
	    "tables for a pull request's comment. Without PLAN_ID, the newest plan.\n",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 1,
	.exclusive = "jm",
	.flags = CMD_READS_DB,
	.exec = summary_exec,
};
