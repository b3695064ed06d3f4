/*
 * procs.h: a run's processes as the kernel shows them in /proc: finding what
 * a daemon that died left running, and killing it only when it is really ours.
 */
#ifndef BENCHD_PROCS_H
#define BENCHD_PROCS_H

/* Append one word to a command line, quoted for a shell only when it needs it. */
void	procs_quote(char **line, const char *word);
/* At start-up: kill what is left of a run a dead daemon had in flight, if it is really ours. */
void	procs_kill_orphan(int pid, double spawned_at, const char *command);

#endif
