/* profile.c: device profiles: sizes, rates and quotas with their units read into numbers, and profiles told in words. */
#include "profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* A unit a size may end in, and how many bytes it stands for. */
struct profile_unit {
	const char	*name;
	uint64_t	 bytes;
};

static const struct profile_unit profile_units[] = {
	{ "B", 1 },
	{ "kB", 1000ULL }, { "KB", 1000ULL }, { "MB", 1000000ULL },
	{ "GB", 1000000000ULL }, { "TB", 1000000000000ULL },
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ NULL, 0 }
};

/*
 * Units people write that are not bytes, or not one number of bytes, with
 * the fix. "1G" is a GiB to docker and systemd and a GB to others.
 */
static const struct profile_unit profile_wrong_units[] = {
	{ "K", 0 }, { "k", 0 }, { "M", 0 }, { "G", 0 }, { "T", 0 },
	{ NULL, 0 }
};

/* Read the number a size starts with: digits, maybe a fraction. Sets *end. */
static int
profile_number(const char *s, double *out, const char **end)
{
	const char *p = s;
	int digits = 0;

	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (digits == 0)
		return -1;
	*out = strtod(s, NULL);
	*end = p;
	return 0;
}

/* Read a size or a rate; see profile.h. */
int
profile_parse_size(const char *text, int rate, uint64_t *out, const char **why)
{
	const char *expect = rate ? PROFILE_EXPECT_RATE : PROFILE_EXPECT_SIZE;
	const char *p, *unit;
	char name[8];
	double v;
	size_t n;

	*why = expect;
	if (text == NULL || profile_number(text, &v, &p) != 0)
		return -1;
	if (*p == ' ')
		p++;
	unit = p;
	n = strlen(unit);
	if (n >= 2 && strcmp(unit + n - 2, "/s") == 0) {
		if (!rate) {
			*why = "a size, not a rate: drop the \"/s\", like 1GB";
			return -1;
		}
		n -= 2;
	}
	if (n >= sizeof name)
		return -1;
	memcpy(name, unit, n);
	name[n] = '\0';
	if (n > 0) {
		const struct profile_unit *u;

		for (u = profile_units; u->name != NULL; u++) {
			if (strcmp(u->name, name) == 0)
				break;
		}
		if (u->name == NULL) {
			for (const struct profile_unit *w = profile_wrong_units; w->name != NULL; w++) {
				if (strcmp(w->name, name) == 0) {
					*why = "a unit of bytes: write kB, MB, GB (powers of 1000) or KiB, MiB, "
					    "GiB (powers of 1024), not a bare K, M or G";
					return -1;
				}
			}
			if (n >= 2 && name[n - 1] == 'b') {
				*why = "bytes, not bits: write B (MB, GB), not b (Mb is megabits)";
				return -1;
			}
			return -1;
		}
		v *= (double)u->bytes;
	}
	v = floor(v + 0.5);
	if (v < 1) {
		*why = rate ? "a rate above 0; leave the key out for no limit" :
		    "a size above 0; leave the key out for no limit";
		return -1;
	}
	if (v > (double)PROFILE_VALUE_MAX) {
		*why = "a smaller number; leave the key out for no limit";
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/* Read a whole positive count; see profile.h. */
int
profile_parse_count(const char *text, uint64_t *out, const char **why)
{
	uint64_t v = 0;

	*why = PROFILE_EXPECT_IOPS;
	if (text == NULL || *text == '\0')
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > PROFILE_VALUE_MAX / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0) {
		*why = "a count above 0; leave read_iops out for no limit";
		return -1;
	}
	*out = v;
	return 0;
}

/* Read a CPU quota; see profile.h. */
int
profile_parse_quota(const char *text, double *out, const char **why)
{
	const char *end;
	double v;

	*why = PROFILE_EXPECT_QUOTA;
	if (text == NULL || profile_number(text, &v, &end) != 0 || *end != '\0')
		return -1;
	if (v < PROFILE_QUOTA_MIN || v > PROFILE_QUOTA_MAX) {
		*why = "a quota from 0.01 (1 ms of every 100 ms, the kernel's smallest) to 4096 "
		    "CPUs' worth; leave cpu_quota out for no limit";
		return -1;
	}
	*out = v;
	return 0;
}

/* The quota in microseconds a period. */
uint64_t
profile_quota_us(const struct profile *p)
{
	if (p == NULL || p->cpu_quota <= 0)
		return 0;
	return (uint64_t)llround(p->cpu_quota * PROFILE_CPU_PERIOD_US);
}

/* Whether the profile limits the disk. */
int
profile_limits_io(const struct profile *p)
{
	return p != NULL && (p->read_bps != 0 || p->read_iops != 0);
}

/*
 * Bytes as a person reads them: in the largest unit, decimal or binary, that
 * gives at most three decimals exactly ("1.5 GB", "1 GiB", "25 MB").
 */
char *
profile_bytes_text(uint64_t v)
{
	static const struct { uint64_t unit; const char *name; } units[] = {
		{ 1000000000000ULL, "TB" }, { 1ULL << 40, "TiB" },
		{ 1000000000ULL, "GB" }, { 1ULL << 30, "GiB" },
		{ 1000000ULL, "MB" }, { 1ULL << 20, "MiB" },
		{ 1000ULL, "kB" }, { 1ULL << 10, "KiB" },
	};
	char *s;

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		uint64_t u = units[i].unit;

		if (v >= u && (v % u) * 1000 % u == 0 && (v / u < 1000 || i < 2)) {
			xasprintf(&s, "%.10g %s", (double)v / (double)u, units[i].name);
			return s;
		}
	}
	if (v >= 1000ULL)
		xasprintf(&s, "%.4g %s", v >= 1000000000ULL ? (double)v / 1e9 :
		    v >= 1000000ULL ? (double)v / 1e6 : (double)v / 1e3,
		    v >= 1000000000ULL ? "GB" : v >= 1000000ULL ? "MB" : "kB");
	else
		xasprintf(&s, "%llu B", (unsigned long long)v);
	return s;
}

/* The profile in words; see profile.h. */
char *
profile_describe(const struct profile *p)
{
	char *text = NULL, *part, *num;

	if (p->read_bps != 0) {
		num = profile_bytes_text(p->read_bps);
		xasprintf(&part, "read %s/s", num);
		xstrappend(&text, ", ", part);
		free(part);
		free(num);
	}
	if (p->read_iops != 0) {
		xasprintf(&part, "%llu read IOPS", (unsigned long long)p->read_iops);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (p->memory != 0) {
		num = profile_bytes_text(p->memory);
		xasprintf(&part, "memory %s", num);
		xstrappend(&text, ", ", part);
		free(part);
		free(num);
	}
	if (p->cpus != NULL) {
		xasprintf(&part, "cpus %s", p->cpus);
		xstrappend(&text, ", ", part);
		free(part);
	}
	if (p->cpu_quota > 0) {
		xasprintf(&part, "%g CPU%s of time", p->cpu_quota, p->cpu_quota <= 1 ? "" : "s");
		xstrappend(&text, ", ", part);
		free(part);
	}
	return text != NULL ? text : xstrdup("no limits");
}

/* A deep copy of a profile. */
struct profile *
profile_copy(const struct profile *p)
{
	struct profile *c = xcalloc(1, sizeof *c);

	*c = *p;
	c->name = p->name != NULL ? xstrdup(p->name) : NULL;
	c->source = p->source != NULL ? xstrdup(p->source) : NULL;
	c->description = p->description != NULL ? xstrdup(p->description) : NULL;
	c->cpus = p->cpus != NULL ? xstrdup(p->cpus) : NULL;
	return c;
}

/* Free a profile and its strings. */
void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->source);
	free(p->description);
	free(p->cpus);
	free(p);
}
