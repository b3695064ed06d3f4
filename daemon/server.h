/*
 * server.h: the Unix socket: accepting clients of our own uid, reading their
 * newline-delimited JSON requests under a size cap, handing each to the
 * request callback it is given, and streaming events to those who watch.
 */
#ifndef BENCHD_SERVER_H
#define BENCHD_SERVER_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "proto.h"

struct server;

/* Answer one decoded request of a client of uid; answer->reply must be set. */
typedef void	(*server_request_cb)(void *arg, const struct proto_request *, unsigned uid,
		    struct proto_answer *answer);

/* Listen on path; at most clients_max clients are served at once, the rest told to come back. */
struct server	*server_create(uv_loop_t *, const char *path, server_request_cb, void *arg,
		    size_t clients_max, char **cause);
/* Stop listening and close every client; the server frees itself once all is closed. */
void		 server_close(struct server *);
/* Send an event to every client watching plan_id (or every plan). Steals ev. */
void		 server_broadcast(struct server *, int64_t plan_id, json_t *ev);

#endif
