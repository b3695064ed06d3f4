/* request.h: what each request of the socket protocol does: submit, status, cancel, watch. */
#ifndef BENCHD_REQUEST_H
#define BENCHD_REQUEST_H

#include <jansson.h>
#include <stdint.h>

#include "proto.h"

struct benchd;

struct request_result {
	json_t		*reply;		/* always set */
	json_t		*then;		/* an event to send right after the reply, or NULL */
	int		 watch;		/* the client now watches */
	int64_t		 watch_plan;	/* that plan, or 0 for all */
};

void	request_handle(struct benchd *, const struct proto_request *, unsigned uid,
	    struct request_result *);

#endif
