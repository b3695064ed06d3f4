/* benchd.h: the daemon's shared state, one per process, and the modules it wires together. */
#ifndef BENCHD_BENCHD_H
#define BENCHD_BENCHD_H

#include <stdint.h>
#include <uv.h>

struct store;
struct server;
struct runner;

struct benchd {
	uv_loop_t	*loop;
	struct store	*store;
	struct server	*server;
	struct runner	*runner;
	char		*socket_path;
	char		*db_path;
	uint64_t	 started_ms;	/* uv_now() at start, for uptime */
	int		 stopping;
	uv_signal_t	 sig[3];	/* SIGTERM, SIGINT, SIGHUP */
};

/* Begin an orderly stop: no new work, the run in flight is interrupted. */
void	benchd_shutdown(struct benchd *);

#endif
