/*
 * stagelog.h: a streaming parser for the stage-timestamped stdout of benchmark
 * scripts (the user's benchmark.py format); bytes in, stages/metrics/info out.
 *
 * Pure: no I/O, no loop. Feed chunks as they arrive, split anywhere; call
 * stagelog_finish() at EOF to take a last line that has no newline.
 */
#ifndef BENCHD_STAGELOG_H
#define BENCHD_STAGELOG_H

#include <stddef.h>

/* Longest line kept; the rest of a longer line is dropped (and counted). */
#define STAGELOG_LINE_MAX (64 * 1024)

/* A stage, in seconds from the child's own t=0 (its "[0.000s]" line). */
struct stagelog_stage {
	char	*name;		/* "import_torch", "model_loaded", "warmup", "inference" */
	double	 start_s;
	double	 end_s;
	double	 duration_s;
};

/* A number the script reported: "iters", "avg_latency_ms", "p50_latency_ms", ... */
struct stagelog_metric {
	char	*name;
	double	 value;
	char	*unit;		/* "ms", "count", ... */
};

/* One "key: value" line of the "=== Runtime Info ===" block. */
struct stagelog_info {
	char	*key;
	char	*value;
};

/* One "[T s] text" line, in the order printed. */
struct stagelog_event {
	double	 t_s;
	char	*text;
};

/* Everything seen so far; valid until the next feed/finish/free. */
struct stagelog_result {
	int			 has_start_time;
	double			 start_time;	/* "start time: <unix seconds>" */

	struct stagelog_stage	*stages;
	size_t			 nstages;
	struct stagelog_metric	*metrics;
	size_t			 nmetrics;
	struct stagelog_info	*info;
	size_t			 ninfo;
	struct stagelog_event	*events;
	size_t			 nevents;

	size_t			 lines;		/* complete lines seen */
	size_t			 long_lines;	/* lines cut at STAGELOG_LINE_MAX */
	size_t			 dropped;	/* events, stages, metrics, info past the caps */
};

struct stagelog;

struct stagelog			*stagelog_create(void);
void				 stagelog_free(struct stagelog *);
void				 stagelog_feed(struct stagelog *, const char *, size_t);
void				 stagelog_finish(struct stagelog *);
const struct stagelog_result	*stagelog_result(const struct stagelog *);

/* The stage the script is in now: label of the last event, or NULL. */
const char			*stagelog_current(const struct stagelog *);

#endif
