/*
 * versus.h: two plans against each other, as "benchctl compare" shows them:
 * plan b (the new one) against plan a (the reference), condition by
 * condition and stage by stage: the shift of b from a with its interval, a
 * verdict for each stage, whether it is slower than a threshold allows, and
 * what differed between the two runs' machines and interpreters.
 *
 * Pure: it reads two analyses already made (analysis.h), opens nothing and
 * prints nothing.
 */
#ifndef BENCHD_VERSUS_H
#define BENCHD_VERSUS_H

#include <stddef.h>

#include "analysis.h"
#include "stats.h"

/* What the runs say of a stage of b against a. */
enum versus_verdict {
	VERSUS_NONE,		/* nothing to compare: a side has no ok run with it */
	VERSUS_SAME,		/* the 95% interval of the shift holds 0, or there is none */
	VERSUS_FASTER,		/* the whole interval is below 0 */
	VERSUS_SLOWER,		/* the whole interval is above 0 */
};

/* One stage (or avg_latency_ms) compared: b against a. */
struct versus_metric {
	const char		*name;
	const char		*unit;
	size_t			 ma;		/* its index in each side's analysis */
	size_t			 mb;
	/*
	 * b's values against a's: median_a is b's median, median_b a's, diff
	 * b's minus a's, rel diff over a's median, the interval that of the
	 * shift of b from a (stats_compare(b, a)).
	 */
	struct stats_compare	 cmp;
	enum versus_verdict	 verdict;
	int			 over;		/* slower by more than the threshold */
};

/* One condition of a compared with one of b. */
struct versus_pair {
	size_t			 ca;		/* index in each side's analysis */
	size_t			 cb;
	struct versus_metric	*metrics;
	size_t			 nmetrics;
};

/* Something that differed between the two plans' runs: the machine, the interpreter, ... */
struct versus_diff {
	const char		*what;		/* "machine", "python", "torch", "platform", "cpus", "governor" */
	char			*a;
	char			*b;
};

/* The two plans compared. */
struct versus {
	const struct analysis	*a;		/* the reference */
	const struct analysis	*b;
	struct versus_pair	*pairs;
	size_t			 npairs;
	struct versus_diff	*diffs;
	size_t			 ndiffs;
	double			 fail_pct;	/* the threshold, NaN for none */
	size_t			 nover;		/* stages slower by more than fail_pct */
	size_t			 nslower;
	size_t			 nfaster;
	size_t			 nsame;		/* the rest but VERSUS_NONE */
};

/*
 * Compare plan b against plan a. cond_a and cond_b name the conditions to
 * compare; with one of them NULL it is the other's name, with both NULL every
 * condition name the two plans share, in a's order. stage, when not NULL,
 * limits the comparison to that stage. A stage is over the threshold fail_pct
 * (NaN: none) when it is VERSUS_SLOWER and b's median is more than fail_pct
 * percent above a's. Returns NULL with *cause (a sentence naming the fix) when
 * a condition or the stage is not there or the plans share no condition.
 */
struct versus	*versus_create(const struct analysis *a, const char *cond_a,
		    const struct analysis *b, const char *cond_b, const char *stage,
		    double fail_pct, char **cause);
void		 versus_free(struct versus *);

/* The verdict on a comparison of b against a (see enum versus_verdict). */
enum versus_verdict versus_verdict(const struct stats_compare *);
/* The verdict in words: "slower", "faster", "no difference at this precision", "not compared". */
const char	*versus_verdict_name(enum versus_verdict);
/* The verdict as one word, for JSON: "slower", "faster", "same", "none". */
const char	*versus_verdict_key(enum versus_verdict);

#endif
