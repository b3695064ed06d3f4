/*
 * benchd.c: the daemon's entry point: options, the lock, the loop, signals
 * and an orderly stop; and the wiring: the server hands requests to
 * request.c, the runner's events go to the server's watchers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "clock.h"
#include "rungroup.h"
#include "log.h"
#include "paths.h"
#include "procs.h"
#include "request.h"
#include "runner.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

#define BENCHD_FD_RESERVE	64	/* descriptors kept for runs and the database, not clients */

/* The daemon: one per process. */
struct benchd {
	uv_loop_t		*loop;
	struct store		*store;
	struct server		*server;
	struct runner		*runner;
	struct request_env	 req;
	char			*socket_path;
	char			*db_path;
	char			*db_real;	/* the database's real path (links resolved) */
	int			 socket_fd;	/* our socket's file, held (O_PATH) so its inode stays ours */
	int			 stopping;
	uv_signal_t		 sig[3];	/* SIGTERM, SIGINT, SIGHUP */
};

static const char usage_text[] =
    "usage: benchd [--socket PATH] [--db PATH] [--log-level error|warn|info|debug]\n"
    "\n"
    "Runs experiment plans submitted with `benchctl submit`, one run at a time, and records\n"
    "every run in an SQLite database. Stays in the foreground; stop it with SIGTERM or ^C.\n"
    "\n"
    "  --socket PATH   Unix socket to listen on (default $BENCHD_SOCKET, else\n"
    "                  $XDG_RUNTIME_DIR/benchd/benchd.sock, else /tmp/benchd-$UID/benchd.sock)\n"
    "  --db PATH       database (default $BENCHD_DB, else $XDG_STATE_HOME/benchd/bench.db,\n"
    "                  else ~/.local/state/benchd/bench.db)\n"
    "  --log-level L   error, warn, info (default) or debug; logs go to stderr\n"
    "\n"
    "Environment:\n"
    "  BENCHD_SOCKET      the socket when there is no --socket\n"
    "  BENCHD_DB          the database when there is no --db\n"
    "  XDG_RUNTIME_DIR    else the socket is $XDG_RUNTIME_DIR/benchd/benchd.sock\n"
    "  XDG_STATE_HOME     else the database is $XDG_STATE_HOME/benchd/bench.db (HOME:\n"
    "                     ~/.local/state/benchd/bench.db)\n"
    "  BENCHD_PYTHON_DIR  the folder of benchd's python helpers (footprint.py, the probe's\n"
    "                     wrapper); else share/benchd/python beside the bin/ benchd is\n"
    "                     installed in, else the source tree's python/ it was built from\n"
    "Plans' children get benchd's environment, plus each plan's env.\n";

/* Close every handle left (the signals) so the loop can end. */
static void
benchd_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* The runner is idle: close the rest and let the loop run out. */
static void
benchd_runner_stopped(void *arg)
{
	struct benchd *d = arg;

	runner_free(d->runner);
	d->runner = NULL;
	for (size_t i = 0; i < sizeof d->sig / sizeof d->sig[0]; i++)
		uv_close((uv_handle_t *)&d->sig[i], NULL);
}

/* Begin an orderly stop: stop listening, interrupt the run in flight (it is queued again). */
static void
benchd_shutdown(struct benchd *d)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	server_close(d->server);
	d->server = NULL;
	runner_stop(d->runner, benchd_runner_stopped, d);
}

/* The runner's events go to the clients watching (none once the server is closed). */
static void
benchd_emit(void *arg, int64_t plan_id, json_t *ev)
{
	struct benchd *d = arg;

	if (d->server != NULL)
		server_broadcast(d->server, plan_id, ev);
	else
		json_decref(ev);
}

/* The server's requests are carried out by request.c. */
static void
benchd_request(void *arg, const struct proto_request *req, unsigned uid,
    struct proto_answer *answer)
{
	struct benchd *d = arg;

	request_handle(&d->req, req, uid, answer);
}

/* SIGTERM, SIGINT: stop; SIGHUP is ignored (a foreground daemon outlives its terminal). */
static void
benchd_signal_cb(uv_signal_t *h, int signum)
{
	struct benchd *d = h->data;

	if (signum == SIGHUP)
		return;
	log_info("%s: stopping%s", strsignal(signum), d->stopping ? " (already)" : "");
	benchd_shutdown(d);
}

/*
 * Claim the database: its folder must be ours (or root's) and closed to
 * others, the file itself ours and closed to others' writes, and then locked
 * with flock() on the file itself, so a second daemon is refused however it
 * names the file (a symbolic link, another path). flock() and SQLite's POSIX
 * locks do not interact on Linux, and this descriptor is closed only after
 * SQLite is (closing it earlier would drop SQLite's locks). Fills d->db_real
 * with the file's real path; returns the locked descriptor, or -1.
 */
static int
benchd_claim_db(struct benchd *d, char **cause)
{
	char *dir = NULL, *real = NULL, *side;
	struct stat sb;
	int fd = -1;

	if (paths_make_parent(d->db_path, cause) != 0)
		return -1;
	dir = paths_dirname(d->db_path);
	if (paths_check_private(dir, "database folder", cause) != 0)
		goto fail;
	if ((fd = open(d->db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		xasprintf(cause, "%s: cannot write the database: %s; benchd records every run in "
		    "it, so give it one it can write", d->db_path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s is not a regular file", d->db_path);
		goto fail;
	}
	if (sb.st_uid != getuid()) {
		xasprintf(cause, "database %s belongs to uid %u, not to benchd's (uid %u): its plans "
		    "would run as benchd's user; use a database of your own", d->db_path,
		    (unsigned)sb.st_uid, (unsigned)getuid());
		goto fail;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		xasprintf(cause, "database %s can be written by others (mode %04o): anyone could "
		    "queue plans in it; chmod 600 %s", d->db_path, (unsigned)(sb.st_mode & 07777),
		    d->db_path);
		goto fail;
	}
	/* Reached through a link, the real file's folder must be closed to others too. */
	if ((real = realpath(d->db_path, NULL)) == NULL) {
		xasprintf(cause, "%s: %s", d->db_path, strerror(errno));
		goto fail;
	}
	free(dir);
	dir = paths_dirname(real);
	if (paths_check_private(dir, "database folder", cause) != 0)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		xasprintf(cause, "another benchd is using the database %s (the file %s, by whatever "
		    "path it was named); stop it first, or give this one another --db", d->db_path,
		    real);
		goto fail;
	}
	/* SQLite's side files: made by it, next to the real file; someone else's are refused. */
	for (int i = 0; i < 3; i++) {
		xasprintf(&side, "%s-%s", real, i == 0 ? "wal" : i == 1 ? "shm" : "journal");
		if (lstat(side, &sb) == 0 && sb.st_uid != getuid()) {
			xasprintf(cause, "%s belongs to uid %u, not to benchd's (uid %u); remove it",
			    side, (unsigned)sb.st_uid, (unsigned)getuid());
			free(side);
			goto fail;
		}
		free(side);
	}
	free(dir);
	d->db_real = real;
	return fd;

fail:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(real);
	return -1;
}

/*
 * Descriptors the shell that started benchd left open would reach every
 * child: mark them all close-on-exec before anything else is opened.
 */
static void
benchd_close_inherited(void)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		fd = atoi(de->d_name);
		if (fd > 2 && fd != dirfd(dir))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(dir);
}

/* Raise the soft limit on descriptors to the hard one; returns the limit now. */
static rlim_t
benchd_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur == RLIM_INFINITY)
			rl.rlim_cur = 1 << 20;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

/* This machine's identity for daemon_starts: its host name and /etc/machine-id. */
static void
benchd_identity(char *host, size_t hostlen, char *machine, size_t machinelen)
{
	FILE *fp;

	if (gethostname(host, hostlen) != 0)
		host[0] = '\0';
	host[hostlen - 1] = '\0';
	machine[0] = '\0';
	if ((fp = fopen("/etc/machine-id", "re")) != NULL) {
		if (fgets(machine, (int)machinelen, fp) == NULL)
			machine[0] = '\0';
		machine[strcspn(machine, "\n")] = '\0';
		fclose(fp);
	}
}

/*
 * Remove the socket at exit, unless another daemon has put its own there
 * since. Ours is known by the file itself, held open (O_PATH) since it was
 * made: while it is held, its inode cannot be freed and given to another
 * file, so an equal device and inode at the path is really still ours.
 */
static void
benchd_unlink_socket(const struct benchd *d)
{
	struct stat at, ours;

	if (d->socket_fd >= 0 && fstat(d->socket_fd, &ours) == 0 &&
	    lstat(d->socket_path, &at) == 0 && at.st_dev == ours.st_dev &&
	    at.st_ino == ours.st_ino)
		unlink(d->socket_path);
	else
		log_info("%s is no longer our socket; left alone", d->socket_path);
	if (d->socket_fd >= 0)
		close(d->socket_fd);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	struct benchd d = { .socket_fd = -1 };
	enum log_level level = LOG_INFO;
	char *cause = NULL, *own[4], host[256], machine[64], *helpers;
	int64_t recovered;
	int ch, lock_fd = -1, rc;
	rlim_t nofile;

	benchd_close_inherited();
	log_init("benchd", level);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			free(d.socket_path);	/* the last one given wins */
			d.socket_path = paths_absolute(optarg);
			break;
		case 'd':
			free(d.db_path);
			d.db_path = paths_absolute(optarg);
			break;
		case 'l':
			if (log_parse_level(optarg, &level) != 0) {
				fprintf(stderr, "benchd: --log-level: expected error, warn, info or "
				    "debug (got \"%s\")\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("benchd %s\n", BENCHD_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "benchd: unexpected argument \"%s\"\n%s", argv[optind], usage_text);
		return 2;
	}
	log_init("benchd", level);
	/* Every probe needs the python helpers: refuse to start without them, saying where to put them. */
	if ((helpers = paths_python_dir(&cause)) == NULL)
		goto fail;
	log_debug("python helpers in %s", helpers);
	free(helpers);
	if (d.socket_path == NULL)
		d.socket_path = paths_default_socket();
	if (d.db_path == NULL)
		d.db_path = paths_default_db();
	signal(SIGPIPE, SIG_IGN);
	nofile = benchd_raise_nofile();
	if (procs_become_reaper() != 0)
		log_warn("cannot become the reaper of our orphans (processes a run leaves may "
		    "escape)");

	/* Nothing, recovery included, happens before the database is ours alone. */
	if (paths_make_parent(d.socket_path, &cause) != 0 ||
	    (lock_fd = benchd_claim_db(&d, &cause)) < 0 ||
	    (d.store = store_open(d.db_path, &cause)) == NULL)
		goto fail;
	benchd_identity(host, sizeof host, machine, sizeof machine);
	if (store_daemon_start(d.store, BENCHD_VERSION, host, machine[0] != '\0' ? machine :
	    NULL) != 0) {
		xasprintf(&cause, "%s: cannot write the database: %s; benchd records every run in "
		    "it, so give it one it can write", d.db_path, store_errmsg(d.store));
		goto fail;
	}
	if (store_recover(d.store, procs_kill_orphan, &recovered) != 0) {
		xasprintf(&cause, "%s: cannot recover runs left running: %s", d.db_path,
		    store_errmsg(d.store));
		goto fail;
	}
	if (recovered > 0)
		log_warnx("%lld run(s) were left running by a daemon that stopped; marked "
		    "interrupted and queued again", (long long)recovered);
	/* What cgroups this machine allows; a dead daemon's run groups are emptied (rungroup.h). */
	rungroup_init(d.db_path);

	d.loop = uv_default_loop();
	/* Room for the runs' own descriptors (pipes, pidfd, the database) beside the clients. */
	if ((d.server = server_create(d.loop, d.socket_path, benchd_request, &d,
	    nofile > 2 * BENCHD_FD_RESERVE ? (size_t)(nofile - BENCHD_FD_RESERVE) :
	    (size_t)(nofile / 2), &cause)) == NULL)
		goto fail;
	d.socket_fd = open(d.socket_path, O_PATH | O_CLOEXEC);
	xasprintf(&own[0], "%s", d.db_real);
	xasprintf(&own[1], "%s-wal", d.db_real);
	xasprintf(&own[2], "%s-shm", d.db_real);
	own[3] = d.socket_path;
	d.runner = runner_create(d.loop, d.store, &(struct runner_hooks){ benchd_emit, &d,
	    { own[0], own[1], own[2], own[3], NULL } });
	d.req = (struct request_env){ d.store, d.runner, d.socket_path, d.db_path,
	    clock_mono_ms() };
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		uv_signal_init(d.loop, &d.sig[i]);
		d.sig[i].data = &d;
		uv_signal_start(&d.sig[i], benchd_signal_cb, signals[i]);
	}
	log_info("benchd %s listening on %s, database %s (pid %d)", BENCHD_VERSION,
	    d.socket_path, d.db_path, (int)getpid());
	runner_kick(d.runner);

	uv_run(d.loop, UV_RUN_DEFAULT);

	/* Whatever a run left is ours to end: nothing outlives the daemon. */
	if ((rc = procs_kill_descendants(0)) > 0)
		log_warnx("killed %d process%s left running at exit", rc, rc == 1 ? "" : "es");
	store_close(d.store);
	benchd_unlink_socket(&d);
	uv_walk(d.loop, benchd_close_walk, NULL);
	uv_run(d.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(d.loop)) != 0)
		log_warnx("the loop still had handles at exit: %s", uv_strerror(rc));
	close(lock_fd);
	log_info("stopped");
	for (int i = 0; i < 3; i++)
		free(own[i]);
	free(d.socket_path);
	free(d.db_path);
	free(d.db_real);
	return rc == 0 ? 0 : 1;

fail:
	fprintf(stderr, "benchd: %s\n", cause);
	free(cause);
	store_close(d.store);
	if (lock_fd >= 0)
		close(lock_fd);
	free(d.socket_path);
	free(d.db_path);
	free(d.db_real);
	return 1;
}
