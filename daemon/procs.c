/*
 * procs.c: a run's processes as the kernel shows them: benchd reaps its
 * orphans (so nothing a run starts leaves its tree), kills every descendant
 * when a run ends, and after a crash finds what a dead daemon's run left by
 * the session and process group its child led, its start time, or the token
 * in its environment, never by its command line.
 */
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

#define PROCS_KILL_ROUNDS	500	/* rounds of scan-and-kill before giving up on a fork storm */

/* One process as /proc/PID/stat shows it. */
struct procs_entry {
	int		 pid;
	int		 ppid;
	int		 pgrp;
	int		 session;
	char		 state;		/* R, S, D, Z, ... */
	unsigned	 uid;
	double		 started;	/* unix seconds */
};

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

/* Boot time in unix seconds, read once. */
static double
procs_btime(void)
{
	static double btime = -1;
	char buf[256];
	FILE *fp;

	if (btime < 0 && (fp = fopen("/proc/stat", "re")) != NULL) {
		while (fgets(buf, sizeof buf, fp) != NULL) {
			if (strncmp(buf, "btime ", 6) == 0)
				btime = strtod(buf + 6, NULL);
		}
		fclose(fp);
	}
	return btime;
}

/* Read one process; 0, or -1 when it is gone. */
static int
procs_read(int pid, struct procs_entry *e)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	struct stat sb;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	if (n <= 0 || fstat(fd, &sb) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	/* The name may hold spaces and parentheses: the fields start after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%c %d %d %d %*d %*d %*u %*u %*u "
	    "%*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &e->state, &e->ppid, &e->pgrp,
	    &e->session, &start) != 5)
		return -1;
	e->pid = pid;
	e->uid = sb.st_uid;
	e->started = procs_btime() + (double)start / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

/* Order entries by pid, for bsearch. */
static int
procs_cmp(const void *a, const void *b)
{
	const struct procs_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process now, sorted by pid; the caller frees the list. */
static struct procs_entry *
procs_scan(size_t *n)
{
	struct procs_entry *list = NULL, e;
	struct dirent *de;
	size_t cap = 0;
	DIR *proc;

	*n = 0;
	if ((proc = opendir("/proc")) == NULL)
		return NULL;
	while ((de = readdir(proc)) != NULL) {
		int pid = atoi(de->d_name);

		if (pid <= 0 || procs_read(pid, &e) != 0)
			continue;
		if (*n == cap)
			list = xreallocarray(list, cap = cap * 2 + 64, sizeof *list);
		list[(*n)++] = e;
	}
	closedir(proc);
	if (list != NULL)
		qsort(list, *n, sizeof *list, procs_cmp);
	return list;
}

/*
 * Mark the descendants of pid in the list, sorted by pid (their ppid chains
 * lead to it); returns how many are alive (zombies are not).
 */
static size_t
procs_mark_descendants(const struct procs_entry *list, size_t n, int pid, unsigned char *mark)
{
	size_t live = 0;

	for (size_t i = 0; i < n; i++) {
		const struct procs_entry *e = &list[i];
		struct procs_entry key;
		size_t depth = 0;

		mark[i] = 0;
		/* Walk up: a chain ends at pid (ours), at 0 or 1, or where /proc had no entry. */
		while (e != NULL && e->ppid > 1 && e->ppid != pid && depth++ < n) {
			key.pid = e->ppid;
			e = bsearch(&key, list, n, sizeof *list, procs_cmp);
		}
		if (e != NULL && e->ppid == pid && list[i].pid != pid) {
			mark[i] = 1;
			live += list[i].state != 'Z';
		}
	}
	return live;
}

/* Read the pids in /proc/PID/task/TID/children of every thread of pid into *kids; -1 if none can be. */
static int
procs_children(int pid, int **kids, size_t *n, size_t *cap)
{
	char path[320], *buf = NULL, *p, *end;
	size_t len, bcap = 0;
	struct dirent *de;
	ssize_t got;
	DIR *tasks;
	int any = 0, fd;

	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((tasks = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(tasks)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/children", pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		any = 1;
		/* The whole list first: a pid must not be cut between two reads. */
		len = 0;
		for (;;) {
			if (bcap - len < 4096)
				buf = xrealloc(buf, bcap = bcap * 2 + 4096);
			if ((got = read(fd, buf + len, bcap - len - 1)) <= 0)
				break;
			len += (size_t)got;
		}
		close(fd);
		if (buf == NULL)
			continue;
		buf[len] = '\0';
		for (p = buf; *p != '\0'; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			if (*n == *cap)
				*kids = xreallocarray(*kids, *cap = *cap * 2 + 16, sizeof **kids);
			(*kids)[(*n)++] = (int)v;
		}
	}
	closedir(tasks);
	free(buf);
	return any ? 0 : -1;
}

/*
 * Every descendant of ours, sorted by pid: walked down from our own threads'
 * children lists (/proc/PID/task/TID/children), so a run's end costs a few
 * small reads rather than a look at every process on the machine; the whole
 * of /proc is scanned where the kernel keeps no such lists. A process that
 * forks while this walks is found by the next look.
 */
static struct procs_entry *
procs_descendants(size_t *n)
{
	static int lists = -1;	/* the kernel keeps children lists: unknown, no, yes */
	struct procs_entry *list = NULL, e;
	size_t cap = 0, nkids = 0, kcap = 0, at = 0;
	int *kids = NULL;

	*n = 0;
	if (lists != 0) {
		if (procs_children(getpid(), &kids, &nkids, &kcap) == 0) {
			lists = 1;
			/* Breadth first: each process read once, its own children after it. */
			while (at < nkids) {
				int pid = kids[at++], seen = 0;

				for (size_t i = 0; i < *n && !seen; i++)
					seen = list[i].pid == pid;
				if (seen || procs_read(pid, &e) != 0)
					continue;
				if (*n == cap)
					list = xreallocarray(list, cap = cap * 2 + 16, sizeof *list);
				list[(*n)++] = e;
				procs_children(pid, &kids, &nkids, &kcap);
			}
			free(kids);
			if (list != NULL)
				qsort(list, *n, sizeof *list, procs_cmp);
			return list;
		}
		lists = 0;
	}
	{
		struct procs_entry *all = procs_scan(&cap);
		unsigned char *mark = xmalloc(cap + 1);

		procs_mark_descendants(all, cap, getpid(), mark);
		for (size_t i = 0; i < cap; i++) {
			if (mark[i])
				all[(*n)++] = all[i];
		}
		free(mark);
		return all;
	}
}

/* Reap our children that are zombies and that libuv does not know (adopted orphans). */
static void
procs_reap(const struct procs_entry *list, size_t n, int keep)
{
	int status;

	for (size_t i = 0; i < n; i++) {
		if (list[i].ppid == getpid() && list[i].state == 'Z' && list[i].pid != keep)
			waitpid(list[i].pid, &status, WNOHANG);
	}
}

/* Become the reaper of every orphan we leave: a run's descendants stay in our tree, whatever they do. */
int
procs_become_reaper(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* Send sig to every live descendant but keep (libuv's child, or 0); returns how many. */
int
procs_signal_descendants(int sig, int keep)
{
	struct procs_entry *list;
	size_t n;
	int sent = 0;

	list = procs_descendants(&n);
	for (size_t i = 0; i < n; i++) {
		if (list[i].state != 'Z' && list[i].pid != keep && kill(list[i].pid, sig) == 0)
			sent++;
	}
	free(list);
	return sent;
}

/*
 * Kill every descendant of ours but keep (libuv's own child, which libuv
 * reaps; 0 for none), whatever process group or session it moved to: scan,
 * SIGKILL, reap the orphans we adopted, until a scan finds none alive (what
 * forks meanwhile is found by the next scan). Returns the processes killed.
 */
int
procs_kill_descendants(int keep)
{
	struct procs_entry *list;
	int *killed = NULL, nkilled = 0;
	size_t n, live;

	for (int round = 0; round < PROCS_KILL_ROUNDS; round++) {
		list = procs_descendants(&n);
		live = 0;
		for (size_t i = 0; i < n; i++)
			live += list[i].state != 'Z' && list[i].pid != keep;
		for (size_t i = 0; i < n && live > 0; i++) {
			int seen = 0;

			if (list[i].state == 'Z' || list[i].pid == keep)
				continue;
			kill(list[i].pid, SIGKILL);
			for (int k = 0; k < nkilled && !seen; k++)
				seen = killed[k] == list[i].pid;
			if (!seen) {
				killed = xreallocarray(killed, (size_t)nkilled + 1, sizeof *killed);
				killed[nkilled++] = list[i].pid;
			}
		}
		procs_reap(list, n, keep);
		free(list);
		if (live == 0)
			break;
		/* Let the kernel turn them into zombies before the next look. */
		nanosleep(&(struct timespec){ 0, 200 * 1000 }, NULL);
		if (round == PROCS_KILL_ROUNDS - 1)
			log_warnx("descendants keep appearing after %d rounds of SIGKILL; giving up",
			    PROCS_KILL_ROUNDS);
	}
	free(killed);
	return nkilled;
}

/* A token no other run (of any daemon, before or after) will carry: "ID.ATTEMPT.RANDOM". */
char *
procs_token(int64_t run_id, int attempt)
{
	unsigned char r[8];
	char *token;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, sizeof r < sizeof ts.tv_nsec ? sizeof r : sizeof ts.tv_nsec);
	}
	xasprintf(&token, "%lld.%d.%02x%02x%02x%02x%02x%02x%02x%02x", (long long)run_id, attempt,
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return token;
}

/* Whether a process's environment holds PROCS_TOKEN_VAR=token (readable for our own and root's). */
static int
procs_has_token(int pid, const char *token)
{
	char path[64], *buf, *want;
	size_t len = 0, cap = 16384, wlen;
	ssize_t got;
	int fd, found = 0;

	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	buf = xmalloc(cap + 1);
	while ((got = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)got;
		if (len == cap)
			buf = xrealloc(buf, (cap *= 2) + 1);
	}
	close(fd);
	xasprintf(&want, "%s=%s", PROCS_TOKEN_VAR, token);
	wlen = strlen(want) + 1;	/* with its NUL */
	for (size_t i = 0; i + wlen <= len && !found; i += strlen(buf + i) + 1)
		found = memcmp(buf + i, want, wlen) == 0;
	free(want);
	free(buf);
	return found;
}

/*
 * At start-up, for a run a dead daemon left running: kill what is left of
 * it. A process is the run's when it is ours and carries the run's token in
 * its environment, or when it is in the session or process group the run's
 * child led (pid, when recorded) and started no earlier than the spawn. The
 * leader's own start time must match the spawn, so a pid reused since is
 * left alone; the command line is never looked at (a pyenv shim or taskset
 * execs another program in the same process).
 */
void
procs_kill_orphan(int pid, double spawned_at, const char *token)
{
	struct procs_entry *list, *leader = NULL;
	size_t n, found;
	int leader_ok;

	for (int round = 0; round < PROCS_KILL_ROUNDS; round++) {
		list = procs_scan(&n);
		leader = NULL;
		for (size_t i = 0; i < n && pid > 1; i++) {
			if (list[i].pid == pid)
				leader = &list[i];
		}
		leader_ok = pid > 1 && (leader == NULL || fabs(leader->started - spawned_at) <= 2.0);
		found = 0;
		for (size_t i = 0; i < n; i++) {
			struct procs_entry *e = &list[i];
			int ours;

			if (e->uid != getuid() || e->pid == getpid() || e->state == 'Z')
				continue;
			ours = token != NULL && procs_has_token(e->pid, token);
			if (!ours && leader_ok && (e->session == pid || e->pgrp == pid))
				ours = e->started >= spawned_at - 1.0;
			if (!ours)
				continue;
			if (round == 0)
				log_warnx("killing pid %d (session %d, group %d), left running by a "
				    "daemon that died", e->pid, e->session, e->pgrp);
			kill(e->pid, SIGKILL);
			found++;
		}
		free(list);
		if (found == 0)
			break;
		nanosleep(&(struct timespec){ 0, 200 * 1000 }, NULL);
	}
	if (pid > 1 && leader != NULL && !leader_ok)
		log_info("pid %d of an interrupted run is now another process's; left alone", pid);
}
