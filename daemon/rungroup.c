/* rungroup.c: a run's control group and the device profile it applies, from the submit-time check to the row that proves it. */
#include "rungroup.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "cgroup.h"
#include "clock.h"
#include "log.h"
#include "profile.h"
#include "xmalloc.h"

#define RUNGROUP_DISKS_MAX	64
#define RUNGROUP_CPU_MAX		4096

/* A run's limits and its group, from creation to the record. */
struct rungroup {
	int64_t			 run_id;
	struct profile		*profile;	/* NULL: a group only to kill the run whole */
	enum plan_cache		 cache;
	unsigned		 want;		/* CGROUP_* the profile needs */
	char			**paths;	/* besides the footprint: interpreter, script, folder, evict */
	size_t			 npaths;
	char			*python;	/* as the plan gives it, found in PATH if bare */

	struct cgroup_group	*group;
	struct blockdev		 disks[RUNGROUP_DISKS_MAX];
	size_t			 ndisks;
	struct cgroup_counters	 before;
	struct cgroup_limits	 in_force;
	int			 ready;		/* set up: a row is due */
	char			*error;

	struct store_limits	 row;
	char			*groups;
	char			*disks_text;
};

/* FNV-1a of a string: a short, stable name for a database's groups. */
static uint32_t
rungroup_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* Find what this machine allows, and clean what a dead daemon left; see rungroup.h. */
void
rungroup_init(const char *db_path)
{
	char tag[32], *what;

	snprintf(tag, sizeof tag, "benchd-%08x", rungroup_hash(db_path));
	cgroup_init(tag, getenv("BENCHD_CGROUPS"));
	what = cgroup_describe();
	log_info("cgroups: %s; runs %s", what, cgroup_can_group() ? "get a group each, killed "
	    "whole when they end" : "get no group (process groups only)");
	free(what);
}

/* The controllers a profile needs. */
static unsigned
rungroup_want(const struct profile *p)
{
	unsigned want = 0;

	if (p == NULL)
		return 0;
	if (profile_limits_io(p))
		want |= CGROUP_IO;
	if (p->memory != 0)
		want |= CGROUP_MEMORY;
	if (p->cpu_quota > 0)
		want |= CGROUP_CPU;
	if (p->cpus != NULL)
		want |= CGROUP_CPUSET;
	return want;
}

/* The keys of a profile that need the controllers of want, in words. */
static const char *
rungroup_keys(unsigned want)
{
	if (want & CGROUP_IO)
		return "read_bps and read_iops need";
	if (want & CGROUP_MEMORY)
		return "memory needs";
	if (want & CGROUP_CPU)
		return "cpu_quota needs";
	return "cpus needs";
}

/* The interpreter a condition names, found in PATH when it is a bare name (NULL if not found). */
static char *
rungroup_which(const struct plan_condition *c)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL, *full;

	for (size_t i = 0; i < c->nenv; i++) {
		if (strcmp(c->env[i].key, "PATH") == 0)
			path = c->env[i].value;
	}
	if (strchr(c->python, '/') != NULL)
		return xstrdup(c->python);
	if (path == NULL)
		return NULL;
	dirs = xstrdup(path);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		xasprintf(&full, "%s/%s", *dir != '\0' ? dir : ".", c->python);
		if (access(full, X_OK) == 0) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	return NULL;
}

/* Add a disk once. */
static int
rungroup_add_disk(struct blockdev *disks, size_t *n, const struct blockdev *d)
{
	for (size_t i = 0; i < *n; i++) {
		if (disks[i].major == d->major && disks[i].minor == d->minor)
			return 0;
	}
	if (*n == RUNGROUP_DISKS_MAX)
		return -1;
	disks[(*n)++] = *d;
	return 0;
}

/*
 * The disks some files are on, each device looked at once. Files that are
 * gone are skipped (a footprint can name a file since removed); a file
 * whose reads cannot be throttled is an error.
 */
static int
rungroup_disks_of(char *const *paths, size_t n, struct blockdev *disks, size_t *ndisks,
    dev_t *seen, size_t *nseen, size_t maxseen, char **cause)
{
	struct blockdev d;
	struct stat sb;
	size_t j;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (stat(paths[i], &sb) != 0)
			continue;
		for (j = 0; j < *nseen && seen[j] != sb.st_dev; j++)
			;
		if (j < *nseen)
			continue;
		if (*nseen < maxseen)
			seen[(*nseen)++] = sb.st_dev;
		if ((rc = blockdev_of_path(paths[i], &d, cause)) < 0)
			return -1;
		if (rc == 1 && rungroup_add_disk(disks, ndisks, &d) != 0) {
			xasprintf(cause, "the run's files are on more than %d disks",
			    RUNGROUP_DISKS_MAX);
			return -1;
		}
	}
	return 0;
}

/* Whether every CPU of list is in allowed (both CPU lists). */
static int
rungroup_cpus_within(const char *list, const char *allowed)
{
	unsigned char *a = xmalloc(RUNGROUP_CPU_MAX), *b = xmalloc(RUNGROUP_CPU_MAX);
	int ok = plan_cpulist_parse(list, a, RUNGROUP_CPU_MAX) == 0 &&
	    plan_cpulist_parse(allowed, b, RUNGROUP_CPU_MAX) == 0;

	for (size_t i = 0; ok && i < RUNGROUP_CPU_MAX; i++)
		ok = !a[i] || b[i];
	free(a);
	free(b);
	return ok;
}

/* Whether two CPU lists name the same CPUs ("0,1" and "0-1"). */
static int
rungroup_cpus_same(const char *x, const char *y)
{
	return rungroup_cpus_within(x, y) && rungroup_cpus_within(y, x);
}

/* A profile's name as messages give it. */
static const char *
rungroup_name(const struct profile *p)
{
	return strcmp(p->name, "inline") == 0 ? "written in the condition" : p->name;
}

/* Check one condition's profile against this machine; see rungroup_check_plan(). */
static int
rungroup_check_condition(const struct plan *plan, const struct plan_condition *c,
    const char *path, char **cause)
{
	const struct profile *p = c->profile;
	struct blockdev disks[RUNGROUP_DISKS_MAX];
	dev_t seen[RUNGROUP_DISKS_MAX];
	size_t ndisks = 0, nseen = 0, n = 0;
	unsigned want = rungroup_want(p);
	char *why = NULL, *paths[4], *python;
	int rc = 0;

	for (unsigned bit = 1; bit <= CGROUP_CPUSET; bit <<= 1) {
		if ((want & bit) && cgroup_can(bit, &why) != 0) {
			xasprintf(cause, "%s: condition %s: profile %s: %s the kernel's %s "
			    "controller, which benchd cannot use here: %s", path, c->name,
			    rungroup_name(p), rungroup_keys(bit), bit == CGROUP_IO ? "io (blkio)" :
			    bit == CGROUP_MEMORY ? "memory" : bit == CGROUP_CPU ? "cpu" :
			    "cpuset", why);
			free(why);
			return -1;
		}
	}
	if (!(want & CGROUP_IO))
		return 0;

	/* The disks known now; the footprint's are checked again before each run. */
	if ((python = rungroup_which(c)) != NULL)
		paths[n++] = python;
	paths[n++] = c->script;
	paths[n++] = c->workdir;
	if (rungroup_disks_of(paths, n, disks, &ndisks, seen, &nseen, RUNGROUP_DISKS_MAX, &why) != 0 ||
	    rungroup_disks_of(plan->evict, plan->nevict, disks, &ndisks, seen, &nseen,
	    RUNGROUP_DISKS_MAX, &why) != 0) {
		xasprintf(cause, "%s: condition %s: profile %s limits reads, but %s; keep the "
		    "program's files on a disk filesystem, or leave read_bps and read_iops out of "
		    "the profile", path, c->name, rungroup_name(p), why);
		free(why);
		rc = -1;
	}
	free(python);
	return rc;
}

/* Check every profile of a plan against this machine; see rungroup.h. */
int
rungroup_check_plan(const struct plan *plan, const char *path, char **cause)
{
	for (size_t i = 0; i < plan->nconds; i++) {
		if (plan->conds[i].profile != NULL &&
		    rungroup_check_condition(plan, &plan->conds[i], path, cause) != 0)
			return -1;
	}
	return 0;
}

/* A run's limits; see rungroup.h. */
struct rungroup *
rungroup_create(const struct plan *plan, const struct plan_condition *c, int probe,
    int64_t run_id)
{
	struct rungroup *l = xcalloc(1, sizeof *l);

	l->run_id = run_id;
	l->cache = c->cache;
	if (c->profile != NULL && !probe) {
		l->profile = profile_copy(c->profile);
		l->want = rungroup_want(l->profile);
	}
	l->paths = xcalloc(plan->nevict + 3, sizeof *l->paths);
	if ((l->python = rungroup_which(c)) != NULL)
		l->paths[l->npaths++] = xstrdup(l->python);
	l->paths[l->npaths++] = xstrdup(c->script);
	l->paths[l->npaths++] = xstrdup(c->workdir);
	for (size_t i = 0; i < plan->nevict; i++)
		l->paths[l->npaths++] = xstrdup(plan->evict[i]);
	return l;
}

/* Set the run's error. */
static int
rungroup_fail(struct rungroup *l, char *why)
{
	free(l->error);
	l->error = why;
	return -1;
}

/* What a warm run's helper evicts, then reads, inside the group's memory. */
struct rungroup_prime {
	char *const	*paths;
	size_t		 n;
};

/* A buffer for the helper only (a child of this process: its own copy). */
static char rungroup_prime_buf[128 * 1024];

/*
 * In the helper: drop each file's pages, then read each whole, so they are
 * charged to the group's memory. Returns how many files failed (at most 255).
 * A child of its own, so its closes drop none of benchd's SQLite locks.
 */
static int
rungroup_prime_fn(void *arg)
{
	const struct rungroup_prime *p = arg;
	int failed = 0, fd;

	for (size_t i = 0; i < p->n; i++) {
		if ((fd = open(p->paths[i], O_RDONLY | O_CLOEXEC)) < 0) {
			failed++;
			continue;
		}
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		    SYNC_FILE_RANGE_WAIT_AFTER);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	for (size_t i = 0; i < p->n; i++) {
		if ((fd = open(p->paths[i], O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		while (read(fd, rungroup_prime_buf, sizeof rungroup_prime_buf) > 0)
			;
		close(fd);
	}
	return failed < 255 ? failed : 255;
}

/*
 * A warm run with a memory limit: its cached files must count against that
 * limit, as they do on the device. Pages are charged to the group that
 * first reads them, so a helper born in the group's memory evicts the
 * footprint and reads it back; cache_work() then only measures what stayed.
 */
static int
rungroup_prime(struct rungroup *l, struct cache_state *cs)
{
	struct rungroup_prime p = { cs->paths, cs->npaths };
	double t0 = clock_mono_ms();
	char *why = NULL, *msg;
	int failed;

	if ((failed = cgroup_group_fork(l->group, CGROUP_MEMORY, rungroup_prime_fn, &p,
	    &why)) < 0) {
		xasprintf(&msg, "cannot fill the warm cache inside the run's memory limit: %s", why);
		free(why);
		return rungroup_fail(l, msg);
	}
	cs->primed = 1;
	cs->failed = failed;
	cs->evict_ms = clock_mono_ms() - t0;
	return 0;
}

/* The disks the run reads: the footprint's, the interpreter's, the script's, the plan's evict paths'. */
static int
rungroup_find_disks(struct rungroup *l, const struct cache_state *cs)
{
	dev_t seen[RUNGROUP_DISKS_MAX];
	size_t nseen = 0;
	char *why = NULL, *msg;

	if (rungroup_disks_of(l->paths, l->npaths, l->disks, &l->ndisks, seen, &nseen,
	    RUNGROUP_DISKS_MAX, &why) != 0 ||
	    rungroup_disks_of(cs->paths, cs->npaths, l->disks, &l->ndisks, seen, &nseen,
	    RUNGROUP_DISKS_MAX, &why) != 0) {
		xasprintf(&msg, "profile %s limits reads, but %s; keep the program's files on a "
		    "disk filesystem, or leave read_bps and read_iops out of the profile",
		    rungroup_name(l->profile), why);
		free(why);
		return rungroup_fail(l, msg);
	}
	if (l->ndisks == 0)
		return rungroup_fail(l, xstrdup("profile limits reads, but none of the run's files "
		    "is on a disk (all in memory: tmpfs?), so there is nothing to hold to the "
		    "profile's speed; put them on a disk, or leave read_bps and read_iops out"));
	return 0;
}

/* Check that what the kernel holds is what the profile asked. */
static int
rungroup_verify(struct rungroup *l)
{
	const struct profile *p = l->profile;
	const struct cgroup_limits *in = &l->in_force;
	long page = sysconf(_SC_PAGESIZE);
	char *msg = NULL;

	if (p->read_bps != 0 && in->read_bps != (int64_t)p->read_bps)
		xasprintf(&msg, "read_bps %llu was asked, the kernel holds %lld",
		    (unsigned long long)p->read_bps, (long long)in->read_bps);
	else if (p->read_iops != 0 && in->read_iops != (int64_t)p->read_iops)
		xasprintf(&msg, "read_iops %llu was asked, the kernel holds %lld",
		    (unsigned long long)p->read_iops, (long long)in->read_iops);
	else if (p->memory != 0 && (in->memory < 0 ||
	    llabs(in->memory - (int64_t)p->memory) >= page))
		xasprintf(&msg, "memory %llu was asked, the kernel holds %lld",
		    (unsigned long long)p->memory, (long long)in->memory);
	else if (p->cpu_quota > 0 && (in->quota_us != (int64_t)profile_quota_us(p) ||
	    in->period_us != PROFILE_CPU_PERIOD_US))
		xasprintf(&msg, "a quota of %llu us a %d us period was asked, the kernel holds "
		    "%lld us a %lld us period", (unsigned long long)profile_quota_us(p),
		    PROFILE_CPU_PERIOD_US, (long long)in->quota_us, (long long)in->period_us);
	else if (p->cpus != NULL && !rungroup_cpus_same(p->cpus, in->cpus))
		xasprintf(&msg, "cpus %s was asked, the kernel gives %s", p->cpus, in->cpus);
	if (msg == NULL)
		return 0;
	{
		char *full;

		xasprintf(&full, "the run's group does not hold its profile's limits: %s", msg);
		free(msg);
		return rungroup_fail(l, full);
	}
}

/* Say that the profile could not be applied, and why. */
static int
rungroup_cannot(struct rungroup *l, char *why)
{
	char *msg;

	xasprintf(&msg, "cannot apply profile %s: %s", rungroup_name(l->profile), why);
	free(why);
	return rungroup_fail(l, msg);
}

/* Make the run's group with its memory limit, fill a warm run's cache in it, and step in; see rungroup.h. */
int
rungroup_setup(struct rungroup *l, struct cache_state *cs)
{
	char name[64], *why = NULL, *msg;
	double t0;

	if (l == NULL)
		return 0;
	if (l->profile == NULL && !cgroup_can_group())
		return 0;
	if ((l->want & CGROUP_IO) && rungroup_find_disks(l, cs) != 0)
		return -1;
	snprintf(name, sizeof name, "run-%lld", (long long)l->run_id);
	/* A run with a profile is counted on the disk even when it limits no reads. */
	if ((l->group = cgroup_group_create(name, l->want, l->profile != NULL ? CGROUP_IO : 0,
	    &why)) == NULL) {
		if (l->profile == NULL) {
			/* Only a convenience without a profile: the run goes on without it. */
			log_warnx("run %lld: no group to kill it whole: %s", (long long)l->run_id, why);
			free(why);
			return 0;
		}
		xasprintf(&msg, "cannot make the run's group for profile %s: %s",
		    rungroup_name(l->profile), why);
		free(why);
		return rungroup_fail(l, msg);
	}
	if (l->profile != NULL && l->profile->memory != 0) {
		if (cgroup_group_set_memory(l->group, l->profile->memory, &why) != 0)
			return rungroup_cannot(l, why);
		if (cs->policy == PLAN_CACHE_WARM && rungroup_prime(l, cs) != 0)
			return -1;
	}
	t0 = clock_mono_ms();
	if (cgroup_group_enter(l->group, CGROUP_ALL, &why) != 0) {
		xasprintf(&msg, "cannot step into the run's group, so its child would not be born "
		    "there: %s", why);
		free(why);
		return rungroup_fail(l, msg);
	}
	l->row.move_ms = clock_mono_ms() - t0;
	return 0;
}

/* The rest of the limits, read back; the counters start; see rungroup.h. */
int
rungroup_ready(struct rungroup *l)
{
	const struct profile *p;
	char *why = NULL;

	if (l == NULL || l->group == NULL || l->error != NULL)
		return l != NULL && l->error != NULL ? -1 : 0;
	if ((p = l->profile) != NULL) {
		if ((profile_limits_io(p) && cgroup_group_set_io(l->group, l->disks, l->ndisks,
		    p->read_bps, p->read_iops, &why) != 0) ||
		    (p->cpus != NULL && cgroup_group_set_cpus(l->group, p->cpus, &why) != 0) ||
		    (p->cpu_quota > 0 && cgroup_group_set_cpu(l->group, profile_quota_us(p),
		    PROFILE_CPU_PERIOD_US, &why) != 0) ||
		    cgroup_group_limits(l->group, l->disks, l->ndisks, &l->in_force, &why) != 0)
			return rungroup_cannot(l, why);
		if (rungroup_verify(l) != 0)
			return -1;
	}
	cgroup_group_counters(l->group, &l->before);
	l->ready = 1;
	return 0;
}

/* Why the run could not be set up. */
const char *
rungroup_error(const struct rungroup *l)
{
	return l != NULL ? l->error : NULL;
}

/* Step back out right after the spawn; see rungroup.h. */
void
rungroup_leave(struct rungroup *l)
{
	double t0;

	if (l == NULL || l->group == NULL)
		return;
	t0 = clock_mono_ms();
	cgroup_group_leave(l->group);
	l->row.move_ms += clock_mono_ms() - t0;
}

/* A counter over the run: after less before, or -1 when unknown. */
static int64_t
rungroup_delta(int64_t after, int64_t before)
{
	if (after < 0)
		return -1;
	return before > 0 ? after - before : after;
}

/* The disks, as the row gives them: "254:0 vda". */
static char *
rungroup_disks_text(const struct rungroup *l)
{
	char *text = NULL, *old;

	for (size_t i = 0; i < l->ndisks; i++) {
		old = text;
		xasprintf(&text, "%s%s%u:%u %s", old != NULL ? old : "", old != NULL ? ", " : "",
		    l->disks[i].major, l->disks[i].minor, l->disks[i].name);
		free(old);
	}
	return text;
}

/* The run is over: its counters, then what is left in its group killed, and the group gone; see rungroup.h. */
void
rungroup_finish(struct rungroup *l)
{
	struct cgroup_counters after;
	struct store_limits *r;
	int killed;

	if (l == NULL || l->group == NULL)
		return;
	r = &l->row;
	cgroup_group_counters(l->group, &after);
	killed = cgroup_group_kill(l->group);
	if (killed > 0)
		log_info("run %lld: killed %d process%s left in its group", (long long)l->run_id,
		    killed, killed == 1 ? "" : "es");
	l->groups = cgroup_group_dirs(l->group);
	r->limits_in = cgroup_group_limits_in(l->group);
	r->kill_by = cgroup_group_kill_by(l->group);
	cgroup_group_free(l->group);
	l->group = NULL;
	if (!l->ready)
		return;

	r->profile = l->profile != NULL ? l->profile->name : NULL;
	r->profile_source = l->profile != NULL ? l->profile->source : NULL;
	r->groups = l->groups;
	r->disks = l->disks_text = rungroup_disks_text(l);
	r->read_bps = l->profile != NULL ? l->in_force.read_bps : -1;
	r->read_iops = l->profile != NULL ? l->in_force.read_iops : -1;
	r->memory_bytes = l->profile != NULL ? l->in_force.memory : -1;
	r->cpus = l->profile != NULL && l->in_force.cpus[0] != '\0' ? l->in_force.cpus : NULL;
	r->cpu_quota_us = l->profile != NULL ? l->in_force.quota_us : -1;
	r->cpu_period_us = l->profile != NULL && l->in_force.quota_us >= 0 ?
	    l->in_force.period_us : -1;
	r->read_bytes = rungroup_delta(after.read_bytes, l->before.read_bytes);
	r->read_ios = rungroup_delta(after.read_ios, l->before.read_ios);
	r->cpu_periods = rungroup_delta(after.cpu_periods, l->before.cpu_periods);
	r->cpu_throttled = rungroup_delta(after.cpu_throttled, l->before.cpu_throttled);
	r->cpu_throttled_ms = after.cpu_throttled_ms < 0 ? NAN : after.cpu_throttled_ms -
	    (l->before.cpu_throttled_ms > 0 ? l->before.cpu_throttled_ms : 0);
	r->memory_peak_bytes = after.memory_peak;
	r->oom_kills = rungroup_delta(after.oom_kills, l->before.oom_kills);
	r->killed_at_end = killed >= 0 ? killed : -1;
	l->ready = 2;
}

/* What to record; see rungroup.h. */
const struct store_limits *
rungroup_row(const struct rungroup *l)
{
	return l != NULL && l->ready == 2 ? &l->row : NULL;
}

/* Why the run died, when the kernel killed it for the memory limit; see rungroup.h. */
char *
rungroup_failure(const struct rungroup *l)
{
	char *why, *mem;

	if (l == NULL || l->ready != 2 || l->row.oom_kills <= 0 || l->profile == NULL)
		return NULL;
	mem = profile_bytes_text(l->profile->memory);
	xasprintf(&why, "killed by the kernel's OOM killer: the program needs more than the %s "
	    "of memory that %s%s allows (page cache included); raise memory: in the profile if "
	    "the device has more", mem, strcmp(l->profile->name, "inline") == 0 ?
	    "the condition's profile" : "profile ", strcmp(l->profile->name, "inline") == 0 ?
	    "" : l->profile->name);
	free(mem);
	return why;
}

/* Free a run's limits, removing its group if it is still there. */
void
rungroup_free(struct rungroup *l)
{
	if (l == NULL)
		return;
	cgroup_group_free(l->group);
	profile_free(l->profile);
	for (size_t i = 0; i < l->npaths; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->python);
	free(l->groups);
	free(l->disks_text);
	free(l->error);
	free(l);
}
