/* compare.c: "benchctl compare": one plan against another, stage by stage, with a verdict and an exit status for scripts. */
#include "compare.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "fmt.h"
#include "md.h"
#include "planref.h"
#include "remote.h"
#include "summary.h"
#include "versus.h"
#include "xmalloc.h"

/* Exit statuses, as diff(1)'s. */
#define COMPARE_OK	0	/* no stage slower than the threshold allows */
#define COMPARE_SLOWER	1
#define COMPARE_TROUBLE	2

/* One side of the command line: a plan and, perhaps, one of its conditions. */
struct compare_side {
	struct planref	 ref;
	char		*cond;		/* NULL: matched by name */
};

/*
 * Parse "PLAN", or "PLAN:CONDITION", where PLAN is a plan id or HOST/ID for
 * a plan pulled from HOST (planref.h; host is --host's device): 0, or -1
 * after saying what is wrong.
 */
static int
compare_side_parse(const char *arg, const char *host, struct compare_side *side)
{
	const char *slash = strrchr(arg, '/');
	const char *colon = strchr(slash != NULL ? slash : arg, ':');
	char *plan = colon != NULL ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);

	side->cond = NULL;
	if (planref_parse(plan, host, &side->ref) != 0 || (colon != NULL && colon[1] == '\0')) {
		cli_error("compare: \"%s\" is not PLAN_ID or HOST/PLAN_ID, perhaps with :CONDITION "
		    "(\"benchctl plans\" lists the plans, \"benchctl summary ID\" their "
		    "conditions)", arg);
		free(plan);
		return -1;
	}
	free(plan);
	if (colon != NULL)
		side->cond = xstrdup(colon + 1);
	return 0;
}

/* "5:cold": a side's condition, as the comparison's lines name it; the caller frees it. */
static char *
compare_label(const struct analysis *a, size_t c)
{
	char *s;

	xasprintf(&s, "%s:%s", a->plan->ref, a->conds[c].name);
	return s;
}

/* The first run of a plan with runtime info, or NULL. */
static const char *
compare_info(const struct analysis *a, const char *key)
{
	return a->info_run != NULL ? db_run_info(a->info_run, key) : NULL;
}

/* Print "  plan 2: done, 10 of 10 measured runs ok, submitted ...; python ..., torch ...". */
static void
compare_text_side(const struct analysis *a)
{
	const struct db_plan *p = a->plan;
	char when[32];
	const char *v;

	printf("  plan %s \"", p->ref);
	cli_puts(p->name);
	fmt_time(p->submitted_at, when, sizeof when);
	printf("\": %s, %zu of %zu measured runs ok, submitted %s", p->state, a->measured_ok,
	    a->measured_total, when);
	for (size_t k = 0; k < ANALYSIS_NINFO_KEYS; k++) {
		if ((v = compare_info(a, analysis_info_keys[k])) == NULL)
			continue;
		printf("%s%s ", k == 0 ? "; " : ", ", analysis_info_keys[k]);
		cli_puts(v);
	}
	putchar('\n');
}

/* Print the cache's proof for each compared condition of both sides, on one line. */
static void
compare_text_cache(const struct versus *v)
{
	const char *sep = "cache before the runs: ";
	char words[96], *label;

	for (size_t k = 0; k < v->npairs; k++) {
		for (int side = 0; side < 2; side++) {
			const struct analysis *a = side == 0 ? v->a : v->b;
			size_t c = side == 0 ? v->pairs[k].ca : v->pairs[k].cb;

			analysis_cond_met_words(&a->conds[c], words, sizeof words);
			if (*words == '\0')
				continue;
			label = compare_label(a, c);
			fputs(sep, stdout);
			cli_puts(label);
			printf(" %s", words);
			free(label);
			sep = ", ";
		}
	}
	if (*sep == ',')
		putchar('\n');
}

/* The width of the stage names' column of a comparison. */
static size_t
compare_metric_width(const struct versus *v)
{
	size_t w = 6;

	for (size_t k = 0; k < v->npairs; k++) {
		for (size_t m = 0; m < v->pairs[k].nmetrics; m++) {
			size_t n = cli_width(v->pairs[k].metrics[m].name);

			w = n > w ? n : w;
		}
	}
	return w;
}

/* Print the plans, what differed, the cache's proof and the plans' own warnings. */
static void
compare_text_head(const struct versus *v)
{
	const struct db_plan *pa = v->a->plan, *pb = v->b->plan;
	char *label;

	printf("plan %s against plan %s (the reference): the shift is %s's median minus "
	    "%s's\n", pb->ref, pa->ref, pb->ref, pa->ref);
	compare_text_side(v->a);
	compare_text_side(v->b);
	for (size_t i = 0; i < v->ndiffs; i++) {
		const struct versus_diff *d = &v->diffs[i];

		if (strcmp(d->what, "machine") == 0)
			printf("! the plans ran on different machines: plan %s on ", pa->ref);
		else
			printf("! the plans differ in %s: plan %s has ", d->what, pa->ref);
		cli_puts(d->a);
		printf(", plan %s %s", pb->ref, strcmp(d->what, "machine") == 0 ? "on " : "");
		cli_puts(d->b);
		puts(": the shift measures that too");
	}
	compare_text_cache(v);
	xasprintf(&label, "plan %s", pa->ref);
	summary_warnings(v->a, -1, -1, "", label);
	free(label);
	if (strcmp(pa->ref, pb->ref) != 0) {
		xasprintf(&label, "plan %s", pb->ref);
		summary_warnings(v->b, -1, -1, "", label);
		free(label);
	}
}

/* Print one pair's lines: a line per stage with its verdict, the warnings beside. */
static void
compare_text_pair(const struct versus *v, const struct versus_pair *pair, size_t wm)
{
	char *la = compare_label(v->a, pair->ca), *lb = compare_label(v->b, pair->cb);

	putchar('\n');
	cli_puts(lb);
	fputs(" vs ", stdout);
	cli_puts(la);
	puts(": medians, the shift and its 95% CI (Hodges-Lehmann/Moses), Mann-Whitney p; "
	    "verdict");
	for (size_t m = 0; m < pair->nmetrics; m++) {
		const struct versus_metric *x = &pair->metrics[m];

		summary_line(x->name, wm, lb, la, &x->cmp, x->unit);
		printf("; %s%s\n", versus_verdict_name(x->verdict), x->over ?
		    " (over the threshold)" : "");
		summary_warnings(v->a, (int)pair->ca, (int)x->ma, "    ", la);
		summary_warnings(v->b, (int)pair->cb, (int)x->mb, "    ", lb);
	}
	summary_warnings(v->a, (int)pair->ca, -1, "  ", la);
	summary_warnings(v->b, (int)pair->cb, -1, "  ", lb);
	free(la);
	free(lb);
}

/* Print the stages with one verdict: "cold import_torch +10%, cold total +8.0%". */
static void
compare_text_list(const struct versus *v, enum versus_verdict verdict, int over)
{
	const char *sep = "";

	for (size_t k = 0; k < v->npairs; k++) {
		const struct versus_pair *pair = &v->pairs[k];

		for (size_t m = 0; m < pair->nmetrics; m++) {
			const struct versus_metric *x = &pair->metrics[m];

			if (x->verdict != verdict || (over && !x->over))
				continue;
			fputs(sep, stdout);
			cli_puts(v->b->conds[pair->cb].name);
			putchar(' ');
			cli_puts(x->name);
			if (!isnan(x->cmp.rel))
				printf(fabs(x->cmp.rel) >= 0.1 ? " %+.0f%%" : " %+.1f%%",
				    x->cmp.rel * 100);
			sep = ", ";
		}
	}
}

/* Print the comparison for people: the plans, a line per stage, the verdicts and the threshold's. */
static void
compare_text(const struct versus *v)
{
	size_t wm = compare_metric_width(v);

	compare_text_head(v);
	for (size_t k = 0; k < v->npairs; k++)
		compare_text_pair(v, &v->pairs[k], wm);
	printf("\nverdict: %zu stage%s slower", v->nslower, fmt_plural(v->nslower));
	if (v->nslower > 0) {
		fputs(" (", stdout);
		compare_text_list(v, VERSUS_SLOWER, 0);
		putchar(')');
	}
	printf(", %zu faster", v->nfaster);
	if (v->nfaster > 0) {
		fputs(" (", stdout);
		compare_text_list(v, VERSUS_FASTER, 0);
		putchar(')');
	}
	printf(", %zu with no difference at this precision\n", v->nsame);
	if (isnan(v->fail_pct))
		return;
	if (v->nover == 0)
		printf("no stage is slower by more than %g%%\n", v->fail_pct);
	else {
		printf("fail: %zu stage%s slower by more than %g%%: ", v->nover,
		    fmt_plural(v->nover), v->fail_pct);
		compare_text_list(v, VERSUS_SLOWER, 1);
		putchar('\n');
	}
}

/* One side as JSON: the plan and what it ran on. */
static json_t *
compare_json_side(const struct analysis *a)
{
	const struct db_plan *p = a->plan;
	json_t *o = cli_jcheck(json_object()), *machines = cli_jcheck(json_array());

	cli_jset(o, "plan_id", json_integer(p->id));
	cli_jset(o, "plan", json_string(p->ref));
	cli_jset(o, "name", json_string(p->name));
	cli_jset(o, "state", json_string(p->state));
	cli_jset(o, "submitted_at", cli_jreal(p->submitted_at));
	for (size_t i = 0; i < p->nhosts; i++) {
		json_t *h = cli_jcheck(json_object());

		cli_jset(h, "host", cli_jstr(p->hosts[i].host));
		cli_jset(h, "machine_id", cli_jstr(p->hosts[i].machine_id));
		cli_jappend(machines, h);
	}
	cli_jset(o, "machines", machines);
	for (size_t k = 0; k < ANALYSIS_NINFO_KEYS; k++)
		cli_jset(o, analysis_info_keys[k], cli_jstr(compare_info(a, analysis_info_keys[k])));
	return o;
}

/* One stage compared as JSON: A's median first, the shift B's minus A's, the verdict. */
static json_t *
compare_json_metric(const struct versus_metric *x)
{
	json_t *o = summary_json_compare(x->name, x->unit, &x->cmp, 1);

	cli_jset(o, "verdict", json_string(versus_verdict_key(x->verdict)));
	cli_jset(o, "over_threshold", json_boolean(x->over));
	return o;
}

/* Append a side's warnings about its plan and its compared conditions. */
static void
compare_json_warnings(const struct versus *v, int side, json_t *list)
{
	const struct analysis *a = side == 0 ? v->a : v->b;

	for (size_t w = 0; w < a->nwarnings; w++) {
		const struct analysis_warning *x = &a->warnings[w];
		json_t *o, *ids;
		int used = x->cond == -1;

		for (size_t k = 0; k < v->npairs && !used; k++)
			used = (size_t)x->cond == (side == 0 ? v->pairs[k].ca : v->pairs[k].cb);
		if (!used || (side == 1 && strcmp(v->a->plan->ref, v->b->plan->ref) == 0 &&
		    x->cond == -1))
			continue;
		o = cli_jcheck(json_object());
		ids = cli_jcheck(json_array());
		cli_jset(o, "plan", a->plan->origin != NULL ? json_string(a->plan->ref) :
		    json_integer(a->plan->id));
		cli_jset(o, "kind", json_string(x->kind));
		cli_jset(o, "condition", x->cond >= 0 ? json_string(a->conds[x->cond].name) :
		    json_null());
		cli_jset(o, "metric", x->metric >= 0 ? json_string(a->metrics[x->metric]) :
		    json_null());
		for (size_t i = 0; i < x->nrun_ids; i++)
			cli_jappend(ids, json_integer(x->run_ids[i]));
		cli_jset(o, "run_ids", ids);
		cli_jset(o, "text", json_string(x->text));
		cli_jappend(list, o);
	}
}

/* Print the comparison as JSON. */
static void
compare_json(const struct versus *v, const char *stage)
{
	json_t *top = cli_jcheck(json_object()), *pairs = cli_jcheck(json_array());
	json_t *diffs = cli_jcheck(json_array()), *warnings = cli_jcheck(json_array()), *counts;

	cli_jset(top, "a", compare_json_side(v->a));
	cli_jset(top, "b", compare_json_side(v->b));
	cli_jset(top, "fail_if_slower_pct", cli_jreal(v->fail_pct));
	cli_jset(top, "stage", cli_jstr(stage));
	for (size_t k = 0; k < v->npairs; k++) {
		const struct versus_pair *pair = &v->pairs[k];
		json_t *o = cli_jcheck(json_object()), *metrics = cli_jcheck(json_array());

		cli_jset(o, "a", json_string(v->a->conds[pair->ca].name));
		cli_jset(o, "b", json_string(v->b->conds[pair->cb].name));
		for (size_t m = 0; m < pair->nmetrics; m++)
			cli_jappend(metrics, compare_json_metric(&pair->metrics[m]));
		cli_jset(o, "metrics", metrics);
		cli_jappend(pairs, o);
	}
	cli_jset(top, "comparisons", pairs);
	for (size_t i = 0; i < v->ndiffs; i++) {
		json_t *o = cli_jcheck(json_object());

		cli_jset(o, "what", json_string(v->diffs[i].what));
		cli_jset(o, "a", json_string(v->diffs[i].a));
		cli_jset(o, "b", json_string(v->diffs[i].b));
		cli_jappend(diffs, o);
	}
	cli_jset(top, "differences", diffs);
	compare_json_warnings(v, 0, warnings);
	compare_json_warnings(v, 1, warnings);
	cli_jset(top, "warnings", warnings);
	counts = cli_jcheck(json_object());
	cli_jset(counts, "slower", json_integer((json_int_t)v->nslower));
	cli_jset(counts, "faster", json_integer((json_int_t)v->nfaster));
	cli_jset(counts, "same", json_integer((json_int_t)v->nsame));
	cli_jset(counts, "over_threshold", json_integer((json_int_t)v->nover));
	cli_jset(top, "counts", counts);
	cli_jprint(top);
}

/* The verdict as a Markdown cell: bold when the runs show a difference. */
static const char *
compare_md_verdict(const struct versus_metric *x)
{
	switch (x->verdict) {
	case VERSUS_SLOWER:
		return x->over ? "**slower** (over the threshold)" : "**slower**";
	case VERSUS_FASTER:
		return "**faster**";
	default:
		return versus_verdict_name(x->verdict);
	}
}

/* Print the comparison in Markdown, for a pull request's comment. */
static void
compare_markdown(const struct versus *v)
{
	const struct db_plan *pa = v->a->plan, *pb = v->b->plan;
	struct md_table *t;
	char *na = md_code(pa->name), *nb = md_code(pb->name), *la, *lb, *out, *x, *y;
	char words[96], head[256];
	int machine;

	printf("### benchd: plan %s %s against plan %s %s (the reference)\n\n", pb->ref,
	    nb, pa->ref, na);
	free(na);
	free(nb);
	for (size_t i = 0; i < v->ndiffs; i++) {
		x = md_escape(v->diffs[i].a);
		y = md_escape(v->diffs[i].b);
		machine = strcmp(v->diffs[i].what, "machine") == 0;
		printf("- **Warning:** the plans %s%s: plan %s %s%s, plan %s %s%s; the shift "
		    "measures that too\n", machine ? "ran on different machines" : "differ in ",
		    machine ? "" : v->diffs[i].what, pa->ref, machine ? "on " : "", x, pb->ref,
		    machine ? "on " : "", y);
		free(x);
		free(y);
	}
	for (size_t k = 0; k < v->npairs; k++) {
		const struct versus_pair *pair = &v->pairs[k];

		la = compare_label(v->a, pair->ca);
		lb = compare_label(v->b, pair->cb);
		x = md_code(la);
		y = md_code(lb);
		printf("\n**%s vs %s**: medians, the shift and its 95%% CI (Hodges-Lehmann/Moses), "
		    "Mann-Whitney p, verdict\n\n", y, x);
		free(x);
		free(y);
		t = md_table_create("lrrrlrl");
		snprintf(head, sizeof head, "%s - %s", lb, la);
		md_table_add(t, (const char *[]){ "stage", lb, la, head, "95% CI", "p",
		    "verdict" });
		for (size_t m = 0; m < pair->nmetrics; m++) {
			const struct versus_metric *mx = &pair->metrics[m];

			summary_md_row(t, mx->name, &mx->cmp, mx->unit, compare_md_verdict(mx));
		}
		fputs(out = md_table_render(t), stdout);
		free(out);
		md_table_free(t);
		for (int side = 0; side < 2; side++) {
			const struct analysis *a = side == 0 ? v->a : v->b;
			size_t c = side == 0 ? pair->ca : pair->cb;

			analysis_cond_met_words(&a->conds[c], words, sizeof words);
			if (*words == '\0')
				continue;
			x = md_code(side == 0 ? la : lb);
			printf("%s%s %s", side == 0 ? "\ncache before the runs: " : ", ", x, words);
			free(x);
		}
		putchar('\n');
		free(la);
		free(lb);
	}
	printf("\nverdict: %zu slower, %zu faster, %zu with no difference at this precision",
	    v->nslower, v->nfaster, v->nsame);
	if (!isnan(v->fail_pct))
		printf("; %zu slower by more than %g%%", v->nover, v->fail_pct);
	putchar('\n');
}

/* Parse --fail-if-slower's percentage: 0 and *pct, or -1 after saying what is wrong. */
static int
compare_pct(const char *s, double *pct)
{
	char *end;

	errno = 0;
	*pct = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(*pct >= 0) || isinf(*pct)) {
		cli_error("compare: --fail-if-slower: expected a percentage, 0 or more (got "
		    "\"%s\")", s);
		return -1;
	}
	return 0;
}

/* "benchctl compare A[:COND] B[:COND]": B against A, a verdict per stage; exit 1 when slower beyond the threshold. */
static int
compare_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct compare_side sa, sb;
	struct db_plan *pa = NULL, *pb = NULL;
	struct analysis *a = NULL, *b = NULL;
	struct versus *v = NULL;
	const char *stage = cmd_args_get(args, 's');
	char *cause = NULL, *host = env->nhosts > 0 ? remote_name(env->hosts[0]) : NULL;
	double pct = NAN;
	int rc = COMPARE_TROUBLE;

	memset(&sa, 0, sizeof sa);
	memset(&sb, 0, sizeof sb);
	if (compare_side_parse(cmd_args_arg(args, 0), host, &sa) != 0 ||
	    compare_side_parse(cmd_args_arg(args, 1), host, &sb) != 0 ||
	    (cmd_args_has(args, 'f') && compare_pct(cmd_args_get(args, 'f'), &pct) != 0)) {
		cmd_usage(args);
		goto out;
	}
	if ((pa = planref_load(env, &sa.ref)) == NULL || (pb = planref_load(env, &sb.ref)) == NULL)
		goto out;
	a = analysis_create(pa);
	b = analysis_create(pb);
	if ((v = versus_create(a, sa.cond, b, sb.cond, stage, pct, &cause)) == NULL) {
		cli_error("compare: %s", cause);
		free(cause);
		goto out;
	}
	if (cmd_args_has(args, 'j'))
		compare_json(v, stage);
	else if (cmd_args_has(args, 'm'))
		compare_markdown(v);
	else
		compare_text(v);
	rc = v->nover > 0 ? COMPARE_SLOWER : COMPARE_OK;
out:
	versus_free(v);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
	planref_clear(&sa.ref);
	planref_clear(&sb.ref);
	free(sa.cond);
	free(sb.cond);
	free(host);
	return rc;
}

/* "benchctl compare" in the command table. */
const struct cmd_entry compare_entry = {
	.name = "compare",
	.args = "A[:COND] B[:COND]",
	.usage = "A[:COND] B[:COND] [--fail-if-slower PCT] [--stage NAME] [--json | --markdown]",
	.about = "plan B against plan A: a verdict per stage",
	.help = "Plan B (the new one) against plan A (the reference): for each condition of the\n"
	    "same name in both (or the two named, A:cold B:cold), and each stage, B's median\n"
	    "and A's, the shift of B from A and its 95% CI (Hodges-Lehmann/Moses), the\n"
	    "Mann-Whitney p, and a verdict: slower or faster when the whole interval is\n"
	    "above or below 0, else no difference at this precision. It warns when the two\n"
	    "ran on different machines, interpreters, torch versions, CPUs or governors,\n"
	    "and counts the runs that met their cache state. A plan pulled from another\n"
	    "machine is HOST/ID: \"compare phone/3 sbc/3\" is one plan on two devices.\n"
	    "  --fail-if-slower PCT  exit 1 when a stage is slower with B's median more\n"
	    "                        than PCT percent above A's (--stage NAME: that stage)\n"
	    "  --stage NAME          compare that stage only\n"
	    "  --json, --markdown    machine-readable, or tables for a pull request\n"
	    "Exit status: 0, 1 (slower than the threshold allows), 2 (trouble: usage, no\n"
	    "database, no such plan or condition).\n",
	.shortopts = "f:s:",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "fail-if-slower", required_argument, NULL, 'f' },
		{ "stage", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	},
	.min_args = 2,
	.max_args = 2,
	.exclusive = "jm",
	.flags = CMD_READS_DB,
	.exec = compare_exec,
};
