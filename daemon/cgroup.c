/* cgroup.c: a run's control groups: found, made, limited, read back, counted, entered around a spawn, killed and removed. */
#include "cgroup.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

#define CGROUP_FILE_MAX		(1024 * 1024)	/* bytes read of a cgroup file */
#define CGROUP_EMPTY_WAIT_MS	3000		/* for killed processes to be gone */
#define CGROUP_FREEZE_WAIT_MS	1000		/* for the v1 freezer to reach FROZEN */
#define CGROUP_DAEMON_LEAF	"benchd-daemon"	/* where a delegated benchd lives (cgroup v2) */

/* The hierarchies benchd may use: the v2 one, and one per v1 controller. */
enum cgroup_h { CGH_V2, CGH_BLKIO, CGH_MEMORY, CGH_CPU, CGH_CPUSET, CGH_FREEZER, CGH_COUNT };

static const char *const cgroup_v1_names[CGH_COUNT] = {
	NULL, "blkio", "memory", "cpu", "cpuset", "freezer"
};

/* The controllers of a profile, by bit: their v2 names, and their v1 hierarchies. */
#define CGROUP_NCTL	4
static const char *const cgroup_v2_ctls[CGROUP_NCTL] = { "io", "memory", "cpu", "cpuset" };
static const enum cgroup_h cgroup_v1_of[CGROUP_NCTL] = {
	CGH_BLKIO, CGH_MEMORY, CGH_CPU, CGH_CPUSET
};

/* One hierarchy as this process sees it. */
struct cgroup_hier {
	int		 present;	/* mounted */
	int		 usable;	/* we may make groups in it and move ourselves */
	char		*mount;
	char		*own;		/* our own group's folder: where we go back to */
	char		*parent;	/* where our tag's folder is made */
	char		*why;		/* why it is not usable */
};

/* What this process may use, found by cgroup_init(). */
static struct {
	int			 done;
	char			*tag;
	char			*off;		/* why none may be used at all */
	struct cgroup_hier	 h[CGH_COUNT];
	unsigned		 v2_ctls;	/* controllers the v2 parent offers (mask) */
	char			*v2_ctls_text;
} cg;

/* A run's group: one folder per hierarchy it uses. */
struct cgroup_group {
	char		*dir[CGH_COUNT];	/* NULL where none was made */
	char		*base[CGH_COUNT];	/* the tag's folder it is in */
	int		 ctl_h[CGROUP_NCTL];	/* the hierarchy of each controller, or -1 */
	int		 kill_h;		/* CGH_V2 (cgroup.kill), CGH_FREEZER, or -1 */
	int		 entered[CGH_COUNT];
};

/* Sleep for ms milliseconds. */
static void
cgroup_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Read a file whole (at most CGROUP_FILE_MAX bytes); NULL when it cannot be
 * read. Most cgroup files are a line or two: the buffer starts small.
 */
static char *
cgroup_slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			if (cap >= CGROUP_FILE_MAX)
				break;
			buf = xrealloc(buf, (cap *= 2) + 1);
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Read a file of a group's folder. */
static char *
cgroup_read(const char *dir, const char *file)
{
	char *path, *text;

	xasprintf(&path, "%s/%s", dir, file);
	text = cgroup_slurp(path);
	free(path);
	return text;
}

/* Write a value to a file of a group's folder in one write(); fills *cause on failure. */
static int
cgroup_write(const char *dir, const char *file, const char *value, char **cause)
{
	char *path;
	size_t len = strlen(value);
	int fd, rc = 0;

	xasprintf(&path, "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(fd, value, len) != (ssize_t)len) {
		if (cause != NULL)
			xasprintf(cause, "cannot write \"%s\" to %s: %s", value, path,
			    strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* Whether a file exists in a folder. */
static int
cgroup_has(const char *dir, const char *file)
{
	char *path;
	int rc;

	xasprintf(&path, "%s/%s", dir, file);
	rc = access(path, F_OK) == 0;
	free(path);
	return rc;
}

/* Move process pid into a group's folder. */
static int
cgroup_move(const char *dir, pid_t pid, char **cause)
{
	char num[32];

	snprintf(num, sizeof num, "%d", (int)pid);
	return cgroup_write(dir, "cgroup.procs", num, cause);
}

/* The processes in a group's folder (cgroup.procs), as a count and, when pids is given, a list. */
static size_t
cgroup_procs(const char *dir, pid_t **pids)
{
	char *text = cgroup_read(dir, "cgroup.procs"), *p, *end;
	size_t n = 0;

	if (pids != NULL)
		*pids = NULL;
	for (p = text; p != NULL && *p != '\0'; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0) {
			if (pids != NULL) {
				*pids = xreallocarray(*pids, n + 1, sizeof **pids);
				(*pids)[n] = (pid_t)v;
			}
			n++;
		}
	}
	free(text);
	return n;
}

/* Free what cgroup_init() found. */
static void
cgroup_forget(void)
{
	for (int h = 0; h < CGH_COUNT; h++) {
		free(cg.h[h].mount);
		free(cg.h[h].own);
		free(cg.h[h].parent);
		free(cg.h[h].why);
	}
	free(cg.tag);
	free(cg.off);
	free(cg.v2_ctls_text);
	memset(&cg, 0, sizeof cg);
}

/* Join a mount point and a path inside the hierarchy, less the root the mount shows. */
static char *
cgroup_join(const char *mount, const char *root, const char *path)
{
	size_t rlen = strlen(root);
	char *dir;

	if (strcmp(root, "/") != 0 && strncmp(path, root, rlen) == 0 &&
	    (path[rlen] == '/' || path[rlen] == '\0'))
		path += rlen;
	while (*path == '/')
		path++;
	if (*path == '\0')
		return xstrdup(mount);
	xasprintf(&dir, "%s/%s", mount, path);
	return dir;
}

/* Find one v1 hierarchy: mounted, and ours to use when we are root. */
static void
cgroup_find_v1(enum cgroup_h h, const char *mountinfo, const char *self)
{
	struct cgroup_hier *ch = &cg.h[h];
	const char *name = cgroup_v1_names[h];
	char *root = NULL, *path = NULL;

	if (cgroup_parse_mount(mountinfo, name, &ch->mount, &root) != 0)
		return;
	ch->present = 1;
	if (cgroup_parse_self(self, name, &path) != 0)
		path = xstrdup("/");
	ch->own = cgroup_join(ch->mount, root, path);
	ch->parent = xstrdup(ch->own);
	free(root);
	free(path);
	if (geteuid() != 0)
		xasprintf(&ch->why, "the %s controller is cgroup v1 here (%s), which only root may "
		    "use, and benchd runs as uid %d", name, ch->mount, (int)geteuid());
	else if (access(ch->own, W_OK) != 0)
		xasprintf(&ch->why, "benchd cannot write to %s (%s)", ch->own, strerror(errno));
	else
		ch->usable = 1;
}

/* The controller mask a cgroup.controllers text offers. */
static unsigned
cgroup_ctl_mask(const char *text)
{
	unsigned mask = 0;
	char word[64];
	int used;

	while (text != NULL && sscanf(text, "%63s%n", word, &used) == 1) {
		for (int i = 0; i < CGROUP_NCTL; i++) {
			if (strcmp(word, cgroup_v2_ctls[i]) == 0)
				mask |= 1u << i;
		}
		text += used;
	}
	return mask;
}

/*
 * Find the v2 hierarchy: as root we make groups at its root; otherwise only
 * in our own group, when it is delegated to us (we may write its cgroup.procs).
 */
static void
cgroup_find_v2(const char *mountinfo, const char *self)
{
	struct cgroup_hier *ch = &cg.h[CGH_V2];
	char *root = NULL, *path = NULL, *text;

	if (cgroup_parse_mount(mountinfo, NULL, &ch->mount, &root) != 0)
		return;
	ch->present = 1;
	if (cgroup_parse_self(self, NULL, &path) != 0)
		path = xstrdup("/");
	ch->own = cgroup_join(ch->mount, root, path);
	free(root);
	free(path);
	if (geteuid() == 0)
		ch->parent = xstrdup(ch->mount);
	else
		ch->parent = xstrdup(ch->own);
	if (access(ch->parent, W_OK) != 0 || !cgroup_has(ch->parent, "cgroup.procs")) {
		xasprintf(&ch->why, "benchd (uid %d) may not make groups in its cgroup v2 group %s "
		    "(it is not delegated to it)", (int)geteuid(), ch->parent);
		return;
	}
	{
		char *procs;

		xasprintf(&procs, "%s/cgroup.procs", ch->own);
		if (access(procs, W_OK) != 0) {
			xasprintf(&ch->why, "benchd (uid %d) may not move itself out of %s (it "
			    "cannot write its cgroup.procs)", (int)geteuid(), ch->own);
			free(procs);
			return;
		}
		free(procs);
	}
	ch->usable = 1;
	text = cgroup_read(ch->parent, "cgroup.controllers");
	cg.v2_ctls = cgroup_ctl_mask(text);
	cg.v2_ctls_text = text != NULL ? text : xstrdup("");
	cg.v2_ctls_text[strcspn(cg.v2_ctls_text, "\n")] = '\0';
}

/* The hierarchy that serves controller bit i for a run, or -1. */
static int
cgroup_serve(int i)
{
	if (cg.h[CGH_V2].usable && (cg.v2_ctls & (1u << i)))
		return CGH_V2;
	if (cg.h[cgroup_v1_of[i]].usable)
		return cgroup_v1_of[i];
	return -1;
}

/* The hierarchy that kills a group's processes: v2's cgroup.kill, else the v1 freezer, or -1. */
static int
cgroup_killer(void)
{
	if (cg.h[CGH_V2].usable)
		return CGH_V2;
	if (cg.h[CGH_FREEZER].usable)
		return CGH_FREEZER;
	return -1;
}

/* Kill every process in a folder and its subfolders until none is left (a dead daemon's leftovers). */
static void
cgroup_kill_dir(enum cgroup_h h, const char *dir)
{
	pid_t *pids;
	size_t n;

	for (int round = 0; round < CGROUP_EMPTY_WAIT_MS; round++) {
		if ((n = cgroup_procs(dir, &pids)) == 0)
			return;
		if (h == CGH_V2 && cgroup_write(dir, "cgroup.kill", "1", NULL) == 0) {
			free(pids);
		} else {
			for (size_t i = 0; i < n; i++) {
				if (pids[i] != getpid())
					kill(pids[i], SIGKILL);
			}
			free(pids);
		}
		cgroup_sleep_ms(1);
	}
	log_warnx("processes are still in %s after SIGKILL", dir);
}

/* Remove a tag's folder left by a dead daemon: kill what is in its groups, remove them. */
static void
cgroup_clean_base(enum cgroup_h h, const char *base)
{
	struct dirent *de;
	DIR *d;
	char *sub;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		xasprintf(&sub, "%s/%s", base, de->d_name);
		if (h == CGH_FREEZER)
			cgroup_write(sub, "freezer.state", "THAWED", NULL);
		cgroup_kill_dir(h, sub);
		if (rmdir(sub) != 0)
			log_warnx("cannot remove %s, left by a benchd that stopped: %s", sub,
			    strerror(errno));
		else
			log_warnx("removed %s, left by a benchd that stopped", sub);
		free(sub);
	}
	closedir(d);
	if (rmdir(base) != 0 && errno != ENOENT)
		log_warnx("cannot remove %s: %s", base, strerror(errno));
}

/* Find what this process may use; see cgroup.h. */
void
cgroup_init(const char *tag, const char *mode)
{
	char *mountinfo, *self, *base;

	cgroup_forget();
	cg.done = 1;
	cg.tag = xstrdup(tag != NULL ? tag : "benchd");
	if (mode != NULL && strcmp(mode, "off") == 0) {
		cg.off = xstrdup("cgroups are turned off for benchd (BENCHD_CGROUPS=off)");
		return;
	}
	mountinfo = cgroup_slurp("/proc/self/mountinfo");
	self = cgroup_slurp("/proc/self/cgroup");
	if (mountinfo == NULL || self == NULL) {
		cg.off = xstrdup("this system shows no /proc/self/mountinfo or /proc/self/cgroup");
		free(mountinfo);
		free(self);
		return;
	}
	if (mode == NULL || strcmp(mode, "v1") != 0)
		cgroup_find_v2(mountinfo, self);
	if (mode == NULL || strcmp(mode, "v2") != 0) {
		for (int h = CGH_BLKIO; h < CGH_COUNT; h++)
			cgroup_find_v1((enum cgroup_h)h, mountinfo, self);
	}
	free(mountinfo);
	free(self);

	/* What a daemon of this tag that died left behind: its runs' processes and groups. */
	for (int h = 0; h < CGH_COUNT; h++) {
		if (!cg.h[h].usable)
			continue;
		xasprintf(&base, "%s/%s", cg.h[h].parent, cg.tag);
		if (access(base, F_OK) == 0)
			cgroup_clean_base((enum cgroup_h)h, base);
		free(base);
	}
}

/* Find what this process may use, once, when no one called cgroup_init(). */
static void
cgroup_ready(void)
{
	char tag[64];

	if (cg.done)
		return;
	snprintf(tag, sizeof tag, "benchd-pid%d", (int)getpid());
	cgroup_init(tag, getenv("BENCHD_CGROUPS"));
}

/* What cgroup_init() found, in a line; see cgroup.h. */
char *
cgroup_describe(void)
{
	char *text = NULL, *old;

	cgroup_ready();
	if (cg.off != NULL)
		return xstrdup(cg.off);
	for (int h = 0; h < CGH_COUNT; h++) {
		const struct cgroup_hier *ch = &cg.h[h];

		if (!ch->present)
			continue;
		old = text;
		if (h == CGH_V2)
			xasprintf(&text, "%s%sv2 %s%s%s%s", old != NULL ? old : "", old != NULL ?
			    "; " : "", ch->parent, ch->usable ? " (controllers: " : " (not usable)",
			    ch->usable ? (*cg.v2_ctls_text != '\0' ? cg.v2_ctls_text : "none") : "",
			    ch->usable ? ")" : "");
		else
			xasprintf(&text, "%s%sv1 %s%s", old != NULL ? old : "", old != NULL ? "; " :
			    "", cgroup_v1_names[h], ch->usable ? "" : " (not usable)");
		free(old);
	}
	return text != NULL ? text : xstrdup("no cgroup hierarchy is mounted");
}

/* Whether a run can get a group at all; see cgroup.h. */
int
cgroup_can_group(void)
{
	cgroup_ready();
	return cg.off == NULL && cgroup_killer() >= 0;
}

/* Why controller bit i cannot be used, and what would make it possible. */
static char *
cgroup_why_not(int i)
{
	const struct cgroup_hier *v1 = &cg.h[cgroup_v1_of[i]], *v2 = &cg.h[CGH_V2];
	const char *name = cgroup_v2_ctls[i];
	char *why;

	if (v1->present && geteuid() != 0 && v2->usable)
		xasprintf(&why, "%s, and its cgroup v2 group %s offers no %s controller "
		    "(cgroup.controllers: \"%s\"); run benchd as root on this cgroup v1 machine, or "
		    "under systemd with Delegate=yes on a machine where %s is a cgroup v2 controller",
		    v1->why, v2->parent, name, cg.v2_ctls_text, name);
	else if (v1->present && geteuid() != 0)
		xasprintf(&why, "%s; run benchd as root on this cgroup v1 machine, or under "
		    "systemd with Delegate=yes on a machine where %s is a cgroup v2 controller",
		    v1->why, name);
	else if (v1->present && !v1->usable)
		xasprintf(&why, "%s; make the %s hierarchy writable for root (a container's "
		    "read-only /sys/fs/cgroup?)", v1->why, cgroup_v1_names[cgroup_v1_of[i]]);
	else if (v2->present && !v2->usable)
		xasprintf(&why, "%s; run benchd under systemd with Delegate=yes (a user unit, or "
		    "systemd-run --user -p Delegate=yes), or as root", v2->why);
	else if (v2->usable)
		xasprintf(&why, "benchd's cgroup v2 group %s offers no %s controller "
		    "(cgroup.controllers: \"%s\"); delegate it to benchd's unit (systemd: "
		    "Delegate=yes; for a user unit, the user manager needs it too: "
		    "Delegate=cpu cpuset io memory pids on user@.service)", v2->parent, name,
		    cg.v2_ctls_text);
	else
		xasprintf(&why, "this kernel has no %s controller mounted, in cgroup v1 or v2", name);
	return why;
}

/* Whether a run may get every controller of want; see cgroup.h. */
int
cgroup_can(unsigned want, char **cause)
{
	cgroup_ready();
	if (cg.off != NULL) {
		xasprintf(cause, "%s; unset BENCHD_CGROUPS", cg.off);
		return -1;
	}
	for (int i = 0; i < CGROUP_NCTL; i++) {
		if ((want & (1u << i)) && cgroup_serve(i) < 0) {
			*cause = cgroup_why_not(i);
			return -1;
		}
	}
	return 0;
}

/* Copy a v1 cpuset's cpus and mems from its parent folder: a new cpuset is empty, and no task may join it so. */
static int
cgroup_cpuset_inherit(const char *parent, const char *dir, int cpus, char **cause)
{
	static const char *const files[2][2] = {
		{ "cpuset.mems", "cpuset.effective_mems" }, { "cpuset.cpus", "cpuset.effective_cpus" }
	};

	for (int f = 0; f < (cpus ? 2 : 1); f++) {
		char *text = cgroup_read(parent, files[f][0]);
		int rc;

		if (text != NULL && text[strspn(text, " \n")] == '\0') {
			free(text);
			text = cgroup_read(parent, files[f][1]);
		}
		if (text == NULL) {
			xasprintf(cause, "cannot read %s/%s", parent, files[f][0]);
			return -1;
		}
		text[strcspn(text, "\n")] = '\0';
		rc = cgroup_write(dir, files[f][0], text, cause);
		free(text);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * Let a v2 group pass controllers (mask) to its children. In our own
 * delegated group, cgroup v2 allows that only with no process in it, so
 * benchd first moves itself to a leaf of its own.
 */
static int
cgroup_v2_enable(const char *dir, unsigned mask, int own, char **cause)
{
	char *have = cgroup_read(dir, "cgroup.subtree_control"), *add = NULL, *old, *leaf;
	unsigned missing = mask & ~cgroup_ctl_mask(have);
	int rc;

	free(have);
	if (missing == 0)
		return 0;
	for (int i = 0; i < CGROUP_NCTL; i++) {
		if (missing & (1u << i)) {
			old = add;
			xasprintf(&add, "%s%s+%s", old != NULL ? old : "", old != NULL ? " " : "",
			    cgroup_v2_ctls[i]);
			free(old);
		}
	}
	if (own && geteuid() != 0 && strcmp(cg.h[CGH_V2].own, dir) == 0) {
		xasprintf(&leaf, "%s/%s", dir, CGROUP_DAEMON_LEAF);
		if ((mkdir(leaf, 0755) != 0 && errno != EEXIST) ||
		    cgroup_move(leaf, getpid(), NULL) != 0) {
			xasprintf(cause, "cannot move benchd into %s, a leaf of its delegated group "
			    "(cgroup v2 lets a group with processes pass no controller down): %s",
			    leaf, strerror(errno));
			free(leaf);
			free(add);
			return -1;
		}
		free(cg.h[CGH_V2].own);
		cg.h[CGH_V2].own = leaf;
	}
	if ((rc = cgroup_write(dir, "cgroup.subtree_control", add, cause)) != 0 && own) {
		char *why = *cause;

		xasprintf(cause, "%s; cgroup v2 lets a group with processes pass no controller "
		    "down: run benchd alone in its own unit (systemd: Delegate=yes)", why);
		free(why);
	}
	free(add);
	return rc;
}

/* Make one folder of a run's group in hierarchy h, with the tag's folder above it. */
static int
cgroup_make(struct cgroup_group *g, enum cgroup_h h, const char *name, unsigned v2mask,
    char **cause)
{
	const struct cgroup_hier *ch = &cg.h[h];

	xasprintf(&g->base[h], "%s/%s", ch->parent, cg.tag);
	xasprintf(&g->dir[h], "%s/%s", g->base[h], name);
	if (h == CGH_V2 && v2mask != 0 &&
	    cgroup_v2_enable(ch->parent, v2mask, 1, cause) != 0)
		return -1;
	if (mkdir(g->base[h], 0755) != 0 && errno != EEXIST) {
		xasprintf(cause, "cannot make the group %s: %s", g->base[h], strerror(errno));
		return -1;
	}
	if (h == CGH_CPUSET && cgroup_cpuset_inherit(ch->parent, g->base[h], 1, cause) != 0)
		return -1;
	if (h == CGH_V2 && v2mask != 0 && cgroup_v2_enable(g->base[h], v2mask, 0, cause) != 0)
		return -1;
	if (mkdir(g->dir[h], 0755) != 0) {
		if (errno != EEXIST) {
			xasprintf(cause, "cannot make the group %s: %s", g->dir[h], strerror(errno));
			return -1;
		}
		/* Left by a run that was interrupted: empty it first. */
		cgroup_kill_dir(h, g->dir[h]);
	}
	if (h == CGH_CPUSET && cgroup_cpuset_inherit(g->base[h], g->dir[h], 1, cause) != 0)
		return -1;
	return 0;
}

/* Make a run's group; see cgroup.h. */
struct cgroup_group *
cgroup_group_create(const char *name, unsigned want, unsigned count, char **cause)
{
	struct cgroup_group *g;
	unsigned v2mask = 0;
	int need[CGH_COUNT] = { 0 };

	cgroup_ready();
	if (cgroup_can(want, cause) != 0)
		return NULL;
	g = xcalloc(1, sizeof *g);
	for (int i = 0; i < CGROUP_NCTL; i++) {
		g->ctl_h[i] = ((want | count) & (1u << i)) ? cgroup_serve(i) : -1;
		if (g->ctl_h[i] >= 0)
			need[g->ctl_h[i]] = 1;
		if (g->ctl_h[i] == CGH_V2)
			v2mask |= 1u << i;
	}
	g->kill_h = cgroup_killer();
	if (g->kill_h >= 0)
		need[g->kill_h] = 1;
	for (int h = 0; h < CGH_COUNT; h++) {
		if (need[h] && cgroup_make(g, (enum cgroup_h)h, name, h == CGH_V2 ? v2mask : 0,
		    cause) != 0) {
			cgroup_group_free(g);
			return NULL;
		}
	}
	/* A kernel before 5.14 has no cgroup.kill: the v1 freezer then, if there is one. */
	if (g->kill_h == CGH_V2 && !cgroup_has(g->dir[CGH_V2], "cgroup.kill")) {
		g->kill_h = -1;
		if (cg.h[CGH_FREEZER].usable && g->dir[CGH_FREEZER] == NULL &&
		    cgroup_make(g, CGH_FREEZER, name, 0, cause) == 0)
			g->kill_h = CGH_FREEZER;
	}
	return g;
}

/* The folder of a group that holds controller bit i. */
static const char *
cgroup_ctl_dir(const struct cgroup_group *g, int i)
{
	return g->ctl_h[i] >= 0 ? g->dir[g->ctl_h[i]] : NULL;
}

/* Set read limits on each disk; see cgroup.h. */
int
cgroup_group_set_io(struct cgroup_group *g, const struct blockdev *devs, size_t n, uint64_t bps,
    uint64_t iops, char **cause)
{
	const char *dir = cgroup_ctl_dir(g, 0);
	char line[128];

	if (dir == NULL) {
		xasprintf(cause, "the run's group has no io controller");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (g->ctl_h[0] == CGH_V2) {
			char b[32] = "max", o[32] = "max";

			if (bps != 0)
				snprintf(b, sizeof b, "%llu", (unsigned long long)bps);
			if (iops != 0)
				snprintf(o, sizeof o, "%llu", (unsigned long long)iops);
			snprintf(line, sizeof line, "%u:%u rbps=%s riops=%s", devs[i].major,
			    devs[i].minor, b, o);
			if (cgroup_write(dir, "io.max", line, cause) != 0)
				return -1;
			continue;
		}
		if (bps != 0) {
			snprintf(line, sizeof line, "%u:%u %llu", devs[i].major, devs[i].minor,
			    (unsigned long long)bps);
			if (cgroup_write(dir, "blkio.throttle.read_bps_device", line, cause) != 0)
				return -1;
		}
		if (iops != 0) {
			snprintf(line, sizeof line, "%u:%u %llu", devs[i].major, devs[i].minor,
			    (unsigned long long)iops);
			if (cgroup_write(dir, "blkio.throttle.read_iops_device", line, cause) != 0)
				return -1;
		}
	}
	return 0;
}

/* Set the memory limit, page cache included; see cgroup.h. */
int
cgroup_group_set_memory(struct cgroup_group *g, uint64_t bytes, char **cause)
{
	const char *dir = cgroup_ctl_dir(g, 1);
	char num[32];

	if (dir == NULL) {
		xasprintf(cause, "the run's group has no memory controller");
		return -1;
	}
	snprintf(num, sizeof num, "%llu", (unsigned long long)bytes);
	return cgroup_write(dir, g->ctl_h[1] == CGH_V2 ? "memory.max" : "memory.limit_in_bytes",
	    num, cause);
}

/* Set the CPU quota of each period; see cgroup.h. */
int
cgroup_group_set_cpu(struct cgroup_group *g, uint64_t quota_us, uint64_t period_us, char **cause)
{
	const char *dir = cgroup_ctl_dir(g, 2);
	char num[64];

	if (dir == NULL) {
		xasprintf(cause, "the run's group has no cpu controller");
		return -1;
	}
	if (g->ctl_h[2] == CGH_V2) {
		snprintf(num, sizeof num, "%llu %llu", (unsigned long long)quota_us,
		    (unsigned long long)period_us);
		return cgroup_write(dir, "cpu.max", num, cause);
	}
	snprintf(num, sizeof num, "%llu", (unsigned long long)period_us);
	if (cgroup_write(dir, "cpu.cfs_period_us", num, cause) != 0)
		return -1;
	snprintf(num, sizeof num, "%llu", (unsigned long long)quota_us);
	return cgroup_write(dir, "cpu.cfs_quota_us", num, cause);
}

/* Confine the group to a list of CPUs; see cgroup.h. */
int
cgroup_group_set_cpus(struct cgroup_group *g, const char *cpus, char **cause)
{
	const char *dir = cgroup_ctl_dir(g, 3);

	if (dir == NULL) {
		xasprintf(cause, "the run's group has no cpuset controller");
		return -1;
	}
	return cgroup_write(dir, "cpuset.cpus", cpus, cause);
}

/* A single number in a file, "max" as -1; -2 when unreadable. */
static int64_t
cgroup_read_number(const char *dir, const char *file)
{
	char *text = cgroup_read(dir, file), *end;
	int64_t v;

	if (text == NULL)
		return -2;
	if (strncmp(text, "max", 3) == 0) {
		free(text);
		return -1;
	}
	v = strtoll(text, &end, 10);
	if (end == text)
		v = -2;
	free(text);
	return v;
}

/* One disk limit read back for every disk: the same value on each, or an error. */
static int
cgroup_read_io(const char *dir, const char *file, const char *key, const struct blockdev *devs,
    size_t n, int64_t *out, char **cause)
{
	char *text = cgroup_read(dir, file);
	int64_t v = -1;

	*out = -1;
	if (text == NULL) {
		xasprintf(cause, "cannot read %s/%s", dir, file);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t d = cgroup_parse_device(text, devs[i].major, devs[i].minor, key);

		if (d == 0)
			d = -1;		/* "max" */
		if (i > 0 && d != v) {
			xasprintf(cause, "%s/%s gives disks %s and %s different limits", dir, file,
			    devs[0].name, devs[i].name);
			free(text);
			return -1;
		}
		v = d;
	}
	free(text);
	*out = v;
	return 0;
}

/* Read the limits back; see cgroup.h. */
int
cgroup_group_limits(struct cgroup_group *g, const struct blockdev *devs, size_t n,
    struct cgroup_limits *l, char **cause)
{
	const char *dir;
	char *text;

	memset(l, 0, sizeof *l);
	l->read_bps = l->read_iops = l->memory = l->quota_us = l->period_us = -1;
	if ((dir = cgroup_ctl_dir(g, 0)) != NULL && n > 0) {
		int v2 = g->ctl_h[0] == CGH_V2;

		if (cgroup_read_io(dir, v2 ? "io.max" : "blkio.throttle.read_bps_device",
		    v2 ? "rbps" : NULL, devs, n, &l->read_bps, cause) != 0 ||
		    cgroup_read_io(dir, v2 ? "io.max" : "blkio.throttle.read_iops_device",
		    v2 ? "riops" : NULL, devs, n, &l->read_iops, cause) != 0)
			return -1;
	}
	if ((dir = cgroup_ctl_dir(g, 1)) != NULL) {
		l->memory = cgroup_read_number(dir, g->ctl_h[1] == CGH_V2 ? "memory.max" :
		    "memory.limit_in_bytes");
		if (l->memory < -1) {
			xasprintf(cause, "cannot read the memory limit in %s", dir);
			return -1;
		}
	}
	if ((dir = cgroup_ctl_dir(g, 2)) != NULL) {
		if (g->ctl_h[2] == CGH_V2) {
			long long q = -1, p = -1;

			text = cgroup_read(dir, "cpu.max");
			if (text != NULL && sscanf(text, "%lld %lld", &q, &p) < 1 &&
			    sscanf(text, "max %lld", &p) == 1)
				q = -1;
			free(text);
			l->quota_us = q;
			l->period_us = p;
		} else {
			l->quota_us = cgroup_read_number(dir, "cpu.cfs_quota_us");
			l->period_us = cgroup_read_number(dir, "cpu.cfs_period_us");
		}
		if (l->quota_us < -1 || l->period_us < -1) {
			xasprintf(cause, "cannot read the CPU quota in %s", dir);
			return -1;
		}
	}
	if ((dir = cgroup_ctl_dir(g, 3)) != NULL) {
		text = cgroup_read(dir, g->ctl_h[3] == CGH_V2 ? "cpuset.cpus.effective" :
		    "cpuset.effective_cpus");
		if (text == NULL) {
			xasprintf(cause, "cannot read the CPUs in %s", dir);
			return -1;
		}
		text[strcspn(text, "\n")] = '\0';
		snprintf(l->cpus, sizeof l->cpus, "%s", text);
		free(text);
	}
	return 0;
}

/* Read one counter file of a group's folder through a parser. */
static int64_t
cgroup_count(const char *dir, const char *file, int64_t (*parse)(const char *, const char *),
    const char *key)
{
	char *text;
	int64_t v;

	if (dir == NULL || (text = cgroup_read(dir, file)) == NULL)
		return -1;
	v = parse(text, key);
	free(text);
	return v;
}

/* The group's own counters; see cgroup.h. */
void
cgroup_group_counters(struct cgroup_group *g, struct cgroup_counters *c)
{
	const char *dir;
	int64_t ns;

	c->read_bytes = c->read_ios = c->cpu_periods = c->cpu_throttled = -1;
	c->memory_peak = c->oom_kills = -1;
	c->cpu_throttled_ms = -1;
	if ((dir = cgroup_ctl_dir(g, 0)) != NULL) {
		if (g->ctl_h[0] == CGH_V2) {
			c->read_bytes = cgroup_count(dir, "io.stat", cgroup_parse_io_stat, "rbytes");
			c->read_ios = cgroup_count(dir, "io.stat", cgroup_parse_io_stat, "rios");
			/* A group that read nothing has no io.stat lines. */
			if (c->read_bytes < 0 && cgroup_has(dir, "io.stat"))
				c->read_bytes = c->read_ios = 0;
		} else {
			c->read_bytes = cgroup_count(dir, "blkio.throttle.io_service_bytes_recursive",
			    cgroup_parse_blkio, "Read");
			c->read_ios = cgroup_count(dir, "blkio.throttle.io_serviced_recursive",
			    cgroup_parse_blkio, "Read");
			if (c->read_bytes < 0 && cgroup_has(dir, "blkio.throttle.io_serviced_recursive"))
				c->read_bytes = c->read_ios = 0;
		}
	}
	if ((dir = cgroup_ctl_dir(g, 2)) != NULL) {
		c->cpu_periods = cgroup_count(dir, "cpu.stat", cgroup_parse_flat, "nr_periods");
		c->cpu_throttled = cgroup_count(dir, "cpu.stat", cgroup_parse_flat, "nr_throttled");
		if (g->ctl_h[2] == CGH_V2) {
			ns = cgroup_count(dir, "cpu.stat", cgroup_parse_flat, "throttled_usec");
			c->cpu_throttled_ms = ns >= 0 ? (double)ns / 1e3 : -1;
		} else {
			ns = cgroup_count(dir, "cpu.stat", cgroup_parse_flat, "throttled_time");
			c->cpu_throttled_ms = ns >= 0 ? (double)ns / 1e6 : -1;
		}
	}
	if ((dir = cgroup_ctl_dir(g, 1)) != NULL) {
		if (g->ctl_h[1] == CGH_V2) {
			char *text = cgroup_read(dir, "memory.peak");

			c->memory_peak = text != NULL ? strtoll(text, NULL, 10) : -1;
			free(text);
			c->oom_kills = cgroup_count(dir, "memory.events", cgroup_parse_flat,
			    "oom_kill");
		} else {
			char *text = cgroup_read(dir, "memory.max_usage_in_bytes");

			c->memory_peak = text != NULL ? strtoll(text, NULL, 10) : -1;
			free(text);
			c->oom_kills = cgroup_count(dir, "memory.oom_control", cgroup_parse_flat,
			    "oom_kill");
		}
	}
}

/* Whether hierarchy h of a group is one of which (a controller mask). */
static int
cgroup_selected(const struct cgroup_group *g, int h, unsigned which)
{
	if (which == CGROUP_ALL)
		return 1;
	for (int i = 0; i < CGROUP_NCTL; i++) {
		if ((which & (1u << i)) && g->ctl_h[i] == h)
			return 1;
	}
	return 0;
}

/* Move this process into the group; see cgroup.h. */
int
cgroup_group_enter(struct cgroup_group *g, unsigned which, char **cause)
{
	for (int h = 0; h < CGH_COUNT; h++) {
		if (g->dir[h] == NULL || !cgroup_selected(g, h, which))
			continue;
		if (cgroup_move(g->dir[h], getpid(), cause) != 0) {
			cgroup_group_leave(g);
			return -1;
		}
		g->entered[h] = 1;
	}
	return 0;
}

/* Move this process back where it was; see cgroup.h. */
void
cgroup_group_leave(struct cgroup_group *g)
{
	char *cause = NULL;

	for (int h = 0; h < CGH_COUNT; h++) {
		if (!g->entered[h])
			continue;
		if (cgroup_move(cg.h[h].own, getpid(), &cause) != 0) {
			log_warnx("benchd is still in its run's group %s: %s", g->dir[h], cause);
			free(cause);
			cause = NULL;
			continue;
		}
		g->entered[h] = 0;
	}
}

/* Run fn(arg) in a child born inside the group; see cgroup.h. */
int
cgroup_group_fork(struct cgroup_group *g, unsigned which, int (*fn)(void *), void *arg,
    char **cause)
{
	pid_t pid;
	int status, err;

	if (cgroup_group_enter(g, which, cause) != 0)
		return -1;
	pid = fork();
	err = errno;
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	cgroup_group_leave(g);
	if (pid < 0) {
		xasprintf(cause, "fork: %s", strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			xasprintf(cause, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status)) {
		xasprintf(cause, "the helper in the run's group: %s", WIFSIGNALED(status) ?
		    strsignal(WTERMSIG(status)) : "stopped");
		return -1;
	}
	return WEXITSTATUS(status);
}

/* Whether this process is in one of the group's folders (it must never kill itself). */
static int
cgroup_holds_us(const struct cgroup_group *g)
{
	for (int h = 0; h < CGH_COUNT; h++) {
		pid_t *pids;
		size_t n;
		int us = 0;

		if (g->dir[h] == NULL)
			continue;
		n = cgroup_procs(g->dir[h], &pids);
		for (size_t i = 0; i < n; i++)
			us |= pids[i] == getpid();
		free(pids);
		if (us)
			return 1;
	}
	return 0;
}

/* Freeze a v1 freezer group, SIGKILL every process in it, thaw it. */
static void
cgroup_freeze_kill(const char *dir)
{
	pid_t *pids;
	size_t n;
	char *state;
	int ms;

	cgroup_write(dir, "freezer.state", "FROZEN", NULL);
	for (ms = 0; ms < CGROUP_FREEZE_WAIT_MS; ms++) {
		state = cgroup_read(dir, "freezer.state");
		if (state != NULL && strncmp(state, "FROZEN", 6) == 0) {
			free(state);
			break;
		}
		free(state);
		cgroup_sleep_ms(1);
	}
	if (ms == CGROUP_FREEZE_WAIT_MS)
		log_warnx("%s did not freeze in %d ms; killing what is in it all the same", dir,
		    CGROUP_FREEZE_WAIT_MS);
	n = cgroup_procs(dir, &pids);
	for (size_t i = 0; i < n; i++) {
		if (pids[i] != getpid())
			kill(pids[i], SIGKILL);
	}
	free(pids);
	cgroup_write(dir, "freezer.state", "THAWED", NULL);
}

/* Processes still in any folder of the group. */
static size_t
cgroup_group_population(const struct cgroup_group *g)
{
	size_t n = 0;

	for (int h = 0; h < CGH_COUNT; h++) {
		if (g->dir[h] != NULL)
			n += cgroup_procs(g->dir[h], NULL);
	}
	return n;
}

/* Kill every process left in the group; see cgroup.h. */
int
cgroup_group_kill(struct cgroup_group *g)
{
	size_t n;
	int ms;

	if (cgroup_holds_us(g)) {
		cgroup_group_leave(g);
		if (cgroup_holds_us(g)) {
			log_warnx("benchd cannot leave its run's group, so it kills nothing in it");
			return -1;
		}
	}
	n = g->kill_h >= 0 ? cgroup_procs(g->dir[g->kill_h], NULL) : cgroup_group_population(g);
	if (n == 0)
		return 0;
	for (ms = 0; ms < CGROUP_EMPTY_WAIT_MS; ms++) {
		if (ms % 100 == 0) {
			/* Again now and then: a process forked as the first kill went out. */
			if (g->kill_h == CGH_V2)
				cgroup_write(g->dir[CGH_V2], "cgroup.kill", "1", NULL);
			else if (g->kill_h == CGH_FREEZER)
				cgroup_freeze_kill(g->dir[CGH_FREEZER]);
			else {
				for (int h = 0; h < CGH_COUNT; h++) {
					if (g->dir[h] != NULL)
						cgroup_kill_dir((enum cgroup_h)h, g->dir[h]);
				}
			}
		}
		if (cgroup_group_population(g) == 0)
			return (int)n;
		cgroup_sleep_ms(1);
	}
	log_warnx("processes are still in the run's group %d ms after SIGKILL",
	    CGROUP_EMPTY_WAIT_MS);
	return (int)n;
}

/* Kill what is left, remove the group's folders, and free it; see cgroup.h. */
void
cgroup_group_free(struct cgroup_group *g)
{
	if (g == NULL)
		return;
	cgroup_group_leave(g);
	if (cgroup_group_population(g) > 0)
		cgroup_group_kill(g);
	for (int h = 0; h < CGH_COUNT; h++) {
		if (g->dir[h] != NULL && rmdir(g->dir[h]) != 0 && errno != ENOENT)
			log_warnx("cannot remove the run's group %s: %s", g->dir[h], strerror(errno));
		/* The tag's folder goes too once empty, so nothing is left between runs. */
		if (g->base[h] != NULL && rmdir(g->base[h]) != 0 && errno != ENOENT &&
		    errno != EBUSY && errno != ENOTEMPTY)
			log_warnx("cannot remove %s: %s", g->base[h], strerror(errno));
		free(g->dir[h]);
		free(g->base[h]);
	}
	free(g);
}

/* Where a group's limits are; see cgroup.h. */
const char *
cgroup_group_limits_in(const struct cgroup_group *g)
{
	int v1 = 0, v2 = 0;

	for (int i = 0; i < CGROUP_NCTL; i++) {
		if (g->ctl_h[i] == CGH_V2)
			v2 = 1;
		else if (g->ctl_h[i] >= 0)
			v1 = 1;
	}
	return v1 && v2 ? "cgroup1+cgroup2" : v1 ? "cgroup1" : v2 ? "cgroup2" : NULL;
}

/* How a group's processes are killed; see cgroup.h. */
const char *
cgroup_group_kill_by(const struct cgroup_group *g)
{
	return g->kill_h == CGH_V2 ? "cgroup.kill" : g->kill_h == CGH_FREEZER ? "freezer" : NULL;
}

/* A group's folders, space-separated; see cgroup.h. */
char *
cgroup_group_dirs(const struct cgroup_group *g)
{
	char *text = NULL;

	for (int h = 0; h < CGH_COUNT; h++) {
		if (g->dir[h] != NULL)
			xstrappend(&text, " ", g->dir[h]);
	}
	return text != NULL ? text : xstrdup("");
}

/* The mount of a hierarchy in mountinfo's text; see cgroup.h. */
int
cgroup_parse_mount(const char *mountinfo, const char *ctl, char **mountpoint, char **root)
{
	const char *line, *next, *sep;
	char r[4096], mnt[4096], type[64], opts[1024];

	for (line = mountinfo; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			next++;
		/* "ID PARENT MAJ:MIN ROOT MOUNT OPTIONS [TAGS...] - TYPE SOURCE SUPER" */
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, mnt) != 2 ||
		    (sep = strstr(line, " - ")) == NULL || (next != NULL && sep > next) ||
		    sscanf(sep + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (ctl == NULL) {
			if (strcmp(type, "cgroup2") != 0)
				continue;
		} else {
			char *tok, *save = NULL;
			int found = 0;

			if (strcmp(type, "cgroup") != 0)
				continue;
			for (tok = strtok_r(opts, ",", &save); tok != NULL && !found;
			    tok = strtok_r(NULL, ",", &save))
				found = strcmp(tok, ctl) == 0;
			if (!found)
				continue;
		}
		*mountpoint = xstrdup(mnt);
		*root = xstrdup(r);
		return 0;
	}
	return -1;
}

/* This process's path in a hierarchy, in /proc/self/cgroup's text; see cgroup.h. */
int
cgroup_parse_self(const char *text, const char *ctl, char **path)
{
	const char *line, *next, *c1, *c2;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		size_t len;

		next = strchr(line, '\n');
		len = next != NULL ? (size_t)(next - line) : strlen(line);
		if (next != NULL)
			next++;
		/* "ID:CONTROLLERS:PATH", CONTROLLERS empty for v2 */
		if ((c1 = memchr(line, ':', len)) == NULL ||
		    (c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line))) == NULL)
			continue;
		if (ctl == NULL) {
			if (c2 != c1 + 1)
				continue;
		} else {
			const char *p = c1 + 1;
			size_t clen = strlen(ctl);
			int found = 0;

			while (p < c2 && !found) {
				const char *comma = memchr(p, ',', (size_t)(c2 - p));
				const char *e = comma != NULL ? comma : c2;

				found = (size_t)(e - p) == clen && strncmp(p, ctl, clen) == 0;
				p = e + 1;
			}
			if (!found)
				continue;
		}
		*path = xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));
		return 0;
	}
	return -1;
}

/* A "key value" line of a flat-keyed file; see cgroup.h. */
int64_t
cgroup_parse_flat(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0'; ) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtoll(line + klen + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

/* The sum over disks of a blkio stat file's op lines; see cgroup.h. */
int64_t
cgroup_parse_blkio(const char *text, const char *op)
{
	char dev[32], name[32];
	long long v;
	int64_t sum = -1;

	for (const char *line = text; line != NULL && *line != '\0'; ) {
		/* "MAJ:MIN Read 123"; the last line is "Total 123" */
		if (sscanf(line, "%31s %31s %lld", dev, name, &v) == 3 &&
		    strchr(dev, ':') != NULL && strcmp(name, op) == 0)
			sum = (sum < 0 ? 0 : sum) + v;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return sum;
}

/* The sum over disks of io.stat's key=N; see cgroup.h. */
int64_t
cgroup_parse_io_stat(const char *text, const char *key)
{
	size_t klen = strlen(key);
	int64_t sum = -1;

	for (const char *line = text; line != NULL && *line != '\0'; ) {
		const char *end = strchr(line, '\n');
		const char *p = line;

		/* "MAJ:MIN rbytes=1 wbytes=2 rios=3 ..." */
		while ((p = strstr(p, key)) != NULL && (end == NULL || p < end)) {
			if ((p == line || p[-1] == ' ') && p[klen] == '=') {
				sum = (sum < 0 ? 0 : sum) + strtoll(p + klen + 1, NULL, 10);
				break;
			}
			p += klen;
		}
		line = end != NULL ? end + 1 : NULL;
	}
	return sum;
}

/* A disk's value in a per-disk file; see cgroup.h. */
int64_t
cgroup_parse_device(const char *text, unsigned major, unsigned minor, const char *key)
{
	char want[32];
	size_t wlen;

	snprintf(want, sizeof want, "%u:%u ", major, minor);
	wlen = strlen(want);
	for (const char *line = text; line != NULL && *line != '\0'; ) {
		const char *end = strchr(line, '\n');

		if (strncmp(line, want, wlen) == 0) {
			const char *p = line + wlen;

			if (key != NULL) {
				size_t klen = strlen(key);

				while (p != NULL && (end == NULL || p < end)) {
					if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
						p += klen + 1;
						break;
					}
					p = strchr(p, ' ');
					if (p != NULL)
						p++;
				}
				if (p == NULL || (end != NULL && p >= end))
					return -1;
			}
			if (strncmp(p, "max", 3) == 0)
				return 0;
			return strtoll(p, NULL, 10);
		}
		line = end != NULL ? end + 1 : NULL;
	}
	return -1;
}
