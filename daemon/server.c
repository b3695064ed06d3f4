/* server.c: the Unix socket: peers of our uid only, capped JSON lines in, replies and events out. */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "proto.h"
#include "xmalloc.h"

#define SERVER_READ_SIZE	(64 * 1024)
#define SERVER_BACKLOG		(1024 * 1024)	/* unread replies before we stop reading a client */
#define SERVER_WATCH_BACKLOG	(1024 * 1024)	/* unread events before a watcher is dropped */

/* One connected client. Freed in its close callback. */
struct client {
	uv_pipe_t		 pipe;
	struct server		*server;
	char			*buf;		/* bytes of an unfinished line */
	size_t			 len;
	int			 closing;
	int			 paused;	/* not reading until its replies are read */
	int			 watching;
	int64_t			 watch_plan;	/* 0: every plan */
	unsigned		 uid;
	LIST_ENTRY(client)	 entry;
};

/* A write request with its own buffer, freed when the write is done. */
struct server_write {
	uv_write_t	 req;
	char		*data;
};

struct server {
	uv_loop_t		*loop;
	server_request_cb	 request;
	void			*request_arg;
	uv_pipe_t		 listener;
	int			 closing;
	int			 open_handles;
	size_t			 clients_max;	/* beyond this a client is told to come back later */
	size_t			 nclients;
	LIST_HEAD(, client)	 clients;
};

static void	server_write_cb(uv_write_t *, int);

/* Check a socket path and its folder before binding: its length, and a folder closed to others. */
static int
server_check_path(const char *path, char **cause)
{
	struct sockaddr_un sun;
	char *dir;
	int rc;

	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "socket path %s is %zu bytes, longer than a Unix socket allows "
		    "(%zu); use a shorter --socket", path, strlen(path), sizeof sun.sun_path - 1);
		return -1;
	}
	dir = paths_dirname(path);
	rc = paths_check_private(dir, "socket folder", cause);
	free(dir);
	return rc;
}

/* Refuse when a live daemon already answers on path; remove a stale socket file. */
static int
server_check_stale(const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket; remove it or use another --socket",
		    path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	if (rc == 0) {
		xasprintf(cause, "another benchd is already listening on %s; stop it first "
		    "(`benchctl --socket %s status` shows its pid)", path, path);
		return -1;
	}
	log_info("removing stale socket %s", path);
	unlink(path);
	return 0;
}

/* Free the server once its listener and all clients have closed. */
static void
server_unref(struct server *srv)
{
	if (--srv->open_handles == 0 && srv->closing)
		free(srv);
}

/* The listener's close callback. */
static void
server_listener_closed(uv_handle_t *h)
{
	server_unref(h->data);
}

/* A client's close callback: it leaves the list and is freed. */
static void
server_client_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	struct server *srv = c->server;

	LIST_REMOVE(c, entry);
	srv->nclients--;
	free(c->buf);
	free(c);
	server_unref(srv);
}

/* Close a client now; its pending writes are cancelled. */
static void
server_client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->pipe, server_client_closed);
}

/* After a shutdown has flushed the client's writes, close it. */
static void
server_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct client *c = req->data;

	(void)status;
	free(req);
	server_client_close(c);
}

/* Close a client once what was written to it has gone out. */
static void
server_client_finish(struct client *c)
{
	uv_shutdown_t *req;

	if (c->closing)
		return;
	uv_read_stop((uv_stream_t *)&c->pipe);
	req = xmalloc(sizeof *req);
	req->data = c;
	if (uv_shutdown(req, (uv_stream_t *)&c->pipe, server_shutdown_cb) != 0) {
		free(req);
		server_client_close(c);
	}
}


/* Send one JSON message as a line. Steals msg. */
static void
server_send(struct client *c, json_t *msg)
{
	struct server_write *w;
	uv_buf_t buf;
	char *text;

	if (msg == NULL)
		return;
	text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	if (text == NULL || c->closing) {
		free(text);
		return;
	}
	w = xmalloc(sizeof *w);
	xasprintf(&w->data, "%s\n", text);
	free(text);
	buf = uv_buf_init(w->data, (unsigned)strlen(w->data));
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, server_write_cb) != 0) {
		free(w->data);
		free(w);
		server_client_close(c);
	}
}

/* Handle one complete request line. */
static void
server_line(struct client *c, const char *line, size_t len)
{
	struct proto_request req;
	struct proto_answer res = { NULL, NULL, 0, 0 };
	char *cause = NULL;

	if (len == 0)
		return;
	if (proto_decode_request(line, len, &req, &cause) != 0) {
		server_send(c, proto_reply_error(cause));
		free(cause);
		return;
	}
	c->server->request(c->server->request_arg, &req, c->uid, &res);
	proto_request_clear(&req);
	server_send(c, res.reply);
	if (res.watch) {
		c->watching = 1;
		c->watch_plan = res.watch_plan;
	}
	server_send(c, res.then);
}

/* Give libuv a buffer to read into. */
static void
server_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = xmalloc(SERVER_READ_SIZE);
	buf->len = SERVER_READ_SIZE;
}

/* Bytes written to a client that it has not read yet. */
static size_t
server_backlog(struct client *c)
{
	return uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
}

/*
 * Answer the complete lines buffered for a client. A client that sends
 * requests faster than it reads the replies is paused (no more reading) once
 * SERVER_BACKLOG of replies wait, and resumed when it has read half of them,
 * so it cannot make the daemon's memory grow. A line over the cap gets an
 * error and the client is closed.
 */
static void
server_drain(struct client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing && !c->paused &&
	    (nl = memchr(c->buf + start, '\n', c->len - start)) != NULL) {
		size_t len = (size_t)(nl - (c->buf + start));

		if (len > PROTO_LINE_MAX)
			break;
		server_line(c, c->buf + start, len);
		start += len + 1;
		if (server_backlog(c) > SERVER_BACKLOG) {
			c->paused = 1;
			uv_read_stop((uv_stream_t *)&c->pipe);
		}
	}
	if (c->closing)
		return;
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (c->len > PROTO_LINE_MAX && memchr(c->buf, '\n', PROTO_LINE_MAX + 1) == NULL) {
		log_warnx("client sent a line over %d bytes; closing it", PROTO_LINE_MAX);
		server_send(c, proto_reply_error("request line over 1 MiB; send one JSON object per "
		    "line, under 1 MiB"));
		server_client_finish(c);
	}
}

/* Take what arrived and answer the lines that are complete. */
static void
server_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = stream->data;

	if (nread < 0) {
		free(buf->base);
		server_client_close(c);
		return;
	}
	c->buf = xrealloc(c->buf, c->len + (size_t)nread);
	memcpy(c->buf + c->len, buf->base, (size_t)nread);
	c->len += (size_t)nread;
	free(buf->base);
	server_drain(c);
}

/* A write finished (or was cancelled because the client left); a paused client may go on. */
static void
server_write_cb(uv_write_t *req, int status)
{
	struct server_write *w = (struct server_write *)req;
	struct client *c = req->handle->data;

	free(w->data);
	free(w);
	if (status != 0 || c->closing || !c->paused || server_backlog(c) > SERVER_BACKLOG / 2)
		return;
	c->paused = 0;
	server_drain(c);
	if (!c->paused && !c->closing)
		uv_read_start((uv_stream_t *)&c->pipe, server_alloc_cb, server_read_cb);
}

/* A new client: accept it if it runs as our uid (or root), else refuse and say so in the log. */
static void
server_connection_cb(uv_stream_t *listener, int status)
{
	struct server *srv = listener->data;
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof cred;
	uv_os_fd_t fd;

	if (status != 0) {
		log_warnx("accept: %s", uv_strerror(status));
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->server = srv;
	uv_pipe_init(srv->loop, &c->pipe, 0);
	c->pipe.data = c;
	LIST_INSERT_HEAD(&srv->clients, c, entry);
	srv->open_handles++;
	srv->nclients++;
	if (uv_accept(listener, (uv_stream_t *)&c->pipe) != 0) {
		server_client_close(c);
		return;
	}
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("reading a client's credentials");
		server_client_close(c);
		return;
	}
	c->uid = cred.uid;
	if (cred.uid != getuid() && cred.uid != 0) {
		log_warnx("refused a client of uid %u (pid %d): only uid %u and root may use "
		    "this daemon", (unsigned)cred.uid, (int)cred.pid, (unsigned)getuid());
		server_client_close(c);
		return;
	}
	/*
	 * Descriptors are kept for the runs: past the cap a client is told so,
	 * not served. The refusal is sent at once, without waiting for the socket,
	 * and the client closed before the next accept: during a burst, refused
	 * clients must not hold descriptors a run would need.
	 */
	if (srv->nclients > srv->clients_max) {
		json_t *reply;
		char *why, *text, *line;

		xasprintf(&why, "too many clients (%zu connected, at most %zu); try again when some "
		    "have left", srv->nclients - 1, srv->clients_max);
		reply = proto_reply_error(why);
		text = json_dumps(reply, JSON_COMPACT);
		xasprintf(&line, "%s\n", text != NULL ? text : "");
		if (send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("refusing a client: %s", strerror(errno));
		json_decref(reply);
		free(text);
		free(line);
		free(why);
		server_client_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, server_alloc_cb, server_read_cb);
}

/*
 * Listen on path: the folder must be ours and closed to others, a stale
 * socket is removed, a live one means another daemon and a refusal. The
 * socket is created 0600.
 */
struct server *
server_create(uv_loop_t *loop, const char *path, server_request_cb request, void *arg,
    size_t clients_max, char **cause)
{
	struct sockaddr_un sun;
	struct server *srv;
	mode_t old;
	int fd, rc;

	if (server_check_path(path, cause) != 0 || server_check_stale(path, cause) != 0)
		return NULL;
	/*
	 * Bound here rather than by uv_pipe_bind(): libuv unlinks the path of a
	 * pipe it bound when it closes it, and by then another daemon may have
	 * put its own socket there. benchd removes its socket itself, only when
	 * the file is still the one it made.
	 */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc != 0) {
		xasprintf(cause, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	chmod(path, 0600);
	srv = xcalloc(1, sizeof *srv);
	srv->loop = loop;
	srv->clients_max = clients_max;
	srv->request = request;
	srv->request_arg = arg;
	LIST_INIT(&srv->clients);
	uv_pipe_init(loop, &srv->listener, 0);
	srv->listener.data = srv;
	srv->open_handles = 1;
	if ((rc = uv_pipe_open(&srv->listener, fd)) == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, server_connection_cb);
	else
		close(fd);
	if (rc != 0) {
		xasprintf(cause, "cannot listen on %s: %s", path, uv_strerror(rc));
		unlink(path);
		srv->closing = 1;
		uv_close((uv_handle_t *)&srv->listener, server_listener_closed);
		return NULL;
	}
	return srv;
}

/* Stop listening and close every client. */
void
server_close(struct server *srv)
{
	struct client *c;

	if (srv == NULL || srv->closing)
		return;
	srv->closing = 1;
	LIST_FOREACH(c, &srv->clients, entry)
		server_client_close(c);
	uv_close((uv_handle_t *)&srv->listener, server_listener_closed);
}

/* Send an event to every client watching its plan; drop watchers that stopped reading. */
void
server_broadcast(struct server *srv, int64_t plan_id, json_t *ev)
{
	struct client *c;

	if (ev == NULL)
		return;
	if (srv == NULL || srv->closing) {
		json_decref(ev);
		return;
	}
	LIST_FOREACH(c, &srv->clients, entry) {
		if (!c->watching || c->closing || (c->watch_plan != 0 && c->watch_plan != plan_id))
			continue;
		if (server_backlog(c) > SERVER_WATCH_BACKLOG) {
			log_warnx("a watcher has not read %d MiB of events; dropping it",
			    SERVER_WATCH_BACKLOG >> 20);
			server_client_close(c);
			continue;
		}
		server_send(c, json_incref(ev));
	}
	json_decref(ev);
}
