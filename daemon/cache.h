/*
 * cache.h: the page cache before each run: evict a plan's footprint (cold),
 * prime it (warm), measure its residency with mincore() (always), and note
 * the machine's state; plus reading what a probe run found the footprint to be.
 *
 * It knows files and the kernel only: the caller hands it the footprint and
 * stores what it measured. cache_work() does the file I/O and may run on a
 * pool thread; the rest runs on the caller's.
 */
#ifndef BENCHD_CACHE_H
#define BENCHD_CACHE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

#define CACHE_OWN_MAX	8
#define CACHE_FOOTPRINT_FD	3	/* the fd a probe's wrapper writes its list to */
#define CACHE_OWN_ERRNO		EPERM	/* what opening one of benchd's own files fails with */

/*
 * What the cache work must never open: benchd's own files (the database, its
 * -wal and -shm, the socket). Closing any descriptor of a file drops every
 * POSIX lock the process holds on it, SQLite's included, so they are known by
 * device and inode, however a footprint reaches them (a link, another path).
 */
struct cache_guard {
	const char	*own[CACHE_OWN_MAX];	/* their paths, looked at again before each work */
	size_t		 nown;

	/* Filled while working. */
	dev_t		 dev[CACHE_OWN_MAX];
	ino_t		 ino[CACHE_OWN_MAX];
	size_t		 nids;
	unsigned	 met;			/* which of them the work has met (a bit each) */
	int64_t		 skipped;		/* footprint files that are ours, left alone, each once */
	char		*skipped_path;		/* the first of them */
	int		 transient;		/* an errno that may pass (EMFILE...): do the work again later */
};

/* One file of a footprint. */
struct cache_file {
	char		*path;
	int64_t		 bytes;
	int		 shared;	/* another process maps it */
};

struct cache_state {
	enum plan_cache		 policy;
	enum plan_cold_method	 method;
	int			 probe;
	char			**paths;	/* the footprint's files to evict/prime/measure */
	size_t			 npaths;
	int			 list_fd;	/* probe: an anonymous file the wrapper writes its list to */
	int			 list_open;	/* list_fd is open (it may be any number) */
	char			*list_path;	/* or a list already written (bench/), read instead */
	char			*extra_env;	/* probe: BENCHD_FOOTPRINT_FD=CACHE_FOOTPRINT_FD */
	char			*wrapper;	/* probe: python/footprint.py */
	char			**evict;	/* probe: the plan's evict paths */
	size_t			 nevict;
	char			*cpus;
	struct cache_guard	 guard;
	int			 primed;	/* filled already, inside the run's memory limit (rungroup.c): only measured */

	/* Filled by cache_work(). */
	unsigned char		*mapped;	/* per path: another process maps it (left out of the residency) */
	int64_t			 mapped_files;
	int64_t			 mapped_bytes;
	double			 resident_before_pct;	/* over the files no other process maps */
	int64_t			 footprint_bytes;	/* all of them */
	int64_t			 failed;
	double			 evict_ms;
	double			 loadavg_1m;
	int64_t			 mem_free_kb;
	int64_t			 mem_cached_kb;
	char			*governor;
	char			*error;		/* the cache could not be put in the state asked */
	double			 done_mono_ms;	/* clock_mono_ms() when cache_work() ended */
	int64_t			*before_pages;	/* per path: resident pages before, -1 not measured */

	/* Filled by cache_after_work(). */
	double			 resident_after_pct;
	int64_t			 read_in_bytes;	/* -1 when not measured */
	struct cache_file	*read_in;	/* files the run read in, most first (paths borrowed) */
	size_t			 nread_in;
};

/*
 * Get a run's cache work ready: a probe gets the wrapper and a file for its
 * list; any other run is then given the plan's footprint with cache_add_file().
 */
int	 cache_prepare(struct cache_state *, const struct plan *, const struct plan_condition *,
	    int probe, char **cause);
/* Name a file of benchd's own that the work must never open (up to CACHE_OWN_MAX). */
void	 cache_guard_own(struct cache_guard *, const char *path);
/* Add a file of the footprint: evicted or primed, and measured unless another process maps it. */
void	 cache_add_file(struct cache_state *, const char *path);
void	 cache_work(struct cache_state *);
/* After the run: measure again; what was not cached before and is now, the run read from disk. */
void	 cache_after_work(struct cache_state *);
const char *cache_wrapper(const struct cache_state *);
const char *cache_extra_env(const struct cache_state *);
/*
 * After an ok probe: the wrapper's list and the plan's evict paths, with the
 * files another process maps now marked shared. 0 and the list (free it with
 * cache_files_free()), or -1 with cs->error set.
 */
int	 cache_probe_read(struct cache_state *, struct cache_file **files, size_t *n);
void	 cache_files_free(struct cache_file *, size_t n);
void	 cache_state_clear(struct cache_state *);

/* The parts, for tests and bench/: each returns what it measured; guard may be NULL. */
int64_t	 cache_evict(char *const *paths, size_t n, struct cache_guard *, int64_t *failed);
int64_t	 cache_prime(char *const *paths, size_t n, struct cache_guard *, int64_t *failed);
double	 cache_residency(char *const *paths, size_t n, struct cache_guard *, int64_t *bytes);
int	 cache_drop_all(char **cause);

#endif
