/*
 * server.h: the Unix socket: accepting clients of our own uid, reading their
 * newline-delimited JSON requests under a size cap, answering them, and
 * streaming events to those who watch.
 */
#ifndef BENCHD_SERVER_H
#define BENCHD_SERVER_H

#include <jansson.h>
#include <stdint.h>

struct benchd;
struct server;

struct server	*server_create(struct benchd *, const char *path, char **cause);
/* Stop listening and close every client; the server frees itself once all is closed. */
void		 server_close(struct server *);
/* Send an event to every client watching plan_id (or every plan). Steals ev. */
void		 server_broadcast(struct server *, int64_t plan_id, json_t *ev);

#endif
