/* targets.c: precision targets in words: where they stand (status, watch) and why each condition stopped (summary). */
#include "targets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "fmt.h"
#include "log.h"

/* Whether a goal as written is a percentage ("within 2%"). */
static int
targets_relative(const char *goal)
{
	size_t	n = goal != NULL ? strlen(goal) : 0;

	return n > 0 && goal[n - 1] == '%';
}

/* The number of a goal as written ("2%" of "within 2%"), for "(target +-2%)". */
static const char *
targets_goal_word(const char *goal)
{
	const char	*sp;

	if (goal == NULL)
		return "?";
	return (sp = strrchr(goal, ' ')) != NULL && sp[1] != '\0' ? sp + 1 : goal;
}

/*
 * A width against its target in the goal's terms: "+-0.52% (target +-1%)"
 * for a median, "14.2 ms wide (target 20ms)" for a shift; relative widths are
 * percentages of base (the median, or the second condition's median).
 */
static void
targets_width(int shift, const char *goal, double width, double target, double base, char *buf,
    size_t len)
{
	char	w[32];

	if (isnan(width)) {
		snprintf(buf, len, "no interval yet (target %s%s)", shift ? "under " : "+-",
		    targets_goal_word(goal));
		return;
	}
	if (targets_relative(goal) && target > 0) {
		/* The goal's percentage scaled by width / target: the width in the same terms. */
		snprintf(w, sizeof w, "%.2g%%", strtod(targets_goal_word(goal), NULL) * width / target);
		(void)base;
	} else
		fmt_value(width, "s", 0, w, sizeof w);
	if (shift)
		snprintf(buf, len, "interval %s wide (target under %s)", w, targets_goal_word(goal));
	else
		snprintf(buf, len, "+-%s (target +-%s)", w, targets_goal_word(goal));
}

/* One target of benchd's "targets" as a line; see targets.h. */
static void
targets_line(json_t *t, const char *indent, FILE *f)
{
	json_t		*names = json_object_get(t, "conditions"), *runs = json_object_get(t, "runs");
	const char	*kind = cli_jget_str(t, "kind"), *stage = cli_jget_str(t, "stage");
	const char	*goal = cli_jget_str(t, "goal"), *state = cli_jget_str(t, "state");
	const char	*a = json_string_value(json_array_get(names, 0));
	const char	*b = json_string_value(json_array_get(names, 1));
	double		 est = NAN, width = NAN, target = NAN;
	long long	 left, max = 0, n;
	int		 shift = kind != NULL && strcmp(kind, "shift") == 0;
	char		 w[128], e[32], *clean;

	cli_jget_real(t, "estimate", &est);
	cli_jget_real(t, "width", &width);
	cli_jget_real(t, "target", &target);
	cli_jget_int(t, "max_runs", &max);
	n = json_integer_value(json_array_get(runs, 0));
	targets_width(shift, goal, width, target, est, w, sizeof w);
	fmt_value(est, "s", shift, e, sizeof e);
	fputs(indent, f);
	if (shift)
		fprintf(f, "%s - %s: ", a != NULL ? a : "?", b != NULL ? b : "?");
	else
		fprintf(f, "%s: ", a != NULL ? a : "?");
	if (state != NULL && strcmp(state, "target") == 0)
		fprintf(f, "target met after %lld runs: ", n);
	else if (state != NULL && strcmp(state, "max_runs") == 0)
		fprintf(f, "max_runs (%lld) reached: ", max);
	clean = cli_clean(stage != NULL ? stage : "?", CLI_CLEAN_TABS);
	fprintf(f, "%s %s %s%s %s", clean, shift ? "shift" : "median", e, isnan(width) ? "," : "",
	    w);
	free(clean);
	if (state == NULL || strcmp(state, "running") == 0) {
		fprintf(f, ", %lld run%s%s", n, fmt_plural(n), shift ? " each" : "");
		if (cli_jget_int(t, "runs_left", &left))
			fprintf(f, ", about %lld more run%s", left, fmt_plural(left));
		fprintf(f, " (at most %lld)", max);
	}
	fputc('\n', f);
}

/* Whether a target concerns condition (NULL: every one does). */
static int
targets_of(json_t *t, const char *condition)
{
	json_t	*names = json_object_get(t, "conditions");

	for (size_t i = 0; condition != NULL && i < json_array_size(names); i++) {
		if (json_is_string(json_array_get(names, i)) &&
		    strcmp(json_string_value(json_array_get(names, i)), condition) == 0)
			return 1;
	}
	return condition == NULL;
}

/* The targets of a "targets" array as lines; see targets.h. */
char *
targets_lines(json_t *targets, const char *indent, const char *condition)
{
	char	*text = NULL;
	size_t	 size = 0;
	FILE	*f;

	if (!json_is_array(targets) || json_array_size(targets) == 0)
		return NULL;
	if ((f = open_memstream(&text, &size)) == NULL)
		fatal("open_memstream");
	for (size_t i = 0; i < json_array_size(targets); i++) {
		if (targets_of(json_array_get(targets, i), condition))
			targets_line(json_array_get(targets, i), indent, f);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (size == 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* status: "targets: ..." under "running: ...", for a plan with precision targets. */
void
targets_status(json_t *current)
{
	char	*lines;

	if (!json_is_object(current) ||
	    (lines = targets_lines(json_object_get(current, "targets"), "         ", NULL)) == NULL)
		return;
	/* The first line's indent gives way to the title, the others' line up under it. */
	fputs("targets:", stdout);
	fputs(lines + strlen("targets:"), stdout);
	free(lines);
}

/* Why a condition stopped, in one line without its end (NULL when it had no target); the caller frees it. */
char *
targets_stop_text(const struct db_plan *p, const char *condition)
{
	const struct db_stop	*s = db_plan_stop(p, condition);
	const char		*unit;
	double			 factor;
	int			 shift, decimals;
	char			 w[128], est[32], lo[32], hi[32], *clean, *text = NULL;
	size_t			 size = 0;
	FILE			*f;

	if (s == NULL)
		return NULL;
	if ((f = open_memstream(&text, &size)) == NULL)
		fatal("open_memstream");
	/* The interval's ends with two digits more than the median's three significant ones. */
	fmt_scale(isnan(s->estimate) ? 0 : fabs(s->estimate), "s", &factor, &unit, &decimals);
	shift = strcmp(s->kind, "shift") == 0;
	if (s->rule != NULL && strcmp(s->rule, "target") == 0)
		fprintf(f, "target met after %.0f runs: ", s->runs);
	else if (s->rule != NULL)
		fprintf(f, "max_runs (%.0f) reached, target not met: ", s->max_runs);
	else if (strcmp(p->state, "running") == 0 || strcmp(p->state, "queued") == 0)
		fprintf(f, "running under its target (%.0f runs so far): ", isnan(s->runs) ? 0 : s->runs);
	else
		fprintf(f, "not stopped by its target (the plan is %s): ", p->state);
	clean = cli_clean(s->stage, CLI_CLEAN_TABS);
	fmt_scaled(s->estimate, factor, decimals + 2, shift, est, sizeof est);
	if (shift)
		fprintf(f, "%s shift %s - %s %s %s ", clean, s->compare_a, s->compare_b, est, unit);
	else
		fprintf(f, "%s median %s %s ", clean, est, unit);
	free(clean);
	targets_width(shift, s->goal, s->width, s->target, s->estimate, w, sizeof w);
	fputs(w, f);
	if (!isnan(s->lo)) {
		fmt_scaled(s->lo, factor, decimals + 2, shift, lo, sizeof lo);
		fmt_scaled(s->hi, factor, decimals + 2, shift, hi, sizeof hi);
		fprintf(f, ", interval [%s, %s] %s (95%% over every look, each at %.1f%%)", lo, hi,
		    unit, 100 * s->look_level);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	return text;
}

/* summary: why a condition stopped, under its table's title. */
void
targets_summary(const struct db_plan *p, const char *condition)
{
	char	*text = targets_stop_text(p, condition);

	if (text != NULL)
		printf("  %s\n", text);
	free(text);
}

/* summary --json: a condition's target and stop. */
json_t *
targets_summary_json(const struct db_plan *p, const char *condition)
{
	const struct db_stop	*s = db_plan_stop(p, condition);
	json_t			*o;

	if (s == NULL)
		return json_null();
	o = cli_jcheck(json_object());
	cli_jset(o, "rule", cli_jstr(s->rule));
	cli_jset(o, "kind", json_string(s->kind));
	cli_jset(o, "stage", json_string(s->stage));
	cli_jset(o, "compare", s->compare_a != NULL ? json_pack("[ss]", s->compare_a,
	    s->compare_b != NULL ? s->compare_b : "") : json_null());
	cli_jset(o, "goal", json_string(s->goal));
	cli_jset(o, "min_runs", cli_jint(s->min_runs));
	cli_jset(o, "max_runs", cli_jint(s->max_runs));
	cli_jset(o, "runs", cli_jint(s->runs));
	cli_jset(o, "n", cli_jint(s->n));
	cli_jset(o, "estimate", cli_jreal(s->estimate));
	cli_jset(o, "lo", cli_jreal(s->lo));
	cli_jset(o, "hi", cli_jreal(s->hi));
	cli_jset(o, "width", cli_jreal(s->width));
	cli_jset(o, "target", cli_jreal(s->target));
	cli_jset(o, "look_level", cli_jreal(s->look_level));
	cli_jset(o, "stopped_at", cli_jreal(s->stopped_at));
	return o;
}
