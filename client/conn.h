/*
 * conn.h: benchctl's connection to benchd: connect to the Unix socket (or
 * take a descriptor a relay to another machine's benchd reads and writes),
 * send one JSON line, read capped reply lines.
 */
#ifndef BENCHD_CONN_H
#define BENCHD_CONN_H

#include <jansson.h>

struct conn;

/*
 * A connection through a relay (ssh to a device's benchctl): what closing it
 * does, and why it ended when it ends early. conn_open_fd's caller owns it.
 */
struct conn_relay {
	const char	*name;		/* the device, before every message: "phone: ..." */
	/* Why the relay ended, once its end of the descriptor closed: a new sentence, or NULL. */
	char		*(*ended)(void *arg);
	/* The connection is freed (its descriptor closed already): end and reap the relay. */
	void		 (*free)(void *arg);
	void		*arg;
};

/*
 * Connect to the daemon's socket. Returns NULL with *cause set to one line a
 * person can act on; when nothing listens there, the line says how to start
 * a daemon.
 */
struct conn	*conn_open(const char *path, char **cause);
/*
 * A connection over fd (a socket whose other end a relay reads and writes),
 * which it owns from now on; relay says how to word its errors and end it.
 */
struct conn	*conn_open_fd(int fd, const struct conn_relay *relay);
/* The connection's descriptor (benchctl relay passes bytes through it as they are). */
int		 conn_fd(const struct conn *);
/* The device a relayed connection reaches, or NULL for this machine's benchd. */
const char	*conn_name(const struct conn *);
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
