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

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

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
	char			**shared;	/* its files other processes map: evicted, not measured */
	size_t			 nshared;
	char			*list_path;	/* probe: where the wrapper writes its list */
	char			*extra_env;	/* probe: BENCHD_FOOTPRINT_OUT=list_path */
	char			*wrapper;	/* probe: python/footprint.py */
	char			**evict;	/* probe: the plan's evict paths */
	size_t			 nevict;
	char			*cpus;

	/* Filled by cache_work(). */
	double			 resident_before_pct;
	int64_t			 footprint_bytes;
	int64_t			 failed;
	double			 evict_ms;
	double			 loadavg_1m;
	int64_t			 mem_free_kb;
	int64_t			 mem_cached_kb;
	char			*governor;
	char			*error;		/* the cache could not be put in the state asked */
};

/*
 * Get a run's cache work ready: a probe gets the wrapper and a file for its
 * list; any other run is then given the plan's footprint with cache_add_file().
 */
int	 cache_prepare(struct cache_state *, const struct plan *, const struct plan_condition *,
	    int probe, char **cause);
/* Add a file of the footprint: evicted, primed and measured; evicted only when shared. */
void	 cache_add_file(struct cache_state *, const char *path, int shared);
void	 cache_work(struct cache_state *);
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

/* The parts, for tests and bench/: each returns what it measured. */
int64_t	 cache_evict(char *const *paths, size_t n, int64_t *failed);
int64_t	 cache_prime(char *const *paths, size_t n, int64_t *failed);
double	 cache_residency(char *const *paths, size_t n, int64_t *bytes);
int	 cache_drop_all(char **cause);

#endif
