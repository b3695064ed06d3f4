/*
 * bench_evict.c: what putting a footprint in the page cache's cold state costs: benchd's targeted
 * eviction (cache_evict) against the machine-wide sync + drop_caches (cache_drop_all), and what
 * measuring residency (cache_residency) and priming (cache_prime) cost, alternating round by round.
 *
 * usage: bench_evict LIST [ROUNDS]
 *
 * LIST is a probe's list of files (python/footprint.py's output). It becomes the footprint the way
 * benchd makes it (cache_probe_read: files another process maps now are marked shared and left out).
 * Prints one JSON object on stdout. Needs root for drop_caches.
 *
 * Each round also runs, for comparison (bench_evict_fdatasync), cache_evict's loop with
 * fdatasync() in place of sync_file_range(), as cache_evict() did at first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* Monotonic milliseconds. */
static double
bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The "Cached:" figure of /proc/meminfo, in kB, or -1. */
static long long
bench_cached_kb(void)
{
	char buf[8192], *p;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nCached:")) == NULL)
		return -1;
	return strtoll(p + 8, NULL, 10);
}

/*
 * For comparison, cache_evict as it was: fdatasync() in place of sync_file_range(). On ext4
 * fdatasync() flushes the disk's cache even for a file with nothing dirty.
 */
static void
bench_evict_fdatasync(char *const *paths, size_t n)
{
	int fd;

	for (size_t i = 0; i < n; i++) {
		if ((fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOATIME)) < 0 &&
		    (fd = open(paths[i], O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		fdatasync(fd);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

/* Print a JSON array of numbers. */
static void
bench_array(const char *name, const double *v, int n, int last)
{
	printf("  \"%s\": [", name);
	for (int i = 0; i < n; i++)
		printf("%s%.4f", i > 0 ? ", " : "", v[i]);
	printf("]%s\n", last ? "" : ",");
}

/* Build the footprint as benchd does, then time each operation round after round. */
int
main(int argc, char **argv)
{
	struct cache_state cs;
	char *cause = NULL;
	struct cache_file *files;
	size_t nfiles, npaths = 0, nshared = 0;
	char **paths;
	int64_t bytes = 0, shared_bytes = 0, failed, nbytes;
	int rounds = argc > 2 ? atoi(argv[2]) : 10;
	double *evict, *drop, *res_warm, *res_cold, *res_drop, *prime_cold, *pct_cold, *pct_drop;
	double *evict_mb, *drop_mb, *sfr, *pct_sfr, t;

	log_init("bench_evict", LOG_WARN);
	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: bench_evict LIST [ROUNDS]\n");
		return 2;
	}
	memset(&cs, 0, sizeof cs);
	cs.list_path = argv[1];
	if (cache_probe_read(&cs, &files, &nfiles) != 0) {
		fprintf(stderr, "bench_evict: %s\n", cs.error);
		return 1;
	}
	cs.list_path = NULL;	/* not ours to remove */
	cache_state_clear(&cs);
	paths = xcalloc(nfiles + 1, sizeof *paths);
	for (size_t i = 0; i < nfiles; i++) {
		if (files[i].shared) {
			nshared++;
			shared_bytes += files[i].bytes;
		} else {
			paths[npaths++] = xstrdup(files[i].path);
			bytes += files[i].bytes;
		}
	}
	cache_files_free(files, nfiles);

	evict = xcalloc(rounds, sizeof *evict);
	drop = xcalloc(rounds, sizeof *drop);
	res_warm = xcalloc(rounds, sizeof *res_warm);
	res_cold = xcalloc(rounds, sizeof *res_cold);
	res_drop = xcalloc(rounds, sizeof *res_drop);
	prime_cold = xcalloc(rounds, sizeof *prime_cold);
	pct_cold = xcalloc(rounds, sizeof *pct_cold);
	pct_drop = xcalloc(rounds, sizeof *pct_drop);
	evict_mb = xcalloc(rounds, sizeof *evict_mb);
	drop_mb = xcalloc(rounds, sizeof *drop_mb);
	sfr = xcalloc(rounds, sizeof *sfr);
	pct_sfr = xcalloc(rounds, sizeof *pct_sfr);

	for (int r = 0; r < rounds; r++) {
		long long before;

		/* A: from warm, targeted eviction, then residency of the cold footprint. */
		cache_prime(paths, npaths, NULL, &failed);
		t = bench_ms();
		cache_residency(paths, npaths, NULL, &nbytes);
		res_warm[r] = bench_ms() - t;
		before = bench_cached_kb();
		t = bench_ms();
		cache_evict(paths, npaths, NULL, &failed);
		evict[r] = bench_ms() - t;
		evict_mb[r] = (double)(before - bench_cached_kb()) / 1024.0;
		t = bench_ms();
		pct_cold[r] = cache_residency(paths, npaths, NULL, &nbytes);
		res_cold[r] = bench_ms() - t;
		t = bench_ms();
		cache_prime(paths, npaths, NULL, &failed);
		prime_cold[r] = bench_ms() - t;

		/* B: from warm, sync + drop_caches, then residency. */
		before = bench_cached_kb();
		t = bench_ms();
		if (cache_drop_all(&cause) != 0) {
			fprintf(stderr, "bench_evict: %s\n", cause);
			return 1;
		}
		drop[r] = bench_ms() - t;
		drop_mb[r] = (double)(before - bench_cached_kb()) / 1024.0;
		t = bench_ms();
		pct_drop[r] = cache_residency(paths, npaths, NULL, &nbytes);
		res_drop[r] = bench_ms() - t;

		/* C (for comparison): from warm, eviction with fdatasync, as cache_evict did at first. */
		cache_prime(paths, npaths, NULL, &failed);
		t = bench_ms();
		bench_evict_fdatasync(paths, npaths);
		sfr[r] = bench_ms() - t;
		pct_sfr[r] = cache_residency(paths, npaths, NULL, &nbytes);
	}

	printf("{\n  \"files\": %zu,\n  \"shared\": %zu,\n  \"shared_bytes\": %lld,\n  \"bytes\": %lld,\n"
	    "  \"rounds\": %d,\n", npaths, nshared, (long long)shared_bytes, (long long)bytes, rounds);
	bench_array("evict_ms", evict, rounds, 0);
	bench_array("drop_caches_ms", drop, rounds, 0);
	bench_array("residency_warm_ms", res_warm, rounds, 0);
	bench_array("residency_cold_ms", res_cold, rounds, 0);
	bench_array("residency_after_drop_ms", res_drop, rounds, 0);
	bench_array("prime_from_cold_ms", prime_cold, rounds, 0);
	bench_array("resident_after_evict_pct", pct_cold, rounds, 0);
	bench_array("resident_after_drop_pct", pct_drop, rounds, 0);
	bench_array("cached_freed_by_evict_mb", evict_mb, rounds, 0);
	bench_array("cached_freed_by_drop_mb", drop_mb, rounds, 0);
	bench_array("evict_fdatasync_ms", sfr, rounds, 0);
	bench_array("resident_after_fdatasync_pct", pct_sfr, rounds, 1);
	printf("}\n");

	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(evict);
	free(drop);
	free(res_warm);
	free(res_cold);
	free(res_drop);
	free(prime_cold);
	free(pct_cold);
	free(pct_drop);
	free(evict_mb);
	free(drop_mb);
	free(sfr);
	free(pct_sfr);
	return 0;
}
