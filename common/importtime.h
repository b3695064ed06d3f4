/*
 * importtime.h: python -X importtime's report, read from a run's stderr:
 * one entry per "import time:" line, with the module, its nesting and its
 * self and cumulative times. Pure: text in, entries out.
 */
#ifndef BENCHD_IMPORTTIME_H
#define BENCHD_IMPORTTIME_H

#include <stddef.h>
#include <stdint.h>

/* One module import, as python printed it. */
struct importtime_entry {
	char	*module;	/* "torch._C" */
	int	 depth;		/* 0 for what the program imported itself, 1 for what that imported, ... */
	int64_t	 self_us;	/* microseconds in this module alone */
	int64_t	 cumulative_us;	/* with everything it imported */
};

/*
 * The entries of every "import time: SELF | CUMULATIVE | MODULE" line in
 * text, in order (the header and every other line are skipped). Returns
 * them (free with importtime_free()) and their count in *n; NULL when none.
 * At most IMPORTTIME_MAX entries are kept.
 */
#define IMPORTTIME_MAX	100000
struct importtime_entry	*importtime_parse(const char *text, size_t len, size_t *n);
void			 importtime_free(struct importtime_entry *, size_t n);

#endif
