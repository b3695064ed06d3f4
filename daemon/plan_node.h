/*
 * plan_node.h: what plan.c shares with the files that check parts of a plan
 * for it (plan_until.c): the YAML tree it reads and its error reporting.
 * Private to the plan module: nothing outside daemon/plan*.c includes it.
 */
#ifndef BENCHD_PLAN_NODE_H
#define BENCHD_PLAN_NODE_H

#include <stddef.h>

struct plan;

#define PLAN_QUOTE_MAX		40	/* bytes of a value quoted in a message */
#define PLAN_DESC_SIZE		(PLAN_QUOTE_MAX * 4 + 16)

/* A YAML node, read from libyaml's events into a small tree. */
enum node_type { NODE_SCALAR, NODE_LIST, NODE_MAP, NODE_BAD };

struct node {
	enum node_type	  type;
	size_t		  line;		/* 1-based */
	size_t		  col;		/* 1-based */
	char		 *value;	/* scalars: the text, NUL-terminated */
	size_t		  len;
	int		  empty;	/* a plain scalar with no text: YAML's null */
	struct node	**kids;		/* lists: items; maps: key, value, ... */
	size_t		  nkids;
	size_t		  cap;
};

/* The state of one plan_parse call (plan.c). */
struct plan_parse;

/* Record an error at the start of a node: "PATH:LINE:COL: message" in the cause. */
void		 plan_node_error(struct plan_parse *, const struct node *, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* What a node holds, for the "(got ...)" part of a message; buf needs PLAN_DESC_SIZE bytes. */
const char	*plan_node_desc(const struct node *, char *buf, size_t size);
/* Read a decimal integer from min to max, or report "KEY: expected an integer ..." and return -1. */
int		 plan_node_int(struct plan_parse *, const char *key, const struct node *, int min,
		    int max, int *out);
/* Edit distance with transpositions, for "did you mean" (SIZE_MAX past 32 characters). */
size_t		 plan_node_distance(const char *, const char *);

/* A condition's part in its until: (plan_until.c), from plan.c's reading of its keys. */
struct plan_until_in {
	const struct node	*map;		/* the condition's mapping, NULL when it is not one */
	const struct node	*key;		/* its until: key, NULL when absent */
	const struct node	*val;		/* and value (NULL when absent or an alias) */
	const struct node	*runs;		/* its runs: key, NULL when absent */
	int			 runs_typo;	/* an unknown key was taken for runs: */
};

/*
 * Check the plan's until: (key and val, NULL when absent) and each
 * condition's (in[0..pl->nconds-1]) into pl->targets, and set each
 * condition's runs (its least, with a target), max_runs and target. Every
 * mistake is reported at its place.
 */
void		 plan_until(struct plan_parse *, struct plan *, const struct node *key,
		    const struct node *val, const struct plan_until_in *in);
/* Free what plan_until() put in a plan. */
void		 plan_until_free(struct plan *);

#endif
