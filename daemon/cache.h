/*
 * cache.h: the page cache before each run: evict a plan's footprint (cold),
 * prime it (warm), measure its residency with mincore() (always), and note
 * the machine's state; plus the probe run that finds the footprint.
 *
 * cache_prepare() runs on the loop thread (it reads the database);
 * cache_work() does the file I/O and may run on a pool thread.
 */
#ifndef BENCHD_CACHE_H
#define BENCHD_CACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct store;
struct store_start;

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

int	 cache_prepare(struct cache_state *, struct store *, int64_t plan_id,
	    const struct plan *, const struct plan_condition *, const char *kind, char **cause);
void	 cache_work(struct cache_state *);
void	 cache_fill_start(const struct cache_state *, struct store_start *);
void	 cache_status_json(const struct cache_state *, json_t *);
const char *cache_wrapper(const struct cache_state *);
const char *cache_extra_env(const struct cache_state *);
/* After an ok probe: read the wrapper's list and store the plan's footprint. */
int	 cache_probe_done(struct cache_state *, struct store *, int64_t plan_id);
void	 cache_state_clear(struct cache_state *);

/* The parts, for tests and bench/: each returns what it measured. */
int64_t	 cache_evict(char *const *paths, size_t n, int64_t *failed);
int64_t	 cache_prime(char *const *paths, size_t n, int64_t *failed);
double	 cache_residency(char *const *paths, size_t n, int64_t *bytes);
int	 cache_drop_all(char **cause);

#endif
