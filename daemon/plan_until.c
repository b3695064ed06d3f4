/* plan_until.c: a plan's precision targets (until:), checked into struct plan_target with each mistake's place and fix. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "plan_node.h"
#include "xmalloc.h"

#define UNTIL_STAGE_MAX		64	/* characters of a stage name */
#define UNTIL_PERCENT_MAX	100.0	/* within: less than this many percent */
#define UNTIL_SECONDS_MAX	3600.0	/* within: at most an hour */

#define UNTIL_EXAMPLE		"{stage: import_torch, within: 2%%, min_runs: 5, max_runs: 60}"
#define UNTIL_EXAMPLE_COMPARE	"{compare: [cold, warm], stage: import_torch, narrower_than: 20ms}"
#define UNTIL_EXAMPLE_WIDTH	"like 2%%, 20ms or 0.05s"

/* The keys of an until: mapping. */
enum until_key { U_STAGE, U_WITHIN, U_NARROWER, U_COMPARE, U_MIN_RUNS, U_MAX_RUNS, U_COUNT };

static const char *const until_key_names[U_COUNT] = {
	"stage", "within", "narrower_than", "compare", "min_runs", "max_runs"
};

/* One until: mapping as read: its keys, and the target they make when all is well. */
struct until {
	const struct node	*map;
	const struct node	*key[U_COUNT];	/* NULL when absent */
	const struct node	*val[U_COUNT];
	int			 typo[U_COUNT];	/* an unknown key was taken for it */
	int			 ok;		/* no mistake in it */
	struct plan_target	 t;		/* min_runs and max_runs 0 when not given */
};

/* The keys allowed at one level, "stage, within, ...", for a message. */
static void
until_keys_list(int top, char *buf, size_t size)
{
	size_t	n = 0;

	buf[0] = '\0';
	for (int k = 0; k < U_COUNT; k++) {
		if (!top && (k == U_NARROWER || k == U_COMPARE))
			continue;
		n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "%s%s", n > 0 ? ", " : "",
		    until_key_names[k]);
	}
}

/* Report a key an until: does not know, with the closest known one, which it returns (or -1). */
static int
until_unknown(struct plan_parse *pp, const struct node *k, int top)
{
	char	buf[PLAN_DESC_SIZE], list[128];
	size_t	best = SIZE_MAX, bestd = SIZE_MAX, d;

	plan_node_desc(k, buf, sizeof buf);
	for (int i = 0; i < U_COUNT && k->type == NODE_SCALAR &&
	    memchr(k->value, '\0', k->len) == NULL; i++) {
		d = plan_node_distance(k->value, until_key_names[i]);
		if (d <= (k->len <= 4 ? 1 : 2) && d < bestd) {
			bestd = d;
			best = (size_t)i;
		}
	}
	if (best != SIZE_MAX && (top || (best != U_NARROWER && best != U_COMPARE))) {
		plan_node_error(pp, k, "until: unknown key %s; did you mean \"%s\"?", buf,
		    until_key_names[best]);
		return (int)best;
	}
	until_keys_list(top, list, sizeof list);
	plan_node_error(pp, k, "until: unknown key %s; valid keys here are %s", buf, list);
	return -1;
}

/* Read the keys of an until: mapping into u, reporting unknown, duplicate and misplaced ones. */
static void
until_fields(struct plan_parse *pp, struct until *u, int top)
{
	const struct node	*k;
	char			 buf[PLAN_DESC_SIZE];
	int			 key, typo;

	for (size_t i = 0; i + 1 < u->map->nkids; i += 2) {
		k = u->map->kids[i];
		if (k->type == NODE_BAD) {
			u->ok = 0;
			continue;
		}
		for (key = 0; key < U_COUNT; key++) {
			if (k->type == NODE_SCALAR && strlen(until_key_names[key]) == k->len &&
			    memcmp(until_key_names[key], k->value, k->len) == 0)
				break;
		}
		if (key == U_COUNT) {
			if (k->type != NODE_SCALAR || k->empty)
				plan_node_error(pp, k, "until: expected a key name, like stage or "
				    "within (got %s)", plan_node_desc(k, buf, sizeof buf));
			else if ((typo = until_unknown(pp, k, top)) >= 0)
				u->typo[typo] = 1;	/* a likely typo: not also missing */
			u->ok = 0;
			continue;
		}
		if (!top && key == U_COMPARE) {
			plan_node_error(pp, k, "compare: only in the plan's until, at the top "
			    "level: it compares two conditions, like until: "
			    UNTIL_EXAMPLE_COMPARE);
			u->ok = 0;
			continue;
		}
		if (!top && key == U_NARROWER) {
			plan_node_error(pp, k, "narrower_than: only with compare, in the plan's "
			    "until; a condition's median takes within, like within: 2%%");
			u->typo[U_WITHIN] = 1;	/* within is missing, and that says so */
			u->ok = 0;
			continue;
		}
		if (u->key[key] != NULL) {
			plan_node_error(pp, k, "duplicate key \"%s\" in until (first at line "
			    "%zu); keep one", until_key_names[key], u->key[key]->line);
			u->ok = 0;
			continue;
		}
		u->key[key] = k;
		u->val[key] = u->map->kids[i + 1]->type == NODE_BAD ? NULL : u->map->kids[i + 1];
		if (u->val[key] == NULL)
			u->ok = 0;
	}
}

/* Check a stage name: letters, digits and '_', as benchd names the stages it reads. */
static int
until_stage(struct plan_parse *pp, const struct node *n)
{
	char	buf[PLAN_DESC_SIZE];
	size_t	i;
	int	c;

	if (n->type == NODE_SCALAR && n->len >= 1 && n->len <= UNTIL_STAGE_MAX) {
		for (i = 0; i < n->len; i++) {
			c = (unsigned char)n->value[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_'))
				break;
		}
		if (i == n->len)
			return 0;
	}
	plan_node_error(pp, n, "stage: expected a stage's name, like import_torch, "
	    "model_loaded or total (got %s)", plan_node_desc(n, buf, sizeof buf));
	return -1;
}

/*
 * Read a width: a number, then %, ms or s ("2%", "2.5 %", "20ms", "0.05s").
 * Sets *width (seconds, or a fraction when *relative) and returns 0, or
 * reports the mistake and returns -1.
 */
static int
until_width(struct plan_parse *pp, const char *key, const struct node *n, double *width,
    int *relative)
{
	char	 buf[PLAN_DESC_SIZE], *end;
	double	 v;
	size_t	 i = 0;

	if (n->type != NODE_SCALAR || n->len == 0 || memchr(n->value, '\0', n->len) != NULL)
		goto fail;
	while (i < n->len && ((n->value[i] >= '0' && n->value[i] <= '9') || n->value[i] == '.'))
		i++;
	if (i == 0)
		goto fail;
	v = strtod(n->value, &end);
	if (end != n->value + i || !isfinite(v))
		goto fail;
	while (i < n->len && n->value[i] == ' ')
		i++;
	if (strcmp(n->value + i, "%") == 0) {
		if (!(v > 0 && v < UNTIL_PERCENT_MAX)) {
			plan_node_error(pp, n, "%s: %s is no width; give a percentage above 0 "
			    "and below %.0f, like 2%%", key, plan_node_desc(n, buf, sizeof buf),
			    UNTIL_PERCENT_MAX);
			return -1;
		}
		*width = v / 100;
		*relative = 1;
		return 0;
	}
	if (strcmp(n->value + i, "ms") == 0)
		v /= 1e3;
	else if (strcmp(n->value + i, "s") != 0) {
		if (i == n->len) {
			plan_node_error(pp, n, "%s: %s has no unit; give %% of the median, ms or "
			    "s, " UNTIL_EXAMPLE_WIDTH, key, plan_node_desc(n, buf, sizeof buf));
			return -1;
		}
		goto fail;
	}
	if (!(v > 0 && v <= UNTIL_SECONDS_MAX)) {
		plan_node_error(pp, n, "%s: %s is no width; give more than 0 and at most %.0f s, "
		    UNTIL_EXAMPLE_WIDTH, key, plan_node_desc(n, buf, sizeof buf),
		    UNTIL_SECONDS_MAX);
		return -1;
	}
	*width = v;
	*relative = 0;
	return 0;

fail:
	plan_node_error(pp, n, "%s: expected a width, " UNTIL_EXAMPLE_WIDTH " (got %s)", key,
	    plan_node_desc(n, buf, sizeof buf));
	return -1;
}

/* The index of the condition named like n, or SIZE_MAX. */
static size_t
until_cond(const struct plan *pl, const struct node *n)
{
	for (size_t i = 0; i < pl->nconds; i++) {
		if (pl->conds[i].name != NULL && n->type == NODE_SCALAR &&
		    strlen(pl->conds[i].name) == n->len &&
		    memcmp(pl->conds[i].name, n->value, n->len) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Check compare: two different conditions of the plan, by name. */
static int
until_compare(struct plan_parse *pp, const struct plan *pl, const struct node *n,
    struct plan_target *t)
{
	char	buf[PLAN_DESC_SIZE], names[256] = "";
	size_t	len = 0, idx[2];

	if (n->type != NODE_LIST || n->nkids != 2 || n->kids[0]->type != NODE_SCALAR ||
	    n->kids[1]->type != NODE_SCALAR) {
		plan_node_error(pp, n, "compare: expected two condition names, like [cold, warm] "
		    "(got %s)", plan_node_desc(n, buf, sizeof buf));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if ((idx[i] = until_cond(pl, n->kids[i])) != SIZE_MAX)
			continue;
		for (size_t c = 0; c < pl->nconds; c++) {
			if (pl->conds[c].name != NULL)
				len += (size_t)snprintf(names + len, len < sizeof names ?
				    sizeof names - len : 0, "%s%s", len > 0 ? ", " : "",
				    pl->conds[c].name);
		}
		plan_node_error(pp, n->kids[i], "compare: no condition is named %s; the plan's "
		    "are %s", plan_node_desc(n->kids[i], buf, sizeof buf), names);
		return -1;
	}
	if (idx[0] == idx[1]) {
		plan_node_error(pp, n->kids[1], "compare: %s is compared with itself; name two "
		    "different conditions, like [cold, warm]", plan_node_desc(n->kids[1], buf,
		    sizeof buf));
		return -1;
	}
	t->a = idx[0];
	t->b = idx[1];
	return 0;
}

/* The goal as the plan wrote it, for the record: "within 2%", "narrower than 20ms". */
static char *
until_goal(const struct node *n, int shift)
{
	char	*s;

	xasprintf(&s, "%s %.*s", shift ? "narrower than" : "within", (int)n->len, n->value);
	return s;
}

/*
 * Read one until: (the plan's when top) into u: its keys, each value, and
 * what is missing. u->ok tells whether it makes a target.
 */
static void
until_read(struct plan_parse *pp, const struct plan *pl, const struct node *val, int top,
    struct until *u)
{
	char	buf[PLAN_DESC_SIZE];
	int	shift;

	memset(u, 0, sizeof *u);
	u->map = val;
	if (val == NULL)
		return;
	if (val->type != NODE_MAP) {
		plan_node_error(pp, val, "until: expected a mapping, like until: " UNTIL_EXAMPLE
		    " (got %s)", plan_node_desc(val, buf, sizeof buf));
		return;
	}
	u->ok = 1;
	until_fields(pp, u, top);
	shift = u->key[U_COMPARE] != NULL;
	u->t.kind = shift ? PLAN_TARGET_SHIFT : PLAN_TARGET_MEDIAN;

	if (u->key[U_STAGE] == NULL) {
		if (!u->typo[U_STAGE])
			plan_node_error(pp, val, "until: missing required key \"stage\"; add the "
			    "stage whose %s decides, like stage: import_torch", shift ? "shift" :
			    "median");
		u->ok = 0;
	} else if (u->val[U_STAGE] != NULL && until_stage(pp, u->val[U_STAGE]) != 0)
		u->ok = 0;

	if (shift && u->val[U_COMPARE] != NULL && until_compare(pp, pl, u->val[U_COMPARE],
	    &u->t) != 0)
		u->ok = 0;
	if (shift && u->key[U_WITHIN] != NULL) {
		plan_node_error(pp, u->key[U_WITHIN], "within: with compare, the target is the "
		    "width of the shift's interval; give narrower_than instead, like "
		    "narrower_than: 20ms");
		u->ok = 0;
	} else if (!shift && u->key[U_NARROWER] != NULL) {
		plan_node_error(pp, u->key[U_NARROWER], "narrower_than: only with compare (the "
		    "shift between two conditions, like compare: [cold, warm]); for each "
		    "condition's median give within, like within: 2%%");
		u->ok = 0;
	} else if (u->key[shift ? U_NARROWER : U_WITHIN] == NULL) {
		if (u->typo[shift ? U_NARROWER : U_WITHIN])
			;
		else if (shift)
			plan_node_error(pp, val, "until: missing required key \"narrower_than\"; "
			    "add how narrow the shift's 95%% interval must get, like "
			    "narrower_than: 20ms");
		else
			plan_node_error(pp, val, "until: missing required key \"within\"; add how "
			    "close to its median the median's 95%% interval must get, like "
			    "within: 2%% or within: 50ms");
		u->ok = 0;
	} else if (u->val[shift ? U_NARROWER : U_WITHIN] != NULL &&
	    until_width(pp, shift ? "narrower_than" : "within", u->val[shift ? U_NARROWER :
	    U_WITHIN], &u->t.width, &u->t.relative) != 0)
		u->ok = 0;

	if (u->val[U_MIN_RUNS] != NULL && plan_node_int(pp, "min_runs", u->val[U_MIN_RUNS], 1,
	    PLAN_UNTIL_RUNS_MOST, &u->t.min_runs) != 0)
		u->ok = 0;
	if (u->val[U_MAX_RUNS] != NULL && plan_node_int(pp, "max_runs", u->val[U_MAX_RUNS],
	    PLAN_UNTIL_RUNS_LEAST, PLAN_UNTIL_RUNS_MOST, &u->t.max_runs) != 0)
		u->ok = 0;
	if (u->t.min_runs > 0 && u->t.min_runs > (u->t.max_runs > 0 ? u->t.max_runs :
	    PLAN_UNTIL_MAX_RUNS)) {
		plan_node_error(pp, u->val[U_MIN_RUNS], "min_runs: %d is more than max_runs "
		    "(%d%s); the target is looked at from min_runs on and stops at max_runs",
		    u->t.min_runs, u->t.max_runs > 0 ? u->t.max_runs : PLAN_UNTIL_MAX_RUNS,
		    u->t.max_runs > 0 ? "" : ", the default");
		u->ok = 0;
	}
	if (u->ok) {
		u->t.stage = xstrndup(u->val[U_STAGE]->value, u->val[U_STAGE]->len);
		u->t.goal = until_goal(u->val[shift ? U_NARROWER : U_WITHIN], shift);
	}
}

/* Add a target to the plan (taking its strings); returns its index. */
static int
until_add(struct plan *pl, const struct plan_target *t)
{
	pl->targets = xreallocarray(pl->targets, pl->ntargets + 1, sizeof *pl->targets);
	pl->targets[pl->ntargets] = *t;
	if (pl->targets[pl->ntargets].min_runs == 0)
		pl->targets[pl->ntargets].min_runs = PLAN_UNTIL_MIN_RUNS;
	if (pl->targets[pl->ntargets].max_runs == 0)
		pl->targets[pl->ntargets].max_runs = PLAN_UNTIL_MAX_RUNS;
	return (int)pl->ntargets++;
}

/*
 * Give condition i the target t: its runs become the target's least (or its
 * own runs:, which only the plan's until: leaves it), its max_runs the most.
 */
static void
until_assign(struct plan_parse *pp, struct plan *pl, size_t i, const struct plan_until_in *in,
    int target, const struct until *from, int own)
{
	struct plan_condition	*c = &pl->conds[i];
	const struct plan_target *t = &pl->targets[target];

	/* A warming sequence's later runs are its curve, not one figure a target could stop on. */
	if (c->then > 0) {
		plan_node_error(pp, in->key != NULL ? in->key : in->map, "until: not with then (a "
		    "warming sequence, whose later runs are its curve, not one figure to stop on); "
		    "give this condition runs: instead");
		return;
	}
	c->target = target;
	c->max_runs = t->max_runs;
	if (in->runs == NULL) {
		c->runs = t->min_runs;
		return;
	}
	/* runs: beside an until: is the least number of runs, unless the until gives it too. */
	if (own && from->key[U_MIN_RUNS] != NULL) {
		plan_node_error(pp, in->runs, "runs: with until, runs is the least number of runs, "
		    "and this until gives min_runs too (line %zu); keep one",
		    from->key[U_MIN_RUNS]->line);
		return;
	}
	if (c->runs > c->max_runs)
		plan_node_error(pp, in->runs, "runs: %d is more than the until's max_runs (%d); "
		    "with until, runs is the least number of runs", c->runs, c->max_runs);
}

/* Check every until: of the plan into its targets; see plan_node.h. */
void
plan_until(struct plan_parse *pp, struct plan *pl, const struct node *key, const struct node *val,
    const struct plan_until_in *in)
{
	struct until	 top, own;
	int		 compare = -1, target;

	until_read(pp, pl, val, 1, &top);
	if (top.ok && top.t.kind == PLAN_TARGET_SHIFT) {
		compare = until_add(pl, &top.t);
		pl->conds[top.t.a].target = pl->conds[top.t.b].target = compare;
	}
	for (size_t i = 0; i < pl->nconds; i++) {
		if (in[i].map == NULL)
			continue;
		until_read(pp, pl, in[i].val, 0, &own);
		if (in[i].key != NULL && compare >= 0 && (top.t.a == i || top.t.b == i)) {
			plan_node_error(pp, in[i].key, "until: condition %s is compared by the plan's "
			    "until (line %zu), and a condition has one target; remove this until "
			    "or the plan's", pl->conds[i].name != NULL ? pl->conds[i].name : "?",
			    key->line);
			free(own.t.stage);
			free(own.t.goal);
			continue;
		}
		if (own.ok) {
			own.t.a = own.t.b = i;
			target = until_add(pl, &own.t);
			until_assign(pp, pl, i, &in[i], target, &own, 1);
		} else if (in[i].key != NULL) {
			continue;	/* its until: was wrong, and said so */
		} else if (compare >= 0 && (top.t.a == i || top.t.b == i)) {
			until_assign(pp, pl, i, &in[i], compare, &top, 0);
		} else if (top.ok && top.t.kind == PLAN_TARGET_MEDIAN) {
			/* The plan's until: is every condition's: a target each, of its own median. */
			struct plan_target t = top.t;

			t.stage = xstrdup(top.t.stage);
			t.goal = xstrdup(top.t.goal);
			t.a = t.b = i;
			target = until_add(pl, &t);
			until_assign(pp, pl, i, &in[i], target, &top, 0);
		} else if (in[i].runs == NULL && !in[i].runs_typo && val != NULL && top.ok) {
			plan_node_error(pp, in[i].map, "missing required key \"runs\"; add the "
			    "number of measured runs, like runs: 10");
		}
	}
	/* The plan's median target was copied into each condition's: its strings go. */
	if (top.ok && top.t.kind == PLAN_TARGET_MEDIAN) {
		free(top.t.stage);
		free(top.t.goal);
	}
}

/* Free a plan's targets. */
void
plan_until_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->ntargets; i++) {
		free(pl->targets[i].stage);
		free(pl->targets[i].goal);
	}
	free(pl->targets);
	pl->targets = NULL;
	pl->ntargets = 0;
}
