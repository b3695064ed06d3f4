/* request.h: what each request of the socket protocol does: submit, status, cancel, watch. */
#ifndef BENCHD_REQUEST_H
#define BENCHD_REQUEST_H

#include <stdint.h>

#include "proto.h"

struct runner;
struct store;

/* What requests act on, and what status tells of the daemon. */
struct request_env {
	struct store	*store;
	struct runner	*runner;
	const char	*socket_path;
	const char	*db_path;
	double		 started_mono_ms;	/* clock_mono_ms() at start, for uptime */
};

/* Carry out one decoded request from a client of uid; answer->reply is always set. */
void	request_handle(const struct request_env *, const struct proto_request *, unsigned uid,
	    struct proto_answer *);

#endif
