/* remote.c: a device's benchctl through the user's own ssh: its command line, the ssh process on a socket pair, and why it ended. */
#include "remote.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "xmalloc.h"

extern char **environ;

/* How long ssh may take to end once its output has, and once told to stop. */
#define REMOTE_END_MS	5000
#define REMOTE_STOP_MS	2000

/* One ssh process and what it was asked to run. */
struct remote {
	pid_t	 pid;
	char	*dest;
	char	*what;		/* the benchctl command run there: "relay", "snapshot" */
	int	 reaped;
	int	 status;	/* waitpid's, once reaped */
};

/* A connection's relay: the ssh process and the device's name, freed with the connection. */
struct remote_relay {
	struct remote	*r;
	char		*name;
};

/* The device's name in messages and plan references, from an ssh destination. */
char *
remote_name(const char *dest)
{
	const char *p = dest, *at, *end;
	char *name;
	int uri = strncmp(dest, "ssh://", 6) == 0;

	if (uri)
		p += 6;
	if ((at = strrchr(p, '@')) != NULL)
		p = at + 1;
	end = p + strlen(p);
	if (uri && *p == '[' && (end = strchr(p, ']')) != NULL)
		p++;
	else if (uri && (end = strrchr(p, ':')) == NULL)
		end = p + strlen(p);
	name = xstrndup(p, (size_t)(end - p));
	if (*name == '\0' || strchr(name, '/') != NULL) {
		free(name);
		return NULL;
	}
	return name;
}

/* s quoted for a POSIX shell: 'it'\''s', or as it is when nothing in it is special. */
static char *
remote_quote(const char *s)
{
	char *q, *o;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789@%+=:,./_-") == strlen(s))
		return xstrdup(s);
	q = o = xmalloc(strlen(s) * 4 + 3);
	*o++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *s;
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* The command line the device's shell runs: benchctl and its arguments, quoted. */
char *
remote_command(const char *benchctl, const char *const *args)
{
	char *cmd = xstrdup(benchctl != NULL && *benchctl != '\0' ? benchctl : "benchctl");
	char *q, *tmp;

	for (; *args != NULL; args++) {
		q = remote_quote(*args);
		xasprintf(&tmp, "%s %s", cmd, q);
		free(cmd);
		free(q);
		cmd = tmp;
	}
	return cmd;
}

/* An environment variable's value, or def when it is unset or empty. */
static const char *
remote_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/*
 * Check that the program $BENCHD_SSH starts with can be run, when it is a
 * plain word: otherwise the shell's "not found" (status 127) would read as
 * the device's. 0, or -1 with *cause.
 */
static int
remote_check_ssh(const char *ssh, char **cause)
{
	size_t len = strcspn(ssh, " \t\n");
	char *prog = xstrndup(ssh, len), *path, *dirs, *dir, *save = NULL;
	int found = 0;

	if (prog[strcspn(prog, "'\"\\$`~;&|<>(){}*?[")] != '\0') {
		free(prog);
		return 0;	/* the shell's to make sense of */
	}
	if (strchr(prog, '/') != NULL)
		found = access(prog, X_OK) == 0;
	else {
		dirs = xstrdup(remote_env("PATH", "/usr/bin:/bin"));
		for (dir = strtok_r(dirs, ":", &save); dir != NULL && !found;
		    dir = strtok_r(NULL, ":", &save)) {
			xasprintf(&path, "%s/%s", *dir != '\0' ? dir : ".", prog);
			found = access(path, X_OK) == 0;
			free(path);
		}
		free(dirs);
	}
	if (!found)
		xasprintf(cause, "cannot run %s (from $BENCHD_SSH, \"%s\"): not found%s; install "
		    "OpenSSH's client (Debian: openssh-client) or name your ssh in $BENCHD_SSH",
		    prog, ssh, strchr(prog, '/') != NULL ? "" : " on $PATH");
	free(prog);
	return found ? 0 : -1;
}

/* Start ssh to dest running benchctl with args there, on a socket pair. */
struct remote *
remote_start(const char *dest, const char *const *args, int *fd, char **cause)
{
	const char *ssh = remote_env("BENCHD_SSH", "ssh");
	posix_spawn_file_actions_t fa;
	struct remote *r;
	char *script, *cmd;
	int sv[2], err;

	*fd = -1;
	if (remote_check_ssh(ssh, cause) != 0)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		xasprintf(cause, "cannot make a socket pair for ssh: %s", strerror(errno));
		return NULL;
	}
	xasprintf(&script, "exec %s \"$@\"", ssh);
	cmd = remote_command(getenv("BENCHD_REMOTE_BENCHCTL"), args);
	/* -T: no terminal there, which would mangle the stream (whatever ~/.ssh/config says). */
	char *const argv[] = { "sh", "-c", script, "benchctl", "-T", "--", (char *)dest, cmd, NULL };

	r = xcalloc(1, sizeof *r);
	r->dest = xstrdup(dest);
	r->what = xstrdup(args[0]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
	err = posix_spawn(&r->pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	free(script);
	free(cmd);
	if (err != 0) {
		xasprintf(cause, "cannot run /bin/sh for ssh: %s", strerror(err));
		close(sv[0]);
		free(r->dest);
		free(r->what);
		free(r);
		return NULL;
	}
	*fd = sv[0];
	return r;
}

/* Reap ssh if it has ended (blocking when block): 1 once reaped, else 0. */
static int
remote_reap(struct remote *r, int block)
{
	pid_t pid;

	while ((pid = waitpid(r->pid, &r->status, block ? 0 : WNOHANG)) == -1 && errno == EINTR)
		;
	if (pid == -1)
		r->status = -1;
	if (pid == r->pid || pid == -1)
		r->reaped = 1;
	return r->reaped;
}

/*
 * Wait at most ms milliseconds (-1: for ever) for ssh to end: 1 once it has
 * (reaped), else 0. Its pidfd says when (Linux 5.3); without one, a look
 * every millisecond.
 */
static int
remote_wait(struct remote *r, int ms)
{
	struct timespec tick = { 0, 1000 * 1000 };
	struct pollfd pfd = { .events = POLLIN };

	if (r->reaped || remote_reap(r, ms < 0))
		return 1;
	if ((pfd.fd = (int)syscall(SYS_pidfd_open, r->pid, 0)) >= 0) {
		while (poll(&pfd, 1, ms) == -1 && errno == EINTR)
			;
		close(pfd.fd);
		return remote_reap(r, 0);
	}
	for (int waited = 0; waited < ms; waited++) {
		nanosleep(&tick, NULL);
		if (remote_reap(r, 0))
			return 1;
	}
	return 0;
}

/* Why ssh ended, from its status: a new sentence, or NULL for status 0. */
static char *
remote_why(const struct remote *r)
{
	char *why = NULL;
	int code;

	if (r->status == -1)
		return NULL;
	if (WIFSIGNALED(r->status)) {
		xasprintf(&why, "ssh was killed by signal %d (%s)", WTERMSIG(r->status),
		    strsignal(WTERMSIG(r->status)));
		return why;
	}
	switch ((code = WEXITSTATUS(r->status))) {
	case 0:
		break;
	case 255:
		xasprintf(&why, "ssh could not reach it or log in (ssh's own message is above; "
		    "your ssh and ~/.ssh/config do the logging in)");
		break;
	case 127:
		xasprintf(&why, "its shell found no benchctl to run (its message is above): "
		    "install benchd there, or name its benchctl with $BENCHD_REMOTE_BENCHCTL "
		    "(now \"%s\")", remote_env("BENCHD_REMOTE_BENCHCTL", "benchctl"));
		break;
	case 126:
		xasprintf(&why, "benchctl there could not be run (its shell's message is above)");
		break;
	case 2:
		xasprintf(&why, "benchctl there refused \"benchctl %s\" (its message is above): "
		    "one older than this benchctl has no such command; install the same version "
		    "there", r->what);
		break;
	default:
		xasprintf(&why, "benchctl there ended with status %d (its message is above)", code);
		break;
	}
	return why;
}

/* Why ssh ended, once its output has: wait for it, then say. */
char *
remote_ended(struct remote *r)
{
	if (!remote_wait(r, REMOTE_END_MS))
		return NULL;
	return remote_why(r);
}

/* Close our end, wait for ssh (stopping it when it lingers), and free it. */
int
remote_free(struct remote *r, int *fd)
{
	int status;

	if (fd != NULL && *fd != -1) {
		close(*fd);
		*fd = -1;
	}
	if (r == NULL)
		return -1;
	if (!remote_wait(r, REMOTE_END_MS)) {
		kill(r->pid, SIGTERM);
		if (!remote_wait(r, REMOTE_STOP_MS)) {
			kill(r->pid, SIGKILL);
			remote_wait(r, -1);
		}
	}
	if (r->status == -1)
		status = -1;
	else if (WIFSIGNALED(r->status))
		status = 128 + WTERMSIG(r->status);
	else
		status = WEXITSTATUS(r->status);
	free(r->dest);
	free(r->what);
	free(r);
	return status;
}

/* conn_relay's ended: why ssh ended. */
static char *
remote_relay_ended(void *arg)
{
	struct remote_relay *rr = arg;

	return remote_ended(rr->r);
}

/* conn_relay's free: the connection has closed its end; end ssh and free the rest. */
static void
remote_relay_free(void *arg)
{
	struct remote_relay *rr = arg;

	remote_free(rr->r, NULL);
	free(rr->name);
	free(rr);
}

/* Start "benchctl relay" on the device and make a connection of it. */
struct conn *
remote_connect(const char *dest, char **cause)
{
	static const char *const args[] = { "relay", NULL };
	struct remote_relay *rr;
	struct remote *r;
	char *name;
	int fd;

	if ((name = remote_name(dest)) == NULL) {
		xasprintf(cause, "\"%s\" names no device: give [USER@]HOST, as to ssh", dest);
		return NULL;
	}
	if ((r = remote_start(dest, args, &fd, cause)) == NULL) {
		free(name);
		return NULL;
	}
	rr = xcalloc(1, sizeof *rr);
	rr->r = r;
	rr->name = name;
	return conn_open_fd(fd, &(struct conn_relay){ name, remote_relay_ended,
	    remote_relay_free, rr });
}

/* Read the relay's first line: it reached benchd (and where it runs), or why not. */
int
remote_hello(struct conn *c, int timeout_ms, char **cwd, char **cause)
{
	json_t *msg, *relay;
	const char *error, *dir;

	*cwd = NULL;
	conn_set_timeout(c, timeout_ms);
	if (conn_recv(c, &msg, cause) != 0)
		return -1;
	relay = json_object_get(msg, "relay");
	if (!json_is_true(json_object_get(msg, "ok")) || !json_is_object(relay)) {
		error = cli_jget_str(msg, "error");
		xasprintf(cause, "%s: %s", conn_name(c), error != NULL ? error :
		    "benchctl relay there sent no greeting: is it the same version as this one?");
		json_decref(msg);
		return -1;
	}
	if ((dir = cli_jget_str(relay, "cwd")) != NULL)
		*cwd = xstrdup(dir);
	json_decref(msg);
	return 0;
}
