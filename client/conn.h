/* conn.h: benchctl's connection to benchd: connect to the Unix socket, send one JSON line, read capped reply lines. */
#ifndef BENCHD_CONN_H
#define BENCHD_CONN_H

#include <jansson.h>

struct conn;

/*
 * Connect to the daemon's socket. Returns NULL with *cause set to one line a
 * person can act on; when nothing listens there, the line says how to start
 * a daemon.
 */
struct conn	*conn_open(const char *path, char **cause);
/* Close the socket and free the connection. */
void		 conn_free(struct conn *);
/* Wait at most ms milliseconds for each reply from now on (-1: for ever). */
void		 conn_set_timeout(struct conn *, int ms);
/* Send one request object as one line: 0, or -1 with *cause. */
int		 conn_send(struct conn *, json_t *msg, char **cause);
/*
 * Read one reply line (at most PROTO_LINE_MAX bytes) and decode it into a
 * JSON object with "v" 1. Returns 0 with a new reference in *msg, or -1 with
 * *cause (closed connection, oversized line, not JSON, wrong version).
 */
int		 conn_recv(struct conn *, json_t **msg, char **cause);

#endif
