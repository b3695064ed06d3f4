/* procs.c: a run's processes as the kernel shows them in /proc: finding what a dead daemon left, and killing it. */
#include "procs.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

/* Quote one word for a shell, only when it needs it. */
void
procs_quote(char **line, const char *w)
{
	const char *safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%";
	char *old = *line, *q;
	size_t n = 0;

	if (*w != '\0' && strspn(w, safe) == strlen(w)) {
		xasprintf(line, "%s%s%s", old, *old != '\0' ? " " : "", w);
		free(old);
		return;
	}
	q = xmalloc(strlen(w) * 4 + 3);
	q[n++] = '\'';
	for (; *w != '\0'; w++) {
		if (*w == '\'') {
			memcpy(q + n, "'\\''", 4);
			n += 4;
		} else
			q[n++] = *w;
	}
	q[n++] = '\'';
	q[n] = '\0';
	xasprintf(line, "%s%s%s", old, *old != '\0' ? " " : "", q);
	free(q);
	free(old);
}

/* A child's start time in unix seconds, from /proc (NAN when it is gone). */
static double
procs_started(int pid, int *pgrp, unsigned *uid)
{
	char path[64], buf[1024], *p;
	static double btime = -1;
	unsigned long long start = 0;
	struct stat sb;
	FILE *fp;
	int n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return NAN;
	n = (int)fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n > 0 ? n : 0] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", pgrp, &start) != 2)
		return NAN;
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (stat(path, &sb) != 0)
		return NAN;
	*uid = sb.st_uid;
	if (btime < 0 && (fp = fopen("/proc/stat", "re")) != NULL) {
		while (fgets(buf, sizeof buf, fp) != NULL) {
			if (strncmp(buf, "btime ", 6) == 0)
				btime = strtod(buf + 6, NULL);
		}
		fclose(fp);
	}
	return btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

/* A process's argv from /proc, quoted as procs_quote() quotes a run's command; NULL if gone. */
static char *
procs_command(int pid)
{
	char path[64], *buf, *line;
	size_t n = 0, cap = 4096;
	ssize_t got;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = xmalloc(cap);
	while ((got = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	close(fd);
	buf[n] = '\0';		/* n < cap: the buffer grows whenever it fills */
	line = xstrdup("");
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		procs_quote(&line, buf + i);
	free(buf);
	return line;
}

/*
 * Whether pid is the child of a run spawned at spawned_at as command: ours,
 * leading its own process group, started then, and running that command
 * (taskset has exec'd into the interpreter, so without its "taskset -c CPUS").
 */
static int
procs_is_run_child(int pid, double spawned_at, const char *command)
{
	double started;
	const char *want = command;
	char *have;
	unsigned uid;
	int pgrp, same;

	started = procs_started(pid, &pgrp, &uid);
	if (isnan(started) || pgrp != pid || uid != getuid() || fabs(started - spawned_at) > 2.0)
		return 0;
	if (strncmp(want, "taskset -c ", 11) == 0 && (want = strchr(want + 11, ' ')) != NULL)
		want++;
	if (want == NULL || (have = procs_command(pid)) == NULL)
		return 0;
	same = strcmp(have, want) == 0;
	free(have);
	return same;
}

/*
 * At start-up, for a run a dead daemon left running: if its child is still
 * there, and really is that child (see procs_is_run_child: never a process
 * that merely reused the pid), kill its whole process group. A run whose pid
 * was not recorded yet (the daemon died as the child launched) is looked for
 * among all processes.
 */
void
procs_kill_orphan(int pid, double spawned_at, const char *command)
{
	struct dirent *de;
	DIR *proc;

	if (pid > 1) {
		if (procs_is_run_child(pid, spawned_at, command)) {
			log_warnx("killing process group %d, left running by a daemon that died", pid);
			kill(-pid, SIGKILL);
		} else
			log_info("pid %d of an interrupted run is gone or now another process's; "
			    "left alone", pid);
		return;
	}
	if ((proc = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(proc)) != NULL) {
		int p = atoi(de->d_name);

		if (p > 1 && p != getpid() && procs_is_run_child(p, spawned_at, command)) {
			log_warnx("killing process group %d, left running by a daemon that died "
			    "before recording its pid", p);
			kill(-p, SIGKILL);
		}
	}
	closedir(proc);
}
