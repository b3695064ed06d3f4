/* control.c: benchctl's control commands (submit, status, cancel, watch), each one request to benchd and its printed reply. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "cmd.h"
#include "conn.h"
#include "fmt.h"
#include "paths.h"
#include "proto.h"
#include "remote.h"
#include "summary.h"
#include "targets.h"
#include "watch.h"
#include "xmalloc.h"

/* How long a request waits for its reply; a watch's events may take for ever. */
#define CONTROL_REPLY_MS	30000

/* The file name a plan read from standard input is submitted under, in the current folder. */
#define CONTROL_STDIN_NAME	"<stdin>"

/* A new request {"v":1,"cmd":cmd}. */
static json_t *
control_request(const char *cmd)
{
	json_t *req = cli_jcheck(json_object());

	cli_jset(req, "v", json_integer(PROTO_VERSION));
	cli_jset(req, "cmd", json_string(cmd));
	return req;
}

/*
 * Check a reply's "ok"; print its "error" and return -1 when it is not true.
 * A submit's error is one or more "PLAN.yaml:LINE:COL: ..." lines, printed as
 * they are; other errors get benchctl's prefix. The reply of a device's
 * benchd (name not NULL) names it first, on every line.
 */
static int
control_ok(json_t *reply, int raw, const char *name)
{
	const char *error;
	char *clean, *line, *save = NULL;

	if (json_is_true(json_object_get(reply, "ok")))
		return 0;
	if ((error = cli_jget_str(reply, "error")) == NULL || *error == '\0') {
		if (name != NULL)
			cli_error("%s: benchd refused the request without saying why", name);
		else
			cli_error("benchd refused the request without saying why");
		return -1;
	}
	clean = cli_clean(error, CLI_CLEAN_TABS | CLI_CLEAN_NEWLINES);
	if (raw) {
		fflush(stdout);
		for (line = strtok_r(clean, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "%s%s%s\n", name != NULL ? name : "", name != NULL ? ": " : "",
			    line);
	} else if (name != NULL)
		cli_error("%s: %s", name, clean);
	else
		cli_error("%s", clean);
	free(clean);
	return -1;
}

/*
 * Open a connection to benchd: this machine's at env's socket, or with
 * --host the device's through ssh, once its relay says it reached benchd
 * (*cwd, when not NULL, is then the folder it runs in there, else NULL).
 * NULL with *cause.
 */
static struct conn *
control_open(const struct benchctl_env *env, char **cwd, char **cause)
{
	struct conn *c;
	char *dir = NULL;

	if (cwd != NULL)
		*cwd = NULL;
	if (env->nhosts == 0)
		return conn_open(env->socket, cause);
	if ((c = remote_connect(env->hosts[0], cause)) == NULL)
		return NULL;
	if (remote_hello(c, CONTROL_REPLY_MS, &dir, cause) != 0) {
		conn_free(c);
		return NULL;
	}
	if (cwd != NULL)
		*cwd = dir;
	else
		free(dir);
	return c;
}

/*
 * Send req (which this consumes) on c and read one reply with "ok" true.
 * Returns the reply, or NULL after printing why. With keep, the connection is
 * handed back for the events that follow; otherwise (and on failure) it is
 * closed.
 */
static json_t *
control_exchange(struct conn *c, json_t *req, int raw, struct conn **keep)
{
	json_t *reply = NULL;
	char *cause = NULL;

	conn_set_timeout(c, CONTROL_REPLY_MS);
	if (conn_send(c, req, &cause) != 0 || conn_recv(c, &reply, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		json_decref(req);
		conn_free(c);
		return NULL;
	}
	json_decref(req);
	if (control_ok(reply, raw, conn_name(c)) != 0) {
		json_decref(reply);
		conn_free(c);
		return NULL;
	}
	if (keep != NULL)
		*keep = c;
	else
		conn_free(c);
	return reply;
}

/*
 * Connect (control_open), send req (which this consumes) and read one reply
 * with "ok" true: control_exchange's.
 */
static json_t *
control_call(const struct benchctl_env *env, json_t *req, int raw, struct conn **keep)
{
	struct conn *c;
	char *cause = NULL;

	if ((c = control_open(env, NULL, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		json_decref(req);
		return NULL;
	}
	return control_exchange(c, req, raw, keep);
}

/* How long asking the daemon for its database may take before the default path is used. */
#define CONTROL_QUIET_MS	2000

/* The database the daemon at env's socket writes, from its status; NULL when none answers. */
char *
control_daemon_db(const struct benchctl_env *env)
{
	struct conn *c;
	json_t *req = control_request("status"), *reply = NULL;
	const char *db;
	char *cause = NULL, *path = NULL;

	if ((c = conn_open(env->socket, &cause)) != NULL) {
		conn_set_timeout(c, CONTROL_QUIET_MS);
		if (conn_send(c, req, &cause) == 0 && conn_recv(c, &reply, &cause) == 0 &&
		    json_is_true(json_object_get(reply, "ok")) &&
		    (db = cli_jget_str(json_object_get(reply, "daemon"), "db")) != NULL &&
		    *db != '\0')
			path = xstrdup(db);
	}
	free(cause);
	json_decref(reply);
	json_decref(req);
	conn_free(c);
	return path;
}

/*
 * Ask for the event stream of one plan, or of every plan when plan_id is 0.
 * Returns the connection the events will arrive on, or NULL after printing why.
 */
static struct conn *
control_watch_open(const struct benchctl_env *env, long long plan_id)
{
	struct conn *c = NULL;
	json_t *req, *ack;

	req = control_request("watch");
	if (plan_id != 0)
		cli_jset(req, "plan_id", json_integer(plan_id));
	if ((ack = control_call(env, req, 0, &c)) == NULL)
		return NULL;
	json_decref(ack);
	conn_set_timeout(c, -1);
	return c;
}

/* How much of a plan's progress --quiet and --verbose ask to see. */
static enum watch_level
control_level(const struct cmd_args *args)
{
	if (cmd_args_has(args, 'q'))
		return WATCH_QUIET;
	return cmd_args_has(args, 'v') ? WATCH_VERBOSE : WATCH_NORMAL;
}

/*
 * Show the events arriving on c until plan plan_id finishes (for ever when it
 * is 0), then close c; host is the device they come from (NULL: this one's
 * benchd). Returns the exit status; *finished is set when the plan's end was
 * seen (the rest are errors).
 */
static int
control_follow(struct conn *c, long long plan_id, enum watch_level level, const char *host,
    int *finished)
{
	struct watch *w;
	json_t *msg;
	char *cause = NULL;
	int rc = -1;

	*finished = 0;
	w = watch_create(plan_id, isatty(STDOUT_FILENO), level);
	if (host != NULL)
		watch_set_host(w, host);
	while (rc == -1) {
		if (conn_recv(c, &msg, &cause) != 0) {
			watch_end();
			cli_error("%s", cause);
			free(cause);
			rc = 1;
			break;
		}
		if (cli_jget_str(msg, "event") != NULL)
			*finished = (rc = watch_event(w, msg)) != -1;
		else if (!json_is_true(json_object_get(msg, "ok"))) {
			watch_end();
			control_ok(msg, 0, conn_name(c));
			rc = 1;
		}
		json_decref(msg);
	}
	watch_free(w);
	conn_free(c);
	return rc;
}

/*
 * Read a whole plan file ("-": standard input), refusing one too big for a
 * protocol line. Returns the text (NUL-terminated, length in *len) or NULL
 * after printing why.
 */
static char *
control_read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t size = 0, used = 0;
	ssize_t n;
	int fd, in = strcmp(path, "-") == 0;

	if (in)
		path = "standard input";
	if ((fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (used > PROTO_LINE_MAX) {
			cli_error("%s: too large for benchd (over %d bytes)", path,
			    PROTO_LINE_MAX);
			free(buf);
			if (!in)
				close(fd);
			return NULL;
		}
		if (used == size) {
			size = size == 0 ? 65536 : size * 2;
			buf = xrealloc(buf, size + 1);
		}
		n = read(fd, buf + used, size - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (!in)
		close(fd);
	if (buf == NULL)
		buf = xmalloc(1);
	buf[used] = '\0';
	*len = used;
	return buf;
fail:
	cli_error("cannot read %s: %s", path, strerror(errno));
	free(buf);
	if (fd != -1 && !in)
		close(fd);
	return NULL;
}

/*
 * The absolute path a plan is submitted under: its file's, or for "-" the
 * current folder's "<stdin>", so that the plan's relative paths are relative
 * to where benchctl runs and its errors read "/home/u/<stdin>:3:5: ...".
 */
static char *
control_plan_path(const char *path)
{
	return paths_absolute(strcmp(path, "-") == 0 ? CONTROL_STDIN_NAME : path);
}

/*
 * The absolute path on the device a plan is submitted under with --host: its
 * file's name (or "<stdin>") in the folder dir names there, relative to where
 * the device's benchctl runs (cwd, the user's home there) unless absolute;
 * without dir, in cwd itself. NULL with *cause.
 */
static char *
control_device_path(const char *cwd, const char *dir, const char *plan, char **cause)
{
	const char *base = strrchr(plan, '/') != NULL ? strrchr(plan, '/') + 1 : plan;
	char *folder, *path;
	size_t len;

	if (strcmp(plan, "-") == 0)
		base = CONTROL_STDIN_NAME;
	if (dir != NULL && dir[0] == '/')
		folder = xstrdup(dir);
	else if (cwd == NULL || cwd[0] != '/') {
		xasprintf(cause, "the device's benchctl did not say which folder it runs in: "
		    "give --dir the plan's folder there as an absolute path");
		return NULL;
	} else if (dir != NULL)
		xasprintf(&folder, "%s/%s", cwd, dir);
	else
		folder = xstrdup(cwd);
	while ((len = strlen(folder)) > 1 && folder[len - 1] == '/')
		folder[len - 1] = '\0';
	xasprintf(&path, "%s%s%s", folder, strcmp(folder, "/") == 0 ? "" : "/", base);
	free(folder);
	return path;
}

/* After --wait on a device: where its record is, and the commands that bring it here. */
static void
control_submit_remote_more(const struct benchctl_env *env, long long plan_id)
{
	char *name = remote_name(env->hosts[0]);

	printf("\nthe record is on %s: \"benchctl pull %s\" brings it here, then \"benchctl "
	    "summary %s/%lld\"\n", name, env->hosts[0], name, plan_id);
	free(name);
}

/* Queue a plan; with --wait, follow it to the end. */
static int
control_submit(const struct benchctl_env *env, struct cmd_args *args)
{
	struct benchctl_env daemon_env;
	struct conn *events = NULL, *c = NULL;
	json_t *req, *reply, *yaml;
	const char *path = cmd_args_arg(args, 0), *name;
	char *text, *abs, *db = NULL, *cwd = NULL, *cause = NULL;
	size_t len;
	long long plan_id, conditions, runs;
	int wait = cmd_args_has(args, 'w'), rc, finished;

	if (cmd_args_has(args, 'd') && env->nhosts == 0) {
		cli_error("submit: --dir names the plan's folder on a device: it goes with --host");
		return cmd_usage(args);
	}
	if ((text = control_read_file(path, &len)) == NULL)
		return 1;
	if ((yaml = json_stringn(text, len)) == NULL) {
		cli_error("%s: not UTF-8 text", path);
		free(text);
		return 1;
	}
	free(text);
	req = control_request("submit");
	cli_jset(req, "yaml", yaml);

	/*
	 * With --wait, watch every plan before submitting: then no event of the
	 * new plan can slip by between the submit's reply and the watch, and the
	 * events of other plans are filtered out once the plan's id is known.
	 */
	if (wait && (events = control_watch_open(env, 0)) == NULL) {
		json_decref(req);
		return 1;
	}
	/* On a device, the plan's path is one there: its folder is known once its relay answers. */
	if ((c = control_open(env, &cwd, &cause)) == NULL ||
	    (abs = env->nhosts > 0 ? control_device_path(cwd, cmd_args_get(args, 'd'), path,
	    &cause) : control_plan_path(path)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		free(cwd);
		json_decref(req);
		conn_free(c);
		conn_free(events);
		return 1;
	}
	free(cwd);
	cli_jset(req, "path", json_string(abs));
	free(abs);
	if ((len = json_dumpb(req, NULL, 0, JSON_COMPACT)) > PROTO_LINE_MAX) {
		cli_error("%s: too large for benchd once encoded as JSON (%zu bytes, "
		    "at most %d)", path, len, PROTO_LINE_MAX);
		json_decref(req);
		conn_free(c);
		conn_free(events);
		return 1;
	}
	if ((reply = control_exchange(c, req, 1, NULL)) == NULL) {
		conn_free(events);
		return 1;
	}
	if (!cli_jget_int(reply, "plan_id", &plan_id) || plan_id <= 0) {
		cli_error("benchd's reply to submit has no plan_id");
		json_decref(reply);
		conn_free(events);
		return 1;
	}
	name = cli_jget_str(reply, "name");
	text = cli_clean(name != NULL ? name : "(unnamed)", CLI_CLEAN_TABS);
	printf("plan %lld queued", plan_id);
	if (env->nhosts > 0)
		printf(" on %s", env->hosts[0]);
	printf(": %s", text);
	free(text);
	if (cli_jget_int(reply, "conditions", &conditions) &&
	    cli_jget_int(reply, "runs", &runs)) {
		printf(" (%lld condition%s, %lld run%s)", conditions,
		    fmt_plural(conditions), runs, fmt_plural(runs));
	}
	putchar('\n');
	fflush(stdout);
	json_decref(reply);

	if (!wait)
		return 0;
	rc = control_follow(events, plan_id, control_level(args), env->nhosts > 0 ? env->hosts[0] :
	    NULL, &finished);
	/* The answer: the cold-versus-warm lines, from the database the daemon writes. */
	if (finished && control_level(args) != WATCH_QUIET && env->nhosts > 0)
		control_submit_remote_more(env, plan_id);
	else if (finished && control_level(args) != WATCH_QUIET) {
		daemon_env = *env;
		if (!env->db_named && (db = control_daemon_db(env)) != NULL)
			daemon_env.db = db;
		summary_brief(&daemon_env, plan_id);
		free(db);
	}
	return rc;
}

/* Print the status reply's "daemon" part: version, pid, uptime, socket, db. */
static void
control_status_daemon(json_t *d)
{
	const char *s;
	long long pid;
	double up;
	char buf[32];

	fputs("benchd", stdout);
	if ((s = cli_jget_str(d, "version")) != NULL)
		printf(" %s", s);
	if (cli_jget_int(d, "pid", &pid))
		printf(", pid %lld", pid);
	if (cli_jget_real(d, "uptime_s", &up)) {
		fmt_span(up, buf, sizeof buf);
		printf(", up %s", buf);
	}
	if ((s = cli_jget_str(d, "socket")) != NULL)
		printf("; socket %s", s);
	if ((s = cli_jget_str(d, "db")) != NULL)
		printf("; db %s", s);
	putchar('\n');
}

/* Print "running: ..." from the status reply's "current" part. */
static void
control_status_current(json_t *cur)
{
	const char *s, *sep = "";
	long long n, total;
	double elapsed, pct;
	char *clean, words[96];

	fputs("running: ", stdout);
	if (!json_is_object(cur)) {
		puts("nothing");
		return;
	}
	if (cli_jget_int(cur, "plan_id", &n)) {
		printf("plan %lld", n);
		sep = " ";
	}
	if ((s = cli_jget_str(cur, "plan")) != NULL) {
		clean = cli_clean(s, CLI_CLEAN_TABS);
		printf("%s\"%s\"", *sep == '\0' ? "plan " : " ", clean);
		free(clean);
		sep = ", ";
	}
	if (*sep != '\0')
		sep = ", ";
	if ((s = cli_jget_str(cur, "condition")) != NULL) {
		printf("%scondition %s", sep, s);
		sep = ", ";
		if ((s = cli_jget_str(cur, "kind")) != NULL)
			printf(" (%s)", s);
	}
	if (cli_jget_int(cur, "seq", &n)) {
		if (cli_jget_int(cur, "runs_total", &total))
			printf("%srun %lld of %lld", sep, n, total);
		else
			printf("%srun %lld", sep, n);
		sep = ", ";
	}
	if ((s = cli_jget_str(cur, "stage")) != NULL) {
		clean = cli_clean(s, CLI_CLEAN_TABS);
		printf("%sstage \"%s\"", sep, clean);
		free(clean);
		sep = ", ";
	}
	if (cli_jget_real(cur, "elapsed_s", &elapsed)) {
		printf("%s%.1f s elapsed", sep, elapsed);
		sep = ", ";
	}
	if (cli_jget_real(cur, "resident_before_pct", &pct) &&
	    (s = cli_jget_str(cur, "cache")) != NULL) {
		analysis_cache_words(s, pct, words, sizeof words);
		printf("%s%s", sep, words);
		sep = ", ";
	}
	if (*sep == '\0')
		fputs("a run", stdout);
	putchar('\n');
}

/* Why benchd's queue is paused, when it is (it cannot write its database, say). */
static void
control_status_paused(json_t *p)
{
	const char *reason = json_string_value(json_object_get(p, "reason"));
	double retry;
	char *clean;

	if (reason == NULL)
		return;
	clean = cli_clean(reason, 0);
	printf("paused:  %s", clean);
	if (cli_jget_real(p, "retry_in_s", &retry))
		printf(" (trying again in %.0f s)", retry < 1 ? 1 : retry);
	putchar('\n');
	free(clean);
}

/* Print "queue: ..." from the status reply's "queue" part. */
static void
control_status_queue(json_t *q)
{
	long long plans, runs;
	int have_plans = cli_jget_int(q, "plans_waiting", &plans);
	int have_runs = cli_jget_int(q, "runs_left", &runs);

	fputs("queue:   ", stdout);
	if (have_plans)
		printf("%lld plan%s waiting", plans, fmt_plural(plans));
	if (have_runs)
		printf("%s%lld run%s left", have_plans ? ", " : "", runs, fmt_plural(runs));
	if (!have_plans && !have_runs)
		fputs("unknown", stdout);
	putchar('\n');
}

/* Print "last: ..." from the status reply's "last" part. */
static void
control_status_last(json_t *last)
{
	const char *cond, *state, *cache, *kind;
	long long run_id, plan_id;
	int have_run, have_plan;
	double total_s, pct;
	char words[96];

	fputs("last:    ", stdout);
	if (!json_is_object(last)) {
		puts("none");
		return;
	}
	have_run = cli_jget_int(last, "run_id", &run_id);
	have_plan = cli_jget_int(last, "plan_id", &plan_id);
	cond = cli_jget_str(last, "condition");
	fputs("run", stdout);
	if (have_run)
		printf(" %lld", run_id);
	kind = cli_jget_str(last, "kind");
	if (kind != NULL && strcmp(kind, "measured") == 0)
		kind = NULL;	/* said only of a probe or a warm-up */
	if (have_plan && cond != NULL)
		printf(" (plan %lld, %s%s%s)", plan_id, cond, kind != NULL ? " " : "",
		    kind != NULL ? kind : "");
	else if (have_plan)
		printf(" (plan %lld)", plan_id);
	else if (cond != NULL)
		printf(" (%s)", cond);
	if ((state = cli_jget_str(last, "state")) != NULL)
		printf(" %s", state);
	if (cli_jget_real(last, "total_s", &total_s))
		printf(" in %.2f s", total_s);
	if (cli_jget_real(last, "resident_before_pct", &pct) &&
	    (cache = cli_jget_str(last, "cache")) != NULL) {
		analysis_cache_words(cache, pct, words, sizeof words);
		printf(", %s", words);
	}
	putchar('\n');
}

/* Print a status reply: as benchd sent it (json), or readable, its first line naming the device host. */
static void
control_status_print(json_t *reply, int json, const char *name)
{
	char *device;

	if (json) {
		json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		putchar('\n');
		return;
	}
	device = name != NULL ? remote_name(name) : NULL;
	if (name != NULL)
		printf("%s: ", device != NULL ? device : name);
	free(device);
	control_status_daemon(json_object_get(reply, "daemon"));
	control_status_paused(json_object_get(reply, "paused"));
	control_status_current(json_object_get(reply, "current"));
	targets_status(json_object_get(reply, "current"));	/* targets.c */
	control_status_queue(json_object_get(reply, "queue"));
	control_status_last(json_object_get(reply, "last"));
}

/* Say why a device did not answer, its name first (once). */
static void
control_status_failed(const char *host, const char *cause)
{
	char *name = remote_name(host);
	size_t len = name != NULL ? strlen(name) : 0;

	if (name != NULL && strncmp(cause, name, len) == 0 && cause[len] == ':')
		printf("%s\n", cause);
	else
		printf("%s: %s\n", name != NULL ? name : host, cause);
	free(name);
}

/*
 * The status of several devices at once: every ssh is started first, so the
 * wait is the slowest device's, not their sum; then each one's block (or why
 * it did not answer) in the order given. --json: one array of {"host",
 * "status"} or {"host", "error"}. Exit status 1 when one did not answer.
 */
static int
control_status_hosts(const struct benchctl_env *env, int json)
{
	struct conn *c[CLI_HOSTS_MAX];
	char *cause[CLI_HOSTS_MAX], *dir;
	json_t *all = cli_jcheck(json_array()), *reply, *o, *req;
	int rc = 0;

	for (size_t i = 0; i < env->nhosts; i++) {
		cause[i] = NULL;
		c[i] = remote_connect(env->hosts[i], &cause[i]);
	}
	for (size_t i = 0; i < env->nhosts; i++) {
		reply = NULL;
		req = control_request("status");
		if (c[i] != NULL && remote_hello(c[i], CONTROL_REPLY_MS, &dir, &cause[i]) == 0) {
			free(dir);
			if (conn_send(c[i], req, &cause[i]) == 0 && conn_recv(c[i], &reply,
			    &cause[i]) == 0 && !json_is_true(json_object_get(reply, "ok"))) {
				xasprintf(&cause[i], "%s: %s", conn_name(c[i]),
				    cli_jget_str(reply, "error") != NULL ?
				    cli_jget_str(reply, "error") : "benchd refused to say its status");
				json_decref(reply);
				reply = NULL;
			}
		}
		json_decref(req);
		conn_free(c[i]);
		o = cli_jcheck(json_object());
		cli_jset(o, "host", json_string(env->hosts[i]));
		if (reply != NULL) {
			if (!json)
				control_status_print(reply, 0, env->hosts[i]);
			cli_jset(o, "status", reply);
		} else {
			rc = 1;
			if (!json)
				control_status_failed(env->hosts[i], cause[i]);
			cli_jset(o, "error", json_string(cause[i]));
		}
		cli_jappend(all, o);
		free(cause[i]);
		if (!json && i + 1 < env->nhosts)
			putchar('\n');
	}
	if (json)
		cli_jprint(all);
	else
		json_decref(all);
	return rc;
}

/* Show what the daemon is doing (several devices' with several --host), readable or as its JSON reply. */
static int
control_status(const struct benchctl_env *env, struct cmd_args *args)
{
	json_t *reply;

	if (env->nhosts > 1)
		return control_status_hosts(env, cmd_args_has(args, 'j'));
	if ((reply = control_call(env, control_request("status"), 0, NULL)) == NULL)
		return 1;
	control_status_print(reply, cmd_args_has(args, 'j'), env->nhosts > 0 ? env->hosts[0] :
	    NULL);
	json_decref(reply);
	return 0;
}

/* Cancel a plan's pending runs. */
static int
control_cancel(const struct benchctl_env *env, struct cmd_args *args)
{
	json_t *req, *reply;
	long long plan_id, n;

	if ((plan_id = cli_plan_id(cmd_args_arg(args, 0))) == 0) {
		fprintf(stderr, "benchctl cancel: not a plan id: %s\n", cmd_args_arg(args, 0));
		return cmd_usage(args);
	}

	req = control_request("cancel");
	cli_jset(req, "plan_id", json_integer(plan_id));
	if ((reply = control_call(env, req, 0, NULL)) == NULL)
		return 1;
	if (json_is_true(json_object_get(reply, "already")))
		printf("plan %lld was cancelled already\n", plan_id);
	else if (cli_jget_int(reply, "cancelled_runs", &n))
		printf("plan %lld cancelled (%lld pending run%s cancelled)\n", plan_id, n,
		    fmt_plural(n));
	else
		printf("plan %lld cancelled\n", plan_id);
	json_decref(reply);
	return 0;
}

/*
 * Before watching every plan: when benchd has nothing running or queued, say
 * so, or an empty screen would look like a hang. 0, or -1 when benchd does
 * not answer (said).
 */
static int
control_idle(const struct benchctl_env *env)
{
	json_t *reply, *q;
	long long waiting = 0;

	if ((reply = control_call(env, control_request("status"), 0, NULL)) == NULL)
		return -1;
	q = json_object_get(reply, "queue");
	if (!json_is_object(json_object_get(reply, "current")) &&
	    (!cli_jget_int(q, "plans_waiting", &waiting) || waiting == 0)) {
		puts("benchd is idle: no plan is running or queued; waiting for one to be "
		    "submitted (^C stops watching)");
		fflush(stdout);
	}
	json_decref(reply);
	return 0;
}

/* Follow the runs of one plan, or of every plan, as they happen. */
static int
control_watch(const struct benchctl_env *env, struct cmd_args *args)
{
	struct conn *c;
	long long plan_id = 0;
	int finished;

	if (cmd_args_count(args) == 1 && (plan_id = cli_plan_id(cmd_args_arg(args, 0))) == 0) {
		fprintf(stderr, "benchctl watch: not a plan id: %s\n", cmd_args_arg(args, 0));
		return cmd_usage(args);
	}
	if (plan_id == 0 && control_idle(env) == -1)
		return 1;
	if ((c = control_watch_open(env, plan_id)) == NULL)
		return 1;
	return control_follow(c, plan_id, control_level(args), env->nhosts > 0 ? env->hosts[0] : NULL,
	    &finished);
}

/* "benchctl submit" in the command table. */
const struct cmd_entry control_submit_entry = {
	.name = "submit",
	.args = "PLAN.yaml|- [--wait]",
	.usage = "PLAN.yaml|- [--wait [--verbose | --quiet]] [--host HOST [--dir DIR]]",
	.about = "queue a plan; --wait follows it to the end",
	.help = "Queue the experiment plan PLAN.yaml on benchd; \"-\" reads it from standard\n"
	    "input (its relative paths are then relative to the current folder). With\n"
	    "--wait, follow it to the end like \"benchctl watch\", then print its\n"
	    "cold-versus-warm lines, and exit 0 only if every run was ok.\n"
	    "  -v, --verbose  a line for every start and stage line of every run too\n"
	    "  -q, --quiet    no line for the runs, no summary: the plan's end only\n"
	    "  -d, --dir DIR  with --host: the plan's folder on the device, which its\n"
	    "                 relative paths are relative to; relative to your home there\n"
	    "                 (as with scp); without it, your home there\n",
	.shortopts = "wqvd:",
	.longopts = (const struct option[]){
		{ "wait", no_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	},
	.min_args = 1,
	.max_args = 1,
	.exclusive = "qv",
	.exec = control_submit,
};

/* "benchctl status" in the command table. */
const struct cmd_entry control_status_entry = {
	.name = "status",
	.args = "[--json]",
	.about = "what benchd is running, its queue, the last run",
	.help = "Show benchd's version and uptime, the run in progress, the queue and the last\n"
	    "finished run; --json prints benchd's reply as it is. With several --host, each\n"
	    "device's in turn (all asked at once), and exit 1 if one did not answer.\n",
	.shortopts = "j",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 0,
	.flags = CMD_HOSTS,
	.exec = control_status,
};

/* "benchctl cancel" in the command table. */
const struct cmd_entry control_cancel_entry = {
	.name = "cancel",
	.args = "PLAN_ID",
	.about = "cancel a plan's pending runs",
	.help = "Cancel the plan PLAN_ID: its pending runs will not run, its run in flight is\n"
	    "stopped. A plan cancelled already is not an error; one that ended otherwise is.\n",
	.min_args = 1,
	.max_args = 1,
	.exec = control_cancel,
};

/* "benchctl watch" in the command table. */
const struct cmd_entry control_watch_entry = {
	.name = "watch",
	.args = "[PLAN_ID]",
	.usage = "[PLAN_ID] [--verbose | --quiet]",
	.about = "follow runs as they start and finish",
	.help = "Follow runs as they happen: on a terminal one progress line, else one line per\n"
	    "run (seq, condition, kind, state, its main stage, total, the share of its\n"
	    "footprint cached before it). With PLAN_ID, stop when that plan finishes (exit\n"
	    "0 only if it is done with every run ok); without, follow every plan until\n"
	    "interrupted. Leaving stops nothing: the plan goes on in benchd.\n"
	    "  -v, --verbose  a line for every start and stage line of every run too\n"
	    "  -q, --quiet    no line for the runs: each plan's end only\n",
	.shortopts = "qv",
	.longopts = (const struct option[]){
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 1,
	.exclusive = "qv",
	.exec = control_watch,
};
