/* cache.c: evict, prime and measure a plan's footprint in the page cache, and find it with a probe. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "paths.h"
#include "xmalloc.h"

#define CACHE_CPUS_MAX	1024

static int	cache_strcmp(const void *, const void *);
static size_t	cache_mapped_mark(char *const *, size_t, unsigned char *);

/* Name one of benchd's own files. */
void
cache_guard_own(struct cache_guard *g, const char *path)
{
	if (g->nown < CACHE_OWN_MAX)
		g->own[g->nown++] = path;
}

/* Look at benchd's own files again (the -wal may have been made since). */
static void
cache_guard_refresh(struct cache_guard *g)
{
	struct stat sb;

	g->nids = 0;
	g->met = 0;
	for (size_t i = 0; i < g->nown; i++) {
		if (stat(g->own[i], &sb) == 0) {
			g->dev[g->nids] = sb.st_dev;
			g->ino[g->nids++] = sb.st_ino;
		}
	}
}

/* Note a failure to open: one that may pass (out of descriptors or memory) makes the work void. */
static void
cache_guard_failed(struct cache_guard *g, int err)
{
	if (g != NULL && (err == EMFILE || err == ENFILE || err == ENOMEM || err == EAGAIN))
		g->transient = err;
}

/*
 * Open a regular file to read, without touching its access time where the
 * kernel lets us, unless it is one of benchd's own. It is looked at first
 * (stat opens nothing, so it drops no lock): its type, device and inode; then
 * opened without blocking (a FIFO put in its place meanwhile would not hang
 * the work) and checked to be the very file looked at. Only benchd's own user
 * (or root) can swap one of benchd's files in between, its folder being
 * closed to others. -1 and errno set (CACHE_OWN_ERRNO for one of ours,
 * counted in the guard; EINVAL for a file that is not regular).
 */
static int
cache_open(struct cache_guard *g, const char *path)
{
	struct stat sb, fb;
	int fd, err;

	if (stat(path, &sb) != 0) {
		cache_guard_failed(g, errno);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; g != NULL && i < g->nids; i++) {
		if (sb.st_dev == g->dev[i] && sb.st_ino == g->ino[i]) {
			/* Each of our files counts once, however many times the work meets it. */
			if ((g->met & (1u << i)) == 0) {
				g->met |= 1u << i;
				if (g->skipped++ == 0)
					g->skipped_path = xstrdup(path);
			}
			errno = CACHE_OWN_ERRNO;
			return -1;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME | O_NONBLOCK);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		cache_guard_failed(g, err);
		errno = err;
		return -1;
	}
	if (fstat(fd, &fb) != 0 || fb.st_dev != sb.st_dev || fb.st_ino != sb.st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* Where the footprint wrapper lives (paths_python_dir), or NULL with *cause. */
static char *
cache_wrapper_path(char **cause)
{
	char *dir, *path;

	if ((dir = paths_python_dir(cause)) == NULL)
		return NULL;
	xasprintf(&path, "%s/footprint.py", dir);
	free(dir);
	return path;
}

/* Get a run's cache work ready: a probe gets the wrapper and a file for its list. */
int
cache_prepare(struct cache_state *cs, const struct plan *plan, const struct plan_condition *cond,
    int probe, char **cause)
{
	memset(cs, 0, sizeof *cs);
	cs->policy = cond->cache;
	cs->method = cond->cold_method;
	cs->probe = probe;
	cs->cpus = cond->cpus != NULL ? xstrdup(cond->cpus) : NULL;
	cs->resident_before_pct = NAN;
	cs->evict_ms = NAN;
	cs->footprint_bytes = -1;
	cs->failed = -1;
	cs->resident_after_pct = NAN;
	cs->read_in_bytes = -1;
	if (!cs->probe)
		return 0;
	if ((cs->wrapper = cache_wrapper_path(cause)) == NULL)
		return -1;
	if (access(cs->wrapper, R_OK) != 0) {
		xasprintf(cause, "the footprint wrapper %s cannot be read (%s); set "
		    "BENCHD_PYTHON_DIR to benchd's python/ folder", cs->wrapper, strerror(errno));
		return -1;
	}
	/* An anonymous file: nothing is left behind, whoever dies when. */
	if ((cs->list_fd = memfd_create("benchd-footprint", MFD_CLOEXEC)) < 0) {
		cache_guard_failed(&cs->guard, errno);
		xasprintf(cause, "cannot create the footprint list: %s", strerror(errno));
		return -1;
	}
	cs->list_open = 1;
	xasprintf(&cs->extra_env, "BENCHD_FOOTPRINT_FD=%d", CACHE_FOOTPRINT_FD);
	cs->evict = xcalloc(plan->nevict + 1, sizeof *cs->evict);
	for (size_t i = 0; i < plan->nevict; i++)
		cs->evict[cs->nevict++] = xstrdup(plan->evict[i]);
	return 0;
}

/* Add one file of the plan's footprint. */
void
cache_add_file(struct cache_state *cs, const char *path)
{
	cs->paths = xreallocarray(cs->paths, cs->npaths + 1, sizeof *cs->paths);
	cs->paths[cs->npaths++] = xstrdup(path);
}

/* Residency of one open file: pages resident and pages in all. */
static int
cache_file_pages(int fd, off_t size, int64_t *resident, int64_t *pages)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = (size_t)((size + page - 1) / page);
	unsigned char *vec;
	void *map;

	*resident = 0;
	*pages = (int64_t)n;
	if (size == 0)
		return 0;
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = xmalloc(n);
	if (mincore(map, (size_t)size, vec) == 0) {
		for (size_t i = 0; i < n; i++)
			*resident += vec[i] & 1;
	}
	free(vec);
	munmap(map, (size_t)size);
	return 0;
}

/* Percentage of the files' pages in the page cache (NaN for no pages); *bytes their size. */
double
cache_residency(char *const *paths, size_t n, struct cache_guard *g, int64_t *bytes)
{
	int64_t resident = 0, pages = 0, r, p;
	struct stat sb;
	int fd;

	*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if ((fd = cache_open(g, paths[i])) < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    cache_file_pages(fd, sb.st_size, &r, &p) == 0) {
			resident += r;
			pages += p;
			*bytes += sb.st_size;
		}
		close(fd);
	}
	return pages > 0 ? 100.0 * (double)resident / (double)pages : NAN;
}

/*
 * Drop the files' pages from the page cache, leaving every other file's
 * alone: write out any dirty pages first (sync_file_range, which unlike
 * fdatasync() does not flush the disk's own cache: 19 ms instead of 137 ms
 * for torch's footprint, BENCHMARKS.md), then POSIX_FADV_DONTNEED. Pages
 * that some process has mapped stay (the kernel never drops those). Returns
 * the files evicted; *failed counts those that vanished or cannot be opened.
 */
int64_t
cache_evict(char *const *paths, size_t n, struct cache_guard *g, int64_t *failed)
{
	int64_t done = 0;
	int fd;

	*failed = 0;
	for (size_t i = 0; i < n; i++) {
		if ((fd = cache_open(g, paths[i])) < 0) {
			/* One of benchd's own files is no part of any footprint: not a failure. */
			if (errno != CACHE_OWN_ERRNO)
				(*failed)++;
			continue;
		}
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		    SYNC_FILE_RANGE_WAIT_AFTER);
		if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
			done++;
		else
			(*failed)++;
		close(fd);
	}
	return done;
}

/* Read every file not already wholly cached, so its pages are resident. Returns files read. */
int64_t
cache_prime(char *const *paths, size_t n, struct cache_guard *g, int64_t *failed)
{
	static char buf[256 * 1024];
	int64_t done = 0, r, p;
	struct stat sb;
	int fd;

	*failed = 0;
	for (size_t i = 0; i < n; i++) {
		if ((fd = cache_open(g, paths[i])) < 0) {
			/* One of benchd's own files is no part of any footprint: not a failure. */
			if (errno != CACHE_OWN_ERRNO)
				(*failed)++;
			continue;
		}
		if (fstat(fd, &sb) == 0 && cache_file_pages(fd, sb.st_size, &r, &p) == 0 && r < p) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			while (read(fd, buf, sizeof buf) > 0)
				;
		}
		done++;
		close(fd);
	}
	return done;
}

/* Write a level to /proc/sys/vm/drop_caches after a sync: 3 drops everything clean, 2 dentries and inodes. */
static int
cache_drop(const char *level, char **cause)
{
	int fd;

	sync();
	if ((fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(fd, level, strlen(level)) != (ssize_t)strlen(level)) {
		xasprintf(cause, "cold_method system: cannot write /proc/sys/vm/drop_caches (%s); "
		    "it needs root, or use cold_method: targeted", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The machine-wide way: sync, then drop every clean page cache entry. Root only. */
int
cache_drop_all(char **cause)
{
	return cache_drop("3\n", cause);
}

/* Read a small file whole into buf; its length, or -1. */
static ssize_t
cache_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* A "Name:   1234 kB" field of /proc/meminfo, or -1. */
static int64_t
cache_meminfo(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	return p != NULL ? strtoll(p + strlen(field), NULL, 10) : -1;
}

/* Load, memory and the pinned CPUs' frequency governors, as they are right now. */
static void
cache_machine(struct cache_state *cs)
{
	static char buf[8192];
	unsigned char set[CACHE_CPUS_MAX];
	char *path, *gov = NULL, *old;

	cs->loadavg_1m = cache_read_small("/proc/loadavg", buf, sizeof buf) > 0 ?
	    strtod(buf, NULL) : NAN;
	cs->mem_free_kb = cs->mem_cached_kb = -1;
	if (cache_read_small("/proc/meminfo", buf, sizeof buf) > 0) {
		cs->mem_free_kb = cache_meminfo(buf, "\nMemFree:");
		cs->mem_cached_kb = cache_meminfo(buf, "\nCached:");
	}
	if (cs->cpus == NULL || plan_cpulist_parse(cs->cpus, set, CACHE_CPUS_MAX) != 0)
		return;
	for (int cpu = 0; cpu < CACHE_CPUS_MAX; cpu++) {
		if (!set[cpu])
			continue;
		xasprintf(&path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		if (cache_read_small(path, buf, sizeof buf) > 0) {
			buf[strcspn(buf, "\n")] = '\0';
			old = gov;
			xasprintf(&gov, "%s%s%d:%s", old != NULL ? old : "", old != NULL ? " " : "",
			    cpu, buf);
			free(old);
		}
		free(path);
	}
	cs->governor = gov;
}

/*
 * Measure the footprint file by file, but for the files another process
 * maps (cs->mapped): resident pages into pages[i] (-1 for a file not
 * measured), the bytes of the files measured into *bytes; returns the
 * percentage of their pages resident (NaN for none).
 */
static double
cache_measure(struct cache_state *cs, int64_t *pages, int64_t *bytes)
{
	int64_t resident = 0, total = 0, r, p;
	struct stat sb;
	int fd;

	*bytes = 0;
	for (size_t i = 0; i < cs->npaths; i++) {
		pages[i] = -1;
		if ((cs->mapped != NULL && cs->mapped[i]) ||
		    (fd = cache_open(&cs->guard, cs->paths[i])) < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    cache_file_pages(fd, sb.st_size, &r, &p) == 0) {
			pages[i] = r;
			resident += r;
			total += p;
			*bytes += sb.st_size;
		}
		close(fd);
	}
	return total > 0 ? 100.0 * (double)resident / (double)total : NAN;
}

/* Order read-in files by bytes, most first, then by path. */
static int
cache_read_cmp(const void *a, const void *b)
{
	const struct cache_file *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * After the run: measure the footprint again, the same files the same way.
 * What it found uncached before and cached now is what the run read from
 * disk: per file into cs->read_in (most first), in all into
 * cs->read_in_bytes. May run on a pool thread.
 */
void
cache_after_work(struct cache_state *cs)
{
	long page = sysconf(_SC_PAGESIZE);
	int64_t *after, bytes;

	cs->read_in_bytes = -1;
	cs->resident_after_pct = NAN;
	if (cs->npaths == 0 || cs->before_pages == NULL)
		return;
	after = xcalloc(cs->npaths + 1, sizeof *after);
	cs->resident_after_pct = cache_measure(cs, after, &bytes);
	cs->read_in_bytes = 0;
	for (size_t i = 0; i < cs->npaths; i++) {
		int64_t got;

		if (after[i] < 0 || cs->before_pages[i] < 0 || after[i] <= cs->before_pages[i])
			continue;
		got = (after[i] - cs->before_pages[i]) * page;
		cs->read_in = xreallocarray(cs->read_in, cs->nread_in + 1, sizeof *cs->read_in);
		cs->read_in[cs->nread_in++] = (struct cache_file){ cs->paths[i], got, 0 };
		cs->read_in_bytes += got;
	}
	if (cs->nread_in > 0)
		qsort(cs->read_in, cs->nread_in, sizeof *cs->read_in, cache_read_cmp);
	free(after);
}

/*
 * Put the cache in the state the run's policy asks for, then measure it.
 * First, before anything else, which footprint files other processes map
 * right now: no eviction (not even drop_caches) can drop a mapped page, so
 * they are evicted like the rest but left out of the residency, and their
 * count and bytes are recorded with the run. Then cold evicts the footprint
 * (targeted) or syncs and drops every cache (system), warm primes it, none
 * leaves it; the residency is measured (the proof). For cold_method system
 * the very last thing is the user's own `sync; echo 3 > drop_caches`, after
 * the measure, so what measuring brought back (it opens every file: dentries,
 * inodes, metadata blocks) is dropped again and the child starts as cold as
 * after the user's command. May run on a pool thread: it touches no loop,
 * socket or database.
 */
void
cache_work(struct cache_state *cs)
{
	struct cache_guard *g = &cs->guard;
	int system = !cs->probe && cs->policy == PLAN_CACHE_COLD &&
	    cs->method == PLAN_COLD_SYSTEM;
	double t0;
	struct stat sb;
	int64_t bytes;

	cache_guard_refresh(g);
	if (cs->npaths > 0)
		qsort(cs->paths, cs->npaths, sizeof *cs->paths, cache_strcmp);
	free(cs->mapped);
	free(cs->before_pages);
	free(cs->read_in);	/* its paths are cs->paths' */
	cs->mapped = xmalloc(cs->npaths + 1);
	cs->mapped_files = (int64_t)cache_mapped_mark(cs->paths, cs->npaths, cs->mapped);
	cs->mapped_bytes = 0;
	for (size_t i = 0; i < cs->npaths; i++) {
		if (cs->mapped[i] && stat(cs->paths[i], &sb) == 0)
			cs->mapped_bytes += sb.st_size;
	}

	t0 = clock_mono_ms();
	if (system) {
		if (cache_drop_all(&cs->error) == 0)
			cs->failed = 0;
		cs->evict_ms = clock_mono_ms() - t0;
	} else if (!cs->probe && cs->policy == PLAN_CACHE_COLD) {
		cache_evict(cs->paths, cs->npaths, g, &cs->failed);
		cs->evict_ms = clock_mono_ms() - t0;
	} else if (!cs->probe && cs->policy == PLAN_CACHE_WARM && !cs->primed) {
		cache_prime(cs->paths, cs->npaths, g, &cs->failed);
		cs->evict_ms = clock_mono_ms() - t0;
	}
	if (cs->npaths > 0) {
		free(cs->before_pages);
		cs->before_pages = xcalloc(cs->npaths + 1, sizeof *cs->before_pages);
		cs->resident_before_pct = cache_measure(cs, cs->before_pages, &bytes);
		cs->footprint_bytes = bytes + cs->mapped_bytes;
	}
	cache_machine(cs);
	if (system && cs->error == NULL)
		cache_drop_all(&cs->error);
	cs->done_mono_ms = clock_mono_ms();
}

/* The wrapper a probe runs the script through, or NULL. */
const char *
cache_wrapper(const struct cache_state *cs)
{
	return cs->wrapper;
}

/* The variable a probe's child gets ("BENCHD_FOOTPRINT_OUT=..."), or NULL. */
const char *
cache_extra_env(const struct cache_state *cs)
{
	return cs->extra_env;
}

/* A growing list of footprint files, while a probe's result is read. */
struct cache_list {
	struct cache_file	*files;
	size_t			 n;
};

static struct cache_list *cache_walk_list;

/* Add one regular file to the list. */
static void
cache_list_add(struct cache_list *l, const char *path, int64_t bytes)
{
	l->files = xreallocarray(l->files, l->n + 1, sizeof *l->files);
	l->files[l->n++] = (struct cache_file){ xstrdup(path), bytes, 0 };
}

/* nftw() callback: every regular file under an evict folder. */
static int
cache_walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && S_ISREG(sb->st_mode))
		cache_list_add(cache_walk_list, path, sb->st_size);
	return 0;
}

/* Order footprint files by path. */
static int
cache_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cache_file *)a)->path, ((const struct cache_file *)b)->path);
}

/* Compare two strings for qsort and bsearch. */
static int
cache_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Mark which of paths (sorted) some other process maps right now, from every
 * /proc/PID/maps we may read (not other users' unless root): one read() of
 * each, one bsearch per mapped file. Returns how many are marked.
 */
static size_t
cache_mapped_mark(char *const *paths, size_t n, unsigned char *mark)
{
	static char *buf;
	static size_t cap;
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char path[300];
	size_t marked = 0;

	memset(mark, 0, n);
	if (proc == NULL || n == 0) {
		if (proc != NULL)
			closedir(proc);
		return 0;
	}
	while ((de = readdir(proc)) != NULL) {
		size_t len = 0;
		const char *prev = NULL, *line, *end;
		ssize_t got;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi(de->d_name) == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%s/maps", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		for (;;) {
			if (cap - len < 65536)
				buf = xrealloc(buf, cap = cap * 2 + 65536);
			if ((got = read(fd, buf + len, cap - len - 1)) <= 0)
				break;
			len += (size_t)got;
		}
		close(fd);
		buf[len] = '\0';
		for (line = buf; line < buf + len; line = end + 1) {
			char *slash, *nl, **hit, *key;
			size_t plen;

			if ((end = memchr(line, '\n', (size_t)(buf + len - line))) == NULL)
				end = buf + len;
			nl = (char *)end;
			if ((slash = memchr(line, '/', (size_t)(end - line))) == NULL)
				continue;
			plen = (size_t)(end - slash);
			/* A file mapped in several pieces is one lookup. */
			if (prev != NULL && strncmp(prev, slash, plen) == 0 && prev[plen] == '\0')
				continue;
			*nl = '\0';
			key = slash;
			hit = bsearch(&key, paths, n, sizeof *paths, cache_strcmp);
			if (hit != NULL && !mark[hit - paths]) {
				mark[hit - paths] = 1;
				marked++;
			}
			prev = slash;
		}
	}
	closedir(proc);
	return marked;
}

/*
 * After an ok probe: the wrapper's list of files (opened, mapped, imported)
 * and the plan's evict paths make the plan's footprint. Files that another
 * process maps now are marked shared. An evict path that does not exist is
 * reported, not fatal.
 */
int
cache_probe_read(struct cache_state *cs, struct cache_file **files, size_t *n)
{
	struct cache_list l = { NULL, 0 };
	char *line = NULL, **names;
	unsigned char *mark;
	size_t cap = 0;
	struct stat sb;
	FILE *fp;

	*files = NULL;
	*n = 0;
	if (cs->list_path != NULL)
		fp = fopen(cs->list_path, "re");
	else if (cs->list_open && lseek(cs->list_fd, 0, SEEK_SET) == 0)
		fp = fdopen(dup(cs->list_fd), "re");
	else
		fp = NULL;
	if (fp == NULL) {
		xasprintf(&cs->error, "the probe's footprint list cannot be read (%s)",
		    strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '/' && stat(line, &sb) == 0 && S_ISREG(sb.st_mode))
			cache_list_add(&l, line, sb.st_size);
	}
	fclose(fp);
	free(line);
	if (l.n == 0) {
		xasprintf(&cs->error, "the probe's footprint list is empty: the script ended before "
		    "the wrapper could write it (os._exit?)");
		return -1;
	}
	for (size_t i = 0; i < cs->nevict; i++) {
		if (stat(cs->evict[i], &sb) != 0) {
			log_warnx("evict path %s: %s; left out", cs->evict[i], strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			cache_walk_list = &l;
			nftw(cs->evict[i], cache_walk_cb, 16, FTW_PHYS);
			cache_walk_list = NULL;
		} else if (S_ISREG(sb.st_mode))
			cache_list_add(&l, cs->evict[i], sb.st_size);
	}

	qsort(l.files, l.n, sizeof *l.files, cache_file_cmp);
	/* An evict path may repeat a file the probe saw: keep one. */
	for (size_t i = 1, k = 1; i <= l.n; i++) {
		if (i == l.n) {
			l.n = l.n > 0 ? k : 0;
			break;
		}
		if (strcmp(l.files[i].path, l.files[k - 1].path) == 0)
			free(l.files[i].path);
		else
			l.files[k++] = l.files[i];
	}
	names = xcalloc(l.n + 1, sizeof *names);
	mark = xmalloc(l.n + 1);
	for (size_t i = 0; i < l.n; i++)
		names[i] = l.files[i].path;
	cache_mapped_mark(names, l.n, mark);
	for (size_t i = 0; i < l.n; i++)
		l.files[i].shared = mark[i];
	free(names);
	free(mark);
	*files = l.files;
	*n = l.n;
	return 0;
}

/* Free a list of footprint files. */
void
cache_files_free(struct cache_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

/* Free what the cache work held, and remove a probe's list file. */
void
cache_state_clear(struct cache_state *cs)
{
	for (size_t i = 0; i < cs->npaths; i++)
		free(cs->paths[i]);
	free(cs->paths);
	free(cs->mapped);
	free(cs->before_pages);
	free(cs->read_in);	/* its paths are cs->paths' */
	for (size_t i = 0; i < cs->nevict; i++)
		free(cs->evict[i]);
	free(cs->evict);
	if (cs->list_open)
		close(cs->list_fd);
	free(cs->list_path);
	free(cs->guard.skipped_path);
	free(cs->extra_env);
	free(cs->wrapper);
	free(cs->cpus);
	free(cs->governor);
	free(cs->error);
	memset(cs, 0, sizeof *cs);
}
