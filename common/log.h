/* log.h: one-line log messages to stderr, in three tiers (fatal, warn, info/debug). */
#ifndef BENCHD_LOG_H
#define BENCHD_LOG_H

#include <stdnoreturn.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *progname, enum log_level level);
int log_parse_level(const char *name, enum log_level *level);

/* log_warn() appends strerror(errno); log_warnx() does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For broken invariants and out-of-memory only: print and abort. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
