/*
 * profile.h: device profiles: the limits that make a run on this server
 * behave like one on a terminal (a phone, a board): read bandwidth and read
 * IOPS of the disk its files live on, memory (page cache included), CPUs and
 * a CPU quota. Values with units in, numbers out, and back to words. Pure:
 * the plan parser reads the YAML, rungroup.c applies a profile.
 */
#ifndef BENCHD_PROFILE_H
#define BENCHD_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define PROFILE_CPU_PERIOD_US	100000		/* the period cpu_quota is a share of: the kernel's default */
#define PROFILE_QUOTA_MIN	0.01		/* 1 ms a period: the kernel's smallest quota */
#define PROFILE_QUOTA_MAX	4096.0
#define PROFILE_MEMORY_MIN	(16ULL * 1000 * 1000)	/* below this no interpreter starts */
#define PROFILE_VALUE_MAX	(1ULL << 62)

/* What each value of a profile must look like, for the messages that refuse one. */
#define PROFILE_EXPECT_RATE	"a rate like 25MB (megabytes a second), 200MiB/s or 12500000 (bytes a second)"
#define PROFILE_EXPECT_SIZE	"a size like 1GB, 512MiB or 1000000000 (bytes)"
#define PROFILE_EXPECT_IOPS	"a whole number of read operations a second, like 1500"
#define PROFILE_EXPECT_QUOTA	"CPUs' worth of time, a number like 0.5 (half of one CPU) or 2"

/*
 * A device profile, every limit optional (0 or NULL: not limited). A plain
 * value: whoever holds one owns its strings; profile_free() frees them.
 */
struct profile {
	char		*name;		/* "sdcard", or "inline" when written in the plan's condition */
	char		*source;	/* the file it is defined in */
	char		*description;	/* or NULL */
	uint64_t	 read_bps;	/* read bytes a second, on each disk the run reads */
	uint64_t	 read_iops;	/* read operations a second, on each disk */
	uint64_t	 memory;	/* bytes the run may use, its page cache included */
	char		*cpus;		/* CPU list the run may use (cpuset), taskset's syntax */
	double		 cpu_quota;	/* CPUs' worth of time a period, over the whole run */
};

/*
 * Read a size ("1GB", "512MiB", "1.5 GB", "4096") or, with rate, a rate
 * (the same, optionally ending in "/s"). MB is 10^6 bytes, MiB 2^20. 0 and
 * *out, or -1 and *why, a static phrase naming the fix.
 */
int		 profile_parse_size(const char *text, int rate, uint64_t *out, const char **why);
/* Read a whole positive count (read_iops). */
int		 profile_parse_count(const char *text, uint64_t *out, const char **why);
/* Read a CPU quota: CPUs' worth of time, PROFILE_QUOTA_MIN to PROFILE_QUOTA_MAX. */
int		 profile_parse_quota(const char *text, double *out, const char **why);

/* The quota in microseconds of each PROFILE_CPU_PERIOD_US, 0 when not limited. */
uint64_t	 profile_quota_us(const struct profile *);
/* Whether the profile limits the disk (read_bps or read_iops). */
int		 profile_limits_io(const struct profile *);
/* The profile in words: "read 25 MB/s, 1500 IOPS, memory 1 GB, cpus 0, 0.5 CPU". */
char		*profile_describe(const struct profile *);
/* Bytes as a person reads them: "25 MB", "1.5 GB", "512 MiB" when binary is exact. */
char		*profile_bytes_text(uint64_t);

struct profile	*profile_copy(const struct profile *);
void		 profile_free(struct profile *);

#endif
