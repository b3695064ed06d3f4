/*
 * procs.h: a run's processes as the kernel shows them in /proc. benchd is the
 * reaper of its orphans, so every process a run starts stays its descendant
 * whatever session or process group it moves to, and is killed when the run
 * ends; after a crash, what a dead daemon's run left is found by its session,
 * process group, start time and token, and killed only when it is really ours.
 */
#ifndef BENCHD_PROCS_H
#define BENCHD_PROCS_H

#include <stdint.h>

/* The variable that carries a run's token into the environment of its processes. */
#define PROCS_TOKEN_VAR	"BENCHD_RUN"

/* Append one word to a command line, quoted for a shell only when it needs it. */
void	 procs_quote(char **line, const char *word);
/* Make orphans of our descendants ours rather than init's (PR_SET_CHILD_SUBREAPER); 0 or -1. */
int	 procs_become_reaper(void);
/* Send sig to every live descendant but keep (0 for none); returns how many. */
int	 procs_signal_descendants(int sig, int keep);
/* Kill every descendant but keep (0 for none) until none is left; returns how many were killed. */
int	 procs_kill_descendants(int keep);
/* A new token for a run's processes: unique across runs, attempts and daemons. */
char	*procs_token(int64_t run_id, int attempt);
/* At start-up: kill what is left of a run a dead daemon had in flight, if it is really ours. */
void	 procs_kill_orphan(int pid, double spawned_at, const char *token);

#endif
