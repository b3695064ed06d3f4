/* parselog.c: "benchctl parse-log", which feeds a file (or stdin) through the stage-log parser and prints the result as JSON. */
#include "parselog.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "stagelog.h"

/* Die unless a jansson call worked; it fails only when out of memory. */
static json_t *
parselog_check(json_t *v)
{
	if (v == NULL)
		fatalx("parse-log: out of memory building JSON");
	return v;
}

/* Set a new member of an object, or die. */
static void
parselog_set(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, parselog_check(v)) != 0)
		fatalx("parse-log: out of memory building JSON");
}

/* Append a new element to an array, or die. */
static void
parselog_append(json_t *array, json_t *v)
{
	if (json_array_append_new(array, parselog_check(v)) != 0)
		fatalx("parse-log: out of memory building JSON");
}

/*
 * A JSON real, raising *digits to what it needs to print exactly: jansson's
 * default 17 digits print 5.295 as 5.2949999999999999 and 16 print 9.38 as
 * 9.380000000000001, so the document is dumped with the fewest digits that
 * round-trip every real in it (15 for the usual log).
 */
static json_t *
parselog_real(double v, int *digits)
{
	int	 p = fmt_digits(v);

	if (p > *digits)
		*digits = p;
	return json_real(v);
}

/* The parser's result as a JSON object; *digits gets the precision it needs. */
static json_t *
parselog_json(const struct stagelog_result *r, int *digits)
{
	json_t	*root, *array, *o;

	root = parselog_check(json_object());
	parselog_set(root, "child_started_at",
	    r->has_start_time ? parselog_real(r->start_time, digits) : json_null());

	array = parselog_check(json_array());
	for (size_t i = 0; i < r->nstages; i++) {
		o = parselog_check(json_object());
		parselog_set(o, "name", json_string(r->stages[i].name));
		parselog_set(o, "start_s",
		    parselog_real(r->stages[i].start_s, digits));
		parselog_set(o, "end_s",
		    parselog_real(r->stages[i].end_s, digits));
		parselog_set(o, "duration_s",
		    parselog_real(r->stages[i].duration_s, digits));
		parselog_append(array, o);
	}
	parselog_set(root, "stages", array);

	array = parselog_check(json_array());
	for (size_t i = 0; i < r->nmetrics; i++) {
		o = parselog_check(json_object());
		parselog_set(o, "name", json_string(r->metrics[i].name));
		parselog_set(o, "value",
		    parselog_real(r->metrics[i].value, digits));
		parselog_set(o, "unit", json_string(r->metrics[i].unit));
		parselog_append(array, o);
	}
	parselog_set(root, "metrics", array);

	array = parselog_check(json_array());
	for (size_t i = 0; i < r->ninfo; i++) {
		o = parselog_check(json_object());
		parselog_set(o, "key", json_string(r->info[i].key));
		parselog_set(o, "value", json_string(r->info[i].value));
		parselog_append(array, o);
	}
	parselog_set(root, "info", array);

	array = parselog_check(json_array());
	for (size_t i = 0; i < r->nevents; i++) {
		o = parselog_check(json_object());
		parselog_set(o, "t_s", parselog_real(r->events[i].t_s, digits));
		parselog_set(o, "text", json_string(r->events[i].text));
		parselog_append(array, o);
	}
	parselog_set(root, "events", array);

	parselog_set(root, "lines", json_integer((json_int_t)r->lines));
	parselog_set(root, "long_lines", json_integer((json_int_t)r->long_lines));
	return root;
}

/* Feed everything readable from fd to the parser: 0, or -1 with errno set. */
static int
parselog_read(int fd, struct stagelog *sl)
{
	char	 buf[65536];
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		stagelog_feed(sl, buf, n);
	}
	stagelog_finish(sl);
	return 0;
}

/* Run "benchctl parse-log [FILE|-]" and return the exit status. */
static int
parselog_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct stagelog	*sl;
	json_t		*root;
	const char	*path = NULL;
	int		 fd, rc, flags, digits = 15;

	(void)env;
	if (cmd_args_count(args) > 1) {
		fputs("benchctl parse-log: too many arguments\n", stderr);
		return cmd_usage(args);
	}
	if (cmd_args_count(args) == 1)
		path = cmd_args_arg(args, 0);

	if (path == NULL || strcmp(path, "-") == 0) {
		path = "stdin";
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "benchctl parse-log: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}

	sl = stagelog_create();
	rc = parselog_read(fd, sl);
	if (rc == -1)
		fprintf(stderr, "benchctl parse-log: %s: %s\n", path,
		    strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc == -1) {
		stagelog_free(sl);
		return 1;
	}

	/* Nothing to show is most often a log in another format: say which one is read. */
	if (stagelog_result(sl)->nstages == 0)
		fprintf(stderr, "benchctl parse-log: no stage lines in %s: benchd reads lines such "
		    "as \"[5.295s] Import Torch Done, Time Spent: 5.295s\" (stage import_torch, "
		    "5.295 s), \"[T s] Starting Inference Loop (N iters)...\" then \"[T s] "
		    "Inference Done. Avg Latency: X ms\" (stage inference); python/benchstage.py "
		    "prints them\n", path);
	root = parselog_json(stagelog_result(sl), &digits);
	flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(digits);
	rc = json_dumpf(root, stdout, flags) == 0 && putchar('\n') != EOF &&
	    fflush(stdout) == 0 ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "benchctl parse-log: stdout: %s\n", strerror(errno));
	json_decref(root);
	stagelog_free(sl);
	return rc;
}

/* "benchctl parse-log" in the command table. */
const struct cmd_entry parselog_entry = {
	.name = "parse-log",
	.args = "[FILE|-]",
	.about = "parse a script's stage log and print it as JSON",
	.help = "Parse a benchmark script's stdout (FILE, or stdin for \"-\" or none) and print\n"
	    "its stages, metrics, runtime info and events as JSON.\n",
	.max_args = -1,
	.exec = parselog_exec,
};
