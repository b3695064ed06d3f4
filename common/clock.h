/* clock.h: time as benchd records it: unix seconds with microseconds, and a monotonic clock for spans. */
#ifndef BENCHD_CLOCK_H
#define BENCHD_CLOCK_H

/* CLOCK_REALTIME in seconds, cut to whole microseconds (what the database keeps). */
double	clock_unix_now(void);
/* CLOCK_MONOTONIC in milliseconds, for measuring how long something took. */
double	clock_mono_ms(void);

#endif
