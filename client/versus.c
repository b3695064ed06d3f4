/* versus.c: two plans against each other: stage by stage, a verdict each, and what differed between their runs. */
#include "versus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* The verdict on b against a: the interval of the shift decides. */
enum versus_verdict
versus_verdict(const struct stats_compare *c)
{
	if (c->na == 0 || c->nb == 0 || isnan(c->diff))
		return VERSUS_NONE;
	if (!c->has_ci)
		return VERSUS_SAME;
	if (c->ci_lo > 0)
		return VERSUS_SLOWER;
	if (c->ci_hi < 0)
		return VERSUS_FASTER;
	return VERSUS_SAME;
}

/* Each verdict's key (for JSON) and words, in enum versus_verdict's order. */
static const struct {
	const char	*key;
	const char	*name;
} versus_verdicts[] = {
	{ "none", "not compared" },
	{ "same", "no difference at this precision" },
	{ "faster", "faster" },
	{ "slower", "slower" },
};

/* The verdict in words. */
const char *
versus_verdict_name(enum versus_verdict v)
{
	return versus_verdicts[v].name;
}

/* The verdict as one word, for JSON. */
const char *
versus_verdict_key(enum versus_verdict v)
{
	return versus_verdicts[v].key;
}

/* "cold, warm": an analysis's condition names, for a message; the caller frees it. */
static char *
versus_cond_list(const struct analysis *a)
{
	char *list = xstrdup(""), *more;

	for (size_t c = 0; c < a->nconds; c++) {
		xasprintf(&more, "%s%s%s", list, c > 0 ? ", " : "", a->conds[c].name);
		free(list);
		list = more;
	}
	return list;
}

/* Say that plan p has no condition name, and which it has. */
static void
versus_no_cond(const struct analysis *a, const char *name, char **cause)
{
	char *list = versus_cond_list(a);

	xasprintf(cause, "plan %s has no condition \"%s\" (it has %s)", a->plan->ref, name,
	    *list != '\0' ? list : "none with runs");
	free(list);
}

/* Compare conditions ca of a and cb of b on every metric both have (or on stage alone). */
static void
versus_pair_add(struct versus *v, size_t ca, size_t cb, const char *stage)
{
	struct versus_pair *pair;

	v->pairs = xreallocarray(v->pairs, v->npairs + 1, sizeof *v->pairs);
	pair = &v->pairs[v->npairs++];
	memset(pair, 0, sizeof *pair);
	pair->ca = ca;
	pair->cb = cb;
	pair->metrics = xcalloc(v->a->nmetrics + 1, sizeof *pair->metrics);
	for (size_t ma = 0; ma < v->a->nmetrics; ma++) {
		const char *name = v->a->metrics[ma];
		const struct analysis_cell *x, *y;
		struct versus_metric *m;
		int mb = analysis_metric_index(v->b, name);

		if (mb == -1 || strcmp(v->a->units[ma], v->b->units[mb]) != 0 ||
		    (stage != NULL && strcmp(stage, name) != 0))
			continue;
		m = &pair->metrics[pair->nmetrics++];
		m->name = name;
		m->unit = v->a->units[ma];
		m->ma = ma;
		m->mb = (size_t)mb;
		x = &v->b->conds[cb].cells[mb];
		y = &v->a->conds[ca].cells[ma];
		stats_compare(x->values, x->n, y->values, y->n, &m->cmp);
		m->verdict = versus_verdict(&m->cmp);
		m->over = m->verdict == VERSUS_SLOWER && !isnan(v->fail_pct) &&
		    !isnan(m->cmp.rel) && m->cmp.rel * 100 > v->fail_pct;
		v->nover += m->over;
		v->nslower += m->verdict == VERSUS_SLOWER;
		v->nfaster += m->verdict == VERSUS_FASTER;
		v->nsame += m->verdict == VERSUS_SAME;
	}
}

/* The first run of the compared conditions of side a (which 0, else b) that f finds something in. */
static const struct db_run *
versus_run(const struct versus *v, int which, int (*f)(const struct db_run *))
{
	const struct analysis *a = which == 0 ? v->a : v->b;
	const struct db_plan *p = a->plan;

	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < v->npairs; k++) {
			size_t c = which == 0 ? v->pairs[k].ca : v->pairs[k].cb;

			if (strcmp(p->runs[i].condition, a->conds[c].name) == 0 && f(&p->runs[i]))
				return &p->runs[i];
		}
	}
	return NULL;
}

/* Whether a run printed its runtime info. */
static int
versus_has_info(const struct db_run *r)
{
	return r->ninfo > 0;
}

/* Whether a run was spawned (its CPUs and governor were seen). */
static int
versus_spawned(const struct db_run *r)
{
	return !isnan(r->spawned_at);
}

/* "alpha (machine-id 0123abcd...)" for each machine a plan ran on; NULL when unknown. */
static char *
versus_machine(const struct db_plan *p)
{
	char *s = NULL, *more;

	for (size_t i = 0; i < p->nhosts; i++) {
		const struct db_host *h = &p->hosts[i];

		xasprintf(&more, "%s%s%s%s%.8s%s", s != NULL ? s : "", s != NULL ? ", " : "",
		    h->host != NULL && *h->host != '\0' ? h->host : "a host without a name",
		    h->machine_id != NULL ? " (machine-id " : "",
		    h->machine_id != NULL ? h->machine_id : "",
		    h->machine_id != NULL ? "...)" : "");
		free(s);
		s = more;
	}
	return s;
}

/*
 * Whether two plans ran on the same machines: by machine-id where both
 * sides know it, else by host name; -1 when a side does not know.
 */
static int
versus_same_machine(const struct db_plan *a, const struct db_plan *b)
{
	if (a->nhosts == 0 || b->nhosts == 0)
		return -1;
	if (a->nhosts != b->nhosts)
		return 0;
	for (size_t i = 0; i < a->nhosts; i++) {
		const struct db_host *x = &a->hosts[i], *y = &b->hosts[i];

		if (x->machine_id != NULL && y->machine_id != NULL) {
			if (strcmp(x->machine_id, y->machine_id) != 0)
				return 0;
		} else if (x->host == NULL || y->host == NULL || strcmp(x->host, y->host) != 0)
			return 0;
	}
	return 1;
}

/* Note that what differed, when both sides know it and they differ; takes over a and b. */
static void
versus_diff(struct versus *v, const char *what, char *a, char *b)
{
	struct versus_diff *d;

	if (a == NULL || b == NULL || strcmp(a, b) == 0) {
		free(a);
		free(b);
		return;
	}
	v->diffs = xreallocarray(v->diffs, v->ndiffs + 1, sizeof *v->diffs);
	d = &v->diffs[v->ndiffs++];
	d->what = what;
	d->a = a;
	d->b = b;
}

/* A copy of s, or NULL. */
static char *
versus_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* What differed between the two sides' runs: machine, runtime info, CPUs, governor. */
static void
versus_diffs(struct versus *v)
{
	const struct db_run *ia = versus_run(v, 0, versus_has_info);
	const struct db_run *ib = versus_run(v, 1, versus_has_info);
	const struct db_run *sa = versus_run(v, 0, versus_spawned);
	const struct db_run *sb = versus_run(v, 1, versus_spawned);

	if (versus_same_machine(v->a->plan, v->b->plan) == 0)
		versus_diff(v, "machine", versus_machine(v->a->plan), versus_machine(v->b->plan));
	for (size_t k = 0; ia != NULL && ib != NULL && k < ANALYSIS_NINFO_KEYS; k++) {
		versus_diff(v, analysis_info_keys[k],
		    versus_dup(db_run_info(ia, analysis_info_keys[k])),
		    versus_dup(db_run_info(ib, analysis_info_keys[k])));
	}
	if (sa != NULL && sb != NULL) {
		versus_diff(v, "cpus", xstrdup(sa->cpus != NULL ? sa->cpus : "not pinned"),
		    xstrdup(sb->cpus != NULL ? sb->cpus : "not pinned"));
		versus_diff(v, "governor", versus_dup(sa->cpu_governor),
		    versus_dup(sb->cpu_governor));
	}
}

/* Compare plan b against plan a. */
struct versus *
versus_create(const struct analysis *a, const char *cond_a, const struct analysis *b,
    const char *cond_b, const char *stage, double fail_pct, char **cause)
{
	struct versus *v = xcalloc(1, sizeof *v);
	const struct analysis *lacks = NULL;
	int ca, cb;

	v->a = a;
	v->b = b;
	v->fail_pct = fail_pct;
	if (stage != NULL)
		lacks = analysis_metric_index(a, stage) == -1 ? a : analysis_metric_index(b, stage) == -1 ? b : NULL;
	if (lacks != NULL) {
		xasprintf(cause, "plan %s has no stage \"%s\" to compare (\"benchctl summary "
		    "%s\" lists its stages)", lacks->plan->ref, stage, lacks->plan->ref);
		goto fail;
	}
	if (cond_a != NULL || cond_b != NULL) {
		const char *na = cond_a != NULL ? cond_a : cond_b;
		const char *nb = cond_b != NULL ? cond_b : cond_a;

		if ((ca = analysis_cond_index(a, na)) == -1) {
			versus_no_cond(a, na, cause);
			goto fail;
		}
		if ((cb = analysis_cond_index(b, nb)) == -1) {
			versus_no_cond(b, nb, cause);
			goto fail;
		}
		versus_pair_add(v, (size_t)ca, (size_t)cb, stage);
	} else {
		for (size_t c = 0; c < a->nconds; c++) {
			if ((cb = analysis_cond_index(b, a->conds[c].name)) != -1)
				versus_pair_add(v, c, (size_t)cb, stage);
		}
		if (v->npairs == 0) {
			char *la = versus_cond_list(a), *lb = versus_cond_list(b);

			xasprintf(cause, "plans %s (%s) and %s (%s) share no condition name; "
			    "name the two to compare: benchctl compare %s:%s %s:%s",
			    a->plan->ref, *la != '\0' ? la : "no runs", b->plan->ref,
			    *lb != '\0' ? lb : "no runs", a->plan->ref,
			    a->nconds > 0 ? a->conds[0].name : "COND", b->plan->ref,
			    b->nconds > 0 ? b->conds[0].name : "COND");
			free(la);
			free(lb);
			goto fail;
		}
	}
	versus_diffs(v);
	return v;
fail:
	versus_free(v);
	return NULL;
}

/* Free a comparison (not its analyses). */
void
versus_free(struct versus *v)
{
	if (v == NULL)
		return;
	for (size_t k = 0; k < v->npairs; k++)
		free(v->pairs[k].metrics);
	free(v->pairs);
	for (size_t i = 0; i < v->ndiffs; i++) {
		free(v->diffs[i].a);
		free(v->diffs[i].b);
	}
	free(v->diffs);
	free(v);
}
