/*
 * cgroup.h: the kernel's control groups as benchd uses them: which ones this
 * process may use (cgroup v1 controllers as root; a cgroup v2 subtree that is
 * its own, delegated or as root), a run's group made in each hierarchy, limits
 * written and read back, the group's own counters, this process moved in and
 * out around a spawn (so a child is born inside), every process in the group
 * killed (v2 cgroup.kill, or the v1 freezer), and the group removed.
 *
 * What this process may use is found once, by cgroup_init(); the rest works on
 * that. The parsers of the kernel's text files are pure, for tests.
 */
#ifndef BENCHD_CGROUP_H
#define BENCHD_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

/* The controllers a profile needs, as a mask. */
#define CGROUP_IO	0x1u	/* read_bps, read_iops: v1 blkio, v2 io */
#define CGROUP_MEMORY	0x2u	/* memory: v1 and v2 memory */
#define CGROUP_CPU	0x4u	/* cpu_quota: v1 and v2 cpu */
#define CGROUP_CPUSET	0x8u	/* cpus: v1 and v2 cpuset */
#define CGROUP_ALL	0xfu

/* The limits in force in a group, read back from its files; -1 (or "") where none. */
struct cgroup_limits {
	int64_t		 read_bps;
	int64_t		 read_iops;
	int64_t		 memory;
	int64_t		 quota_us;
	int64_t		 period_us;
	char		 cpus[256];
};

/* A group's own counters; -1 where the kernel does not report one. */
struct cgroup_counters {
	int64_t		 read_bytes;	/* from any disk, by every process of the group */
	int64_t		 read_ios;
	int64_t		 cpu_periods;	/* quota periods with the group runnable */
	int64_t		 cpu_throttled;	/* periods it ran out of quota */
	double		 cpu_throttled_ms;
	int64_t		 memory_peak;	/* bytes, page cache included */
	int64_t		 oom_kills;
};

struct cgroup_group;

/*
 * Find what this process may use. tag names this daemon's groups
 * ("benchd-1a2b3c4d"); groups of that tag left by a daemon that died are
 * killed and removed. mode: NULL or "auto"; "v1" or "v2" to use only that
 * version; "off" for none. Safe to call again (a test's daemon, a new tag).
 */
void		 cgroup_init(const char *tag, const char *mode);
/* What cgroup_init() found, in a line for the log. */
char		*cgroup_describe(void);
/* 0 when a run may get every controller of want; else -1 and *cause: why, and what would do. */
int		 cgroup_can(unsigned want, char **cause);
/* Whether a run can get a group at all (to be killed whole at its end). */
int		 cgroup_can_group(void);

/*
 * Make a run's group, name ("run-12"), with the controllers of want, and
 * those of count that the machine has, for their counters; NULL and *cause.
 */
struct cgroup_group *cgroup_group_create(const char *name, unsigned want, unsigned count,
		    char **cause);
int		 cgroup_group_set_io(struct cgroup_group *, const struct blockdev *, size_t n,
		    uint64_t bps, uint64_t iops, char **cause);
int		 cgroup_group_set_memory(struct cgroup_group *, uint64_t bytes, char **cause);
int		 cgroup_group_set_cpu(struct cgroup_group *, uint64_t quota_us, uint64_t period_us,
		    char **cause);
int		 cgroup_group_set_cpus(struct cgroup_group *, const char *cpus, char **cause);
/* Read the limits back from the group's files: the proof of what was in force. */
int		 cgroup_group_limits(struct cgroup_group *, const struct blockdev *, size_t n,
		    struct cgroup_limits *, char **cause);
void		 cgroup_group_counters(struct cgroup_group *, struct cgroup_counters *);
/*
 * Move this process into the group's hierarchies of which (CGROUP_ALL: all
 * of them), so that a child forked now is born inside; leave moves it back.
 */
int		 cgroup_group_enter(struct cgroup_group *, unsigned which, char **cause);
void		 cgroup_group_leave(struct cgroup_group *);
/*
 * Run fn(arg) in a child forked inside the group's hierarchies of which, and
 * wait for it. fn runs in a child of a threaded process: only
 * async-signal-safe calls (open, read, close, posix_fadvise). The child's
 * exit status (fn's value, 0 to 255), or -1 and *cause.
 */
int		 cgroup_group_fork(struct cgroup_group *, unsigned which, int (*fn)(void *),
		    void *arg, char **cause);
/* Kill every process left in the group and wait until it is empty; how many there were, or -1. */
int		 cgroup_group_kill(struct cgroup_group *);
/* Kill what is left, remove the group's folders, and free it. */
void		 cgroup_group_free(struct cgroup_group *);
/* "cgroup1" or "cgroup2": where its limits are (NULL without any). */
const char	*cgroup_group_limits_in(const struct cgroup_group *);
/* "cgroup.kill" or "freezer": how its processes are killed (NULL: they cannot be). */
const char	*cgroup_group_kill_by(const struct cgroup_group *);
/* Its folders, space-separated. */
char		*cgroup_group_dirs(const struct cgroup_group *);

/* Pure parsers of the kernel's files. */
/* In mountinfo's text: the mount of v1 controller ctl (NULL: the v2 hierarchy), with the root it shows. */
int		 cgroup_parse_mount(const char *mountinfo, const char *ctl, char **mountpoint,
		    char **root);
/* In /proc/self/cgroup's text: this process's path in ctl's hierarchy (NULL: v2). */
int		 cgroup_parse_self(const char *text, const char *ctl, char **path);
/* A "key value" line of a flat-keyed file (cpu.stat, memory.events); -1 when absent. */
int64_t		 cgroup_parse_flat(const char *text, const char *key);
/* The sum over disks of blkio.throttle.io_service_bytes/io_serviced lines "MAJ:MIN op N"; -1 when none. */
int64_t		 cgroup_parse_blkio(const char *text, const char *op);
/* The sum over disks of io.stat's key=N; -1 when none. */
int64_t		 cgroup_parse_io_stat(const char *text, const char *key);
/*
 * A disk's value in a per-disk file: v1 "MAJ:MIN N" (key NULL) or v2 io.max
 * "MAJ:MIN rbps=N riops=max ..." (key "rbps"). -1 when the disk is not
 * there, 0 for "max".
 */
int64_t		 cgroup_parse_device(const char *text, unsigned major, unsigned minor,
		    const char *key);

#endif
