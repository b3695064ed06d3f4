/*
 * watch.h: the watch screen of "benchctl watch" and "benchctl submit --wait":
 * benchd's events (run_started, stage, run_finished, plan_finished) shown as
 * one line each, or on a terminal as one progress line redrawn in place (the
 * plan, the run, a bar, the ETA, the stage, the last run), with a line of its
 * own above it for each run that went wrong.
 */
#ifndef BENCHD_WATCH_H
#define BENCHD_WATCH_H

#include <jansson.h>

struct watch;

/*
 * Start showing the events of plan plan_id, or of every plan when it is 0;
 * tty redraws one progress line. SIGINT, SIGTERM and SIGHUP (unless ignored)
 * end a half-drawn line before benchctl dies of them.
 */
struct watch	*watch_create(long long plan_id, int tty);
/*
 * Show one event. Returns the exit status once the watched plan has finished
 * (0 only if it is done with every run ok), else -1.
 */
int		 watch_event(struct watch *, json_t *ev);
/* End the progress line, if one is drawn, so that what follows starts a line of its own. */
void		 watch_end(void);
/* End the progress line and free the watch. */
void		 watch_free(struct watch *);

#endif
