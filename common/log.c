/* log.c: stderr logging with a level filter, after OpenBSD's log.c. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_progname = "benchd";
static enum log_level log_level = LOG_INFO;

static const char *const log_level_names[] = { "error", "warn", "info", "debug" };

/* Set the program name printed before each line and the most verbose level shown. */
void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_level = level;
}

/* Map "error", "warn", "info" or "debug" to a level; -1 for anything else. */
int
log_parse_level(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof log_level_names / sizeof log_level_names[0]; i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Write one line: time, program, level, message and an optional errno text. */
static void
log_vwrite(enum log_level level, int err, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s: ", when, ts.tv_nsec / 1000000, log_progname,
	    log_level_names[level]);
	vfprintf(stderr, fmt, ap);
	if (err != 0)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

/* Warn about something the program survives, with errno's text. */
void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARN, err, fmt, ap);
	va_end(ap);
	errno = err;
}

/* Warn about something the program survives. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

/* Report an event worth knowing. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Report detail for debugging. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* A broken invariant, with errno's text: print and abort. */
void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, err, fmt, ap);
	va_end(ap);
	abort();
}

/* A broken invariant or out-of-memory: print and abort. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	abort();
}
