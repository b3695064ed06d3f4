/* relay.c: "benchctl relay": this machine's benchd for a benchctl elsewhere, between ssh's standard input and output and the socket. */
#include "relay.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "conn.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/* How much is passed on at a time. */
#define RELAY_CHUNK	65536

/* Write all of buf to fd: 0, or -1 when the other side has gone (SIGPIPE is ignored). */
int
relay_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write one JSON object as a line to standard output, and free it. */
int
relay_line(json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT);
	int rc;

	json_decref(o);
	if (line == NULL)
		fatalx("out of memory encoding JSON");
	rc = relay_write(STDOUT_FILENO, line, strlen(line)) == 0 &&
	    relay_write(STDOUT_FILENO, "\n", 1) == 0 ? 0 : -1;
	free(line);
	return rc;
}

/* The line that says why there is nothing to pass on; returns 1, the exit status. */
int
relay_fail(const char *cause)
{
	json_t *o = cli_jcheck(json_object());

	cli_jset(o, "v", json_integer(PROTO_VERSION));
	cli_jset(o, "ok", json_false());
	cli_jset(o, "error", json_string(cause));
	relay_line(o);
	return 1;
}

/* The first line: benchd reached, and where this benchctl runs. */
static int
relay_hello(void)
{
	json_t *o = cli_jcheck(json_object()), *r = cli_jcheck(json_object());
	char *cwd = getcwd(NULL, 0);

	cli_jset(r, "cwd", cli_jstr(cwd));
	cli_jset(r, "version", json_string(BENCHD_VERSION));
	free(cwd);
	cli_jset(o, "v", json_integer(PROTO_VERSION));
	cli_jset(o, "ok", json_true());
	cli_jset(o, "relay", r);
	return relay_line(o);
}

/*
 * Pass bytes both ways until one side ends: standard input's end (the other
 * benchctl has gone) ends the relay at once, as does benchd's closing.
 */
static int
relay_pump(int sock)
{
	struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
	    { .fd = sock, .events = POLLIN } };
	char *buf = xmalloc(RELAY_CHUNK);
	ssize_t n;
	int rc = -1;

	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			while ((n = read(pfd[i].fd, buf, RELAY_CHUNK)) == -1 && errno == EINTR)
				;
			if (n <= 0) {
				rc = 0;
				goto done;
			}
			if (relay_write(i == 0 ? sock : STDOUT_FILENO, buf, (size_t)n) != 0)
				goto done;
		}
	}
done:
	free(buf);
	return rc;
}

/* "benchctl relay": connect, greet, pass the protocol through. */
static int
relay_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct conn *c;
	char *cause = NULL;
	int rc;

	(void)args;
	if (env->nhosts > 0) {
		cli_error("relay: it runs on the device, for a benchctl elsewhere; no --host here");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c = conn_open(env->socket, &cause)) == NULL) {
		rc = relay_fail(cause);
		free(cause);
		return rc;
	}
	rc = relay_hello() == 0 && relay_pump(conn_fd(c)) == 0 ? 0 : 1;
	conn_free(c);
	return rc;
}

/* "benchctl relay" in the command table. */
const struct cmd_entry relay_entry = {
	.name = "relay",
	.args = "",
	.about = "(run by --host through ssh) this benchd for a benchctl elsewhere",
	.help = "Pass benchd's protocol between standard input and output and this machine's\n"
	    "benchd, found as every benchctl finds it: what another machine's \"benchctl\n"
	    "--host THIS\" runs here through ssh. Its first line says whether benchd answers.\n",
	.max_args = 0,
	.exec = relay_exec,
};
