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
#include <sys/file.h>
#include <unistd.h>

#include <uv.h>

#include "clock.h"
#include "log.h"
#include "paths.h"
#include "procs.h"
#include "request.h"
#include "runner.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

/* The daemon: one per process. */
struct benchd {
	uv_loop_t		*loop;
	struct store		*store;
	struct server		*server;
	struct runner		*runner;
	struct request_env	 req;
	char			*socket_path;
	char			*db_path;
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
    "  --log-level L   error, warn, info (default) or debug; logs go to stderr\n";

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

/* Hold an exclusive lock next to the database, so two daemons never share one queue. */
static int
benchd_lock(const char *db, char **cause)
{
	char *path;
	int fd;

	xasprintf(&path, "%s.lock", db);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		xasprintf(cause, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		xasprintf(cause, "another benchd is using the database %s (it holds %s); stop it "
		    "first, or give this one another --db", db, path);
		free(path);
		close(fd);
		return -1;
	}
	free(path);
	return fd;
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
	struct benchd d = { 0 };
	enum log_level level = LOG_INFO;
	char *cause = NULL;
	int64_t recovered;
	int ch, lock_fd, rc;

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
	if (d.socket_path == NULL)
		d.socket_path = paths_default_socket();
	if (d.db_path == NULL)
		d.db_path = paths_default_db();
	signal(SIGPIPE, SIG_IGN);

	if (paths_make_parent(d.socket_path, &cause) != 0 ||
	    paths_make_parent(d.db_path, &cause) != 0 ||
	    (lock_fd = benchd_lock(d.db_path, &cause)) < 0 ||
	    (d.store = store_open(d.db_path, &cause)) == NULL)
		goto fail;
	if (store_recover(d.store, procs_kill_orphan, &recovered) != 0) {
		xasprintf(&cause, "%s: cannot recover runs left running: %s", d.db_path,
		    store_errmsg(d.store));
		goto fail;
	}
	if (recovered > 0)
		log_warnx("%lld run(s) were left running by a daemon that stopped; marked "
		    "interrupted and queued again", (long long)recovered);

	d.loop = uv_default_loop();
	if ((d.server = server_create(d.loop, d.socket_path, benchd_request, &d, &cause)) == NULL)
		goto fail;
	d.runner = runner_create(d.loop, d.store, &(struct runner_hooks){ benchd_emit, &d });
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

	store_close(d.store);
	unlink(d.socket_path);
	uv_walk(d.loop, benchd_close_walk, NULL);
	uv_run(d.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(d.loop)) != 0)
		log_warnx("the loop still had handles at exit: %s", uv_strerror(rc));
	close(lock_fd);
	log_info("stopped");
	free(d.socket_path);
	free(d.db_path);
	return rc == 0 ? 0 : 1;

fail:
	fprintf(stderr, "benchd: %s\n", cause);
	free(cause);
	store_close(d.store);
	free(d.socket_path);
	free(d.db_path);
	return 1;
}
