/*
 * watch.h: the watch screen of "benchctl watch" and "benchctl submit --wait":
 * benchd's events (run_started, stage, run_finished, plan_finished). Off a
 * terminal (a file, CI, nohup), one line per run when it ends: its seq,
 * condition, kind and state, its main stage, its total and the share of its
 * footprint cached before it. On a terminal, one progress line redrawn in
 * place (the plan, the run, a bar, the ETA, the stage, the last run), with a
 * line of its own above it for each run that went wrong. WATCH_VERBOSE adds a
 * line for each start and stage; WATCH_QUIET shows no run at all.
 */
#ifndef BENCHD_WATCH_H
#define BENCHD_WATCH_H

#include <jansson.h>

struct watch;

/* How much a watch shows. */
enum watch_level {
	WATCH_QUIET,		/* no run: the plan's end only */
	WATCH_NORMAL,		/* a line per run (on a terminal, the progress line) */
	WATCH_VERBOSE,		/* and a line per start and stage */
};

/*
 * Start showing the events of plan plan_id, or of every plan when it is 0;
 * tty redraws one progress line. SIGINT, SIGTERM and SIGHUP (unless ignored)
 * end a half-drawn line before benchctl dies of them, and say that the
 * watched plan goes on and how to stop it.
 */
struct watch	*watch_create(long long plan_id, int tty, enum watch_level);
/* The watched plan runs on the device host (--host): leaving says how to stop it there. */
void		 watch_set_host(struct watch *, const char *host);
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
