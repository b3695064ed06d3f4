/* conn.c: one client connection to benchd, speaking newline-delimited JSON with a hard cap on every reply line. */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/* A reply line and its newline never need more than this much buffer. */
#define CONN_BUF_MAX	((size_t)PROTO_LINE_MAX + 1)
#define CONN_BUF_FIRST	((size_t)65536)

struct conn {
	int	 fd;
	int	 timeout_ms;	/* per reply; -1 waits for ever */

	char	*buf;		/* bytes read but not yet handed out */
	size_t	 size;		/* allocated */
	size_t	 off;		/* start of the first unconsumed line */
	size_t	 len;		/* end of the bytes read */
	size_t	 scanned;	/* bytes after off known to hold no newline */

	struct conn_relay relay;	/* through a relay: its name and hooks; zero for a socket */
};

/*
 * Fill *cause with a message about the connection: through a relay, it names
 * the device first, and a relay that ended says why (ssh's status) instead of
 * what the connection saw (closed) when ended is set.
 */
static void __attribute__((format(printf, 4, 5)))
conn_cause(struct conn *c, char **cause, int ended, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	if (ended && c->relay.ended != NULL)
		text = c->relay.ended(c->relay.arg);
	if (text == NULL) {
		va_start(ap, fmt);
		xvasprintf(&text, fmt, ap);
		va_end(ap);
	}
	if (c->relay.name == NULL) {
		*cause = text;
		return;
	}
	xasprintf(cause, "%s: %s", c->relay.name, text);
	free(text);
}

/* Connect to the Unix socket at path; say how to start a daemon when none listens. */
struct conn *
conn_open(const char *path, char **cause)
{
	struct sockaddr_un sun;
	int fd, err;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "socket path is too long (%zu bytes, at most %zu): %s",
		    strlen(path), sizeof sun.sun_path - 1, path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "cannot create a socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		err = errno;
		close(fd);
		if (err == ENOENT || err == ECONNREFUSED) {
			xasprintf(cause, "no benchd is listening on %s (%s); start one with: "
			    "benchd --socket %s &", path, strerror(err), path);
		} else
			xasprintf(cause, "cannot connect to %s: %s", path, strerror(err));
		return NULL;
	}
	return conn_open_fd(fd, NULL);
}

/* A connection over a descriptor already connected (to a relay, or by conn_open). */
struct conn *
conn_open_fd(int fd, const struct conn_relay *relay)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->timeout_ms = -1;
	c->size = CONN_BUF_FIRST;
	c->buf = xmalloc(c->size);
	if (relay != NULL)
		c->relay = *relay;
	return c;
}

/* The connection's descriptor, for a relay that passes its bytes on as they are. */
int
conn_fd(const struct conn *c)
{
	return c->fd;
}

/* The device a relayed connection reaches, or NULL. */
const char *
conn_name(const struct conn *c)
{
	return c->relay.name;
}

/* Close the socket (a relay then sees its end), end the relay, and free the connection. */
void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	if (c->relay.free != NULL)
		c->relay.free(c->relay.arg);
	free(c->buf);
	free(c);
}

/* Bound the wait for each later reply. */
void
conn_set_timeout(struct conn *c, int ms)
{
	c->timeout_ms = ms;
}

/* Write all of buf, without SIGPIPE when the daemon has gone. */
static int
conn_write(struct conn *c, const char *buf, size_t len, char **cause)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno == EPIPE || errno == ECONNRESET)
				conn_cause(c, cause, 1, "benchd closed the connection before "
				    "reading the request");
			else
				conn_cause(c, cause, 0, "cannot send to benchd: %s",
				    strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Encode msg compactly (so it holds no newline) and send it as one line. */
int
conn_send(struct conn *c, json_t *msg, char **cause)
{
	char *line;
	size_t len;
	int rc = -1;

	if ((line = json_dumps(msg, JSON_COMPACT)) == NULL)
		fatalx("conn_send: cannot encode the request (out of memory)");
	len = strlen(line);
	if (len > PROTO_LINE_MAX) {
		conn_cause(c, cause, 0, "the request is too large (%zu bytes encoded; benchd "
		    "accepts at most %d per line)", len, PROTO_LINE_MAX);
		goto fail;
	}
	if (conn_write(c, line, len, cause) != 0 || conn_write(c, "\n", 1, cause) != 0)
		goto fail;
	rc = 0;
fail:
	free(line);
	return rc;
}

/* Turn one line into a JSON object of this protocol version. */
static int
conn_decode(struct conn *c, const char *line, size_t len, json_t **msg, char **cause)
{
	json_error_t jerr;
	json_t *o, *v;

	if ((o = json_loadb(line, len, 0, &jerr)) == NULL) {
		conn_cause(c, cause, 0, "benchd sent a line that is not JSON (%s at column %d)",
		    jerr.text, jerr.column);
		return -1;
	}
	if (!json_is_object(o)) {
		conn_cause(c, cause, 0, "benchd sent JSON that is not an object");
		goto fail;
	}
	v = json_object_get(o, "v");
	if (!json_is_integer(v)) {
		conn_cause(c, cause, 0, "benchd sent a message without a protocol version \"v\"");
		goto fail;
	}
	if (json_integer_value(v) != PROTO_VERSION) {
		conn_cause(c, cause, 0, "benchd speaks protocol version %lld, this benchctl "
		    "speaks %d; use the benchctl built with that benchd",
		    (long long)json_integer_value(v), PROTO_VERSION);
		goto fail;
	}
	*msg = o;
	return 0;
fail:
	json_decref(o);
	return -1;
}

/* Wait until the socket is readable or the reply timeout passes. */
static int
conn_wait(struct conn *c, char **cause)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n;

	if (c->timeout_ms < 0)
		return 0;
	do
		n = poll(&pfd, 1, c->timeout_ms);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		conn_cause(c, cause, 0, "cannot wait for benchd: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		conn_cause(c, cause, 0, "benchd did not reply within %d s", c->timeout_ms / 1000);
		return -1;
	}
	return 0;
}

/* Read one capped line and decode it. */
int
conn_recv(struct conn *c, json_t **msg, char **cause)
{
	char *nl;
	size_t linelen;
	ssize_t n;

	*msg = NULL;
	for (;;) {
		nl = memchr(c->buf + c->off + c->scanned, '\n',
		    c->len - c->off - c->scanned);
		if (nl != NULL) {
			linelen = (size_t)(nl - (c->buf + c->off));
			if (linelen > PROTO_LINE_MAX)
				break;
			c->off += linelen + 1;
			c->scanned = 0;
			return conn_decode(c, nl - linelen, linelen, msg, cause);
		}
		c->scanned = c->len - c->off;
		if (c->scanned > PROTO_LINE_MAX)
			break;

		/* Move the partial line to the front, then make room after it. */
		if (c->off > 0) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len == c->size) {
			c->size *= 2;
			if (c->size > CONN_BUF_MAX)
				c->size = CONN_BUF_MAX;
			c->buf = xrealloc(c->buf, c->size);
		}

		if (conn_wait(c, cause) != 0)
			return -1;
		n = read(c->fd, c->buf + c->len, c->size - c->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != ECONNRESET) {
			conn_cause(c, cause, 0, "cannot read from benchd: %s", strerror(errno));
			return -1;
		}
		if (n <= 0) {
			if (c->len > 0)
				conn_cause(c, cause, 1, "benchd closed the connection in "
				    "the middle of a reply");
			else
				conn_cause(c, cause, 1, "benchd closed the connection");
			return -1;
		}
		c->len += (size_t)n;
	}
	conn_cause(c, cause, 0, "benchd sent a line longer than %d bytes; giving up on it",
	    PROTO_LINE_MAX);
	return -1;
}
