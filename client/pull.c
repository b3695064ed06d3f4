/* pull.c: "benchctl pull": devices' finished plans copied here through ssh; and "benchctl snapshot", what a device sends for it. */
#include "pull.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "cmd.h"
#include "copy.h"
#include "paths.h"
#include "proto.h"
#include "relay.h"
#include "remote.h"
#include "store.h"
#include "xmalloc.h"

/* The snapshot's first line, at most. */
#define PULL_HEADER_MAX	65536
/* How much is read or written at a time. */
#define PULL_CHUNK	65536

/* The database of pulled plans beside db. */
char *
pull_path(const char *db)
{
	size_t len = strlen(db);
	char *path;

	if (len > 3 && strcmp(db + len - 3, ".db") == 0)
		xasprintf(&path, "%.*s.pulled.db", (int)(len - 3), db);
	else
		xasprintf(&path, "%s.pulled.db", db);
	return path;
}

/* Copy the whole file at path to standard output: 0, or -1. */
static int
pull_cat(const char *path)
{
	char *buf = xmalloc(PULL_CHUNK);
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		free(buf);
		return -1;
	}
	for (;;) {
		if ((n = read(fd, buf, PULL_CHUNK)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == 0 ? 0 : -1;
			break;
		}
		if (relay_write(STDOUT_FILENO, buf, (size_t)n) != 0)
			break;
	}
	close(fd);
	free(buf);
	return rc;
}

/* "benchctl snapshot": this machine's finished plans, but those the puller holds, to standard output. */
static int
pull_snapshot_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct copy_export_info info;
	struct copy_have *haves;
	struct stat sb;
	const char *tmpdir = getenv("TMPDIR");
	char *tmp, *cause = NULL;
	json_t *o;
	int fd, n = cmd_args_count(args), rc = 1;

	if (env->nhosts > 0) {
		cli_error("snapshot: it runs on the device, for benchctl pull; no --host here");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (isatty(STDOUT_FILENO)) {
		cli_error("snapshot: it writes a database to standard output, for benchctl pull "
		    "on another machine; send it to a file or a pipe");
		return 2;
	}
	haves = xcalloc((size_t)n + 1, sizeof *haves);
	for (int i = 0; i < n; i++) {
		if (copy_have_parse(cmd_args_arg(args, i), &haves[i]) != 0) {
			xasprintf(&cause, "snapshot: \"%s\" is not KEY=IDS (ids as 1-5,7)",
			    cmd_args_arg(args, i));
			relay_fail(cause);
			free(cause);
			copy_haves_free(haves, (size_t)i);
			return 2;
		}
	}
	xasprintf(&tmp, "%s/benchd-snapshot.XXXXXX", tmpdir != NULL && *tmpdir != '\0' ?
	    tmpdir : "/tmp");
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(&cause, "cannot make a file for the snapshot in %s: %s; set $TMPDIR to a "
		    "folder with room", tmp, strerror(errno));
		goto done;
	}
	close(fd);
	if (copy_export(env->db, haves, (size_t)n, tmp, &info, &cause) != 0)
		goto done;
	if (stat(tmp, &sb) != 0) {
		xasprintf(&cause, "%s: %s", tmp, strerror(errno));
		copy_export_info_clear(&info);
		goto done;
	}
	o = cli_jcheck(json_object());
	cli_jset(o, "v", json_integer(PROTO_VERSION));
	cli_jset(o, "ok", json_true());
	cli_jset(o, "key", json_string(info.key));
	cli_jset(o, "schema_version", json_integer(info.schema_version));
	cli_jset(o, "plans", json_integer(info.plans));
	cli_jset(o, "runs", json_integer(info.runs));
	cli_jset(o, "waiting", json_integer(info.waiting));
	cli_jset(o, "held", json_integer(info.held));
	cli_jset(o, "bytes", json_integer((json_int_t)sb.st_size));
	relay_line(o);
	copy_export_info_clear(&info);
	rc = pull_cat(tmp) == 0 ? 0 : 1;
done:
	if (cause != NULL) {
		relay_fail(cause);
		free(cause);
	}
	if (fd != -1)
		unlink(tmp);
	free(tmp);
	copy_haves_free(haves, (size_t)n);
	return rc;
}

/* Read ssh's output until its first line: the line (NUL-terminated) in buf, the bytes after it from *rest. -1 at its end first. */
static int
pull_header(int fd, char *buf, size_t *len, size_t *rest)
{
	char *nl;
	ssize_t n;

	*len = 0;
	for (;;) {
		if ((n = read(fd, buf + *len, PULL_HEADER_MAX - *len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
		if ((nl = memchr(buf, '\n', *len)) != NULL) {
			*nl = '\0';
			*rest = (size_t)(nl + 1 - buf);
			return 0;
		}
		if (*len == PULL_HEADER_MAX)
			return -1;
	}
}

/* The rest of the snapshot, bytes in all (have of them in buf already), into the file out: 0, or -1. */
static int
pull_body(int fd, int out, const char *buf, size_t have, long long bytes, long long *got)
{
	char *chunk = xmalloc(PULL_CHUNK);
	ssize_t n;
	int rc = -1;

	*got = (long long)have;
	if (*got > bytes || relay_write(out, buf, have) != 0)
		goto done;
	while (*got < bytes) {
		n = read(fd, chunk, (size_t)(bytes - *got) < PULL_CHUNK ? (size_t)(bytes - *got) :
		    PULL_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || relay_write(out, chunk, (size_t)n) != 0)
			goto done;
		*got += n;
	}
	rc = 0;
done:
	free(chunk);
	return rc;
}

/* Print what a pull added: "phone: pulled phone/1, phone/2 (36 runs) into ...". */
static void
pull_report(const char *name, const struct copy_merge_info *info, json_t *hdr,
    const char *pulled)
{
	long long waiting = 0;
	const char *sep = "";

	cli_jget_int(hdr, "waiting", &waiting);
	cli_puts(name);
	if (info->host != NULL && strcmp(info->host, name) != 0) {
		fputs(" (host ", stdout);
		cli_puts(info->host);
		putchar(')');
	}
	if (info->nids == 0)
		printf(": nothing new (%lld plan%s pulled before)", info->held,
		    info->held == 1 ? "" : "s");
	else {
		fputs(": pulled ", stdout);
		for (size_t i = 0; i < info->nids; i++, sep = ", ") {
			printf("%s", sep);
			cli_puts(name);
			printf("/%lld", info->ids[i]);
		}
		printf(" (%lld run%s) into %s", info->runs, info->runs == 1 ? "" : "s", pulled);
	}
	if (waiting > 0)
		printf("; %lld plan%s not finished there, pulled once %s", waiting,
		    waiting == 1 ? "" : "s", waiting == 1 ? "it ends" : "they end");
	putchar('\n');
}

/*
 * Pull one device: its snapshot through ssh into a file beside pulled, then
 * merged in one transaction. 0, or 1 after printing why (naming the device).
 */
static int
pull_one(const char *dest, const char *pulled, const struct copy_have *haves, size_t nhaves)
{
	struct copy_merge_info info;
	struct remote *r = NULL;
	const char **argv;
	json_error_t jerr;
	json_t *hdr = NULL;
	char *name, *buf = xmalloc(PULL_HEADER_MAX + 1), *tmp = NULL, *cause = NULL, *why;
	size_t len, rest;
	long long bytes = -1, got = 0;
	int fd = -1, out = -1, status, rc = 1;

	if ((name = remote_name(dest)) == NULL) {
		cli_error("pull: \"%s\" names no device: give [USER@]HOST, as to ssh", dest);
		free(buf);
		return 1;
	}
	argv = xcalloc(nhaves + 2, sizeof *argv);
	argv[0] = "snapshot";
	for (size_t i = 0; i < nhaves; i++)
		argv[i + 1] = copy_have_format(&haves[i]);
	r = remote_start(dest, argv, &fd, &cause);
	for (size_t i = 0; i < nhaves; i++)
		free((char *)argv[i + 1]);
	free(argv);
	if (r == NULL)
		goto done;
	if (pull_header(fd, buf, &len, &rest) != 0) {
		if ((why = remote_ended(r)) != NULL)
			cause = why;
		else
			xasprintf(&cause, "benchctl snapshot there sent no line (a benchctl older "
			    "than this one has no such command: install the same version there)");
		goto done;
	}
	if ((hdr = json_loads(buf, 0, &jerr)) == NULL || !json_is_object(hdr)) {
		xasprintf(&cause, "benchctl snapshot there sent a line that is not JSON: is it the "
		    "same version as this one?");
		goto done;
	}
	if (!json_is_true(json_object_get(hdr, "ok"))) {
		xasprintf(&cause, "%s", cli_jget_str(hdr, "error") != NULL ?
		    cli_jget_str(hdr, "error") : "benchctl snapshot there failed without saying why");
		goto done;
	}
	if (!cli_jget_int(hdr, "bytes", &bytes) || bytes <= 0) {
		xasprintf(&cause, "benchctl snapshot there did not say how long its snapshot is");
		goto done;
	}
	xasprintf(&tmp, "%s.incoming.XXXXXX", pulled);
	if ((out = mkstemp(tmp)) == -1) {
		xasprintf(&cause, "cannot make a file for its snapshot: %s: %s", tmp,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto done;
	}
	if (pull_body(fd, out, buf + rest, len - rest, bytes, &got) != 0) {
		why = remote_ended(r);
		xasprintf(&cause, "its snapshot ended after %lld of %lld bytes%s%s", got, bytes,
		    why != NULL ? ": " : "", why != NULL ? why : "");
		free(why);
		goto done;
	}
	close(out);
	out = -1;
	if ((status = remote_free(r, &fd)) != 0) {
		r = NULL;
		xasprintf(&cause, "ssh ended with status %d after sending its snapshot", status);
		goto done;
	}
	r = NULL;
	if (copy_merge(pulled, tmp, name, clock_unix_now(), &info, &cause) != 0)
		goto done;
	pull_report(name, &info, hdr, pulled);
	copy_merge_info_clear(&info);
	rc = 0;
done:
	if (rc != 0) {
		/* Say which device; a message from conn or remote may say it already. */
		if (strncmp(cause, name, strlen(name)) == 0 && cause[strlen(name)] == ':')
			cli_error("pull: %s; nothing of it was pulled", cause);
		else
			cli_error("pull: %s: %s; nothing of it was pulled", name, cause);
	}
	if (out != -1)
		close(out);
	if (tmp != NULL)
		unlink(tmp);
	remote_free(r, &fd);
	json_decref(hdr);
	free(tmp);
	free(cause);
	free(buf);
	free(name);
	return rc;
}

/*
 * Make the database of pulled plans (or bring an older one to this schema)
 * as benchd makes its own: store_open applies schema.sql. 0, or -1 after
 * printing why.
 */
static int
pull_prepare(const char *pulled)
{
	struct store *st;
	char *cause = NULL;

	if (paths_make_parent(pulled, &cause) != 0 || (st = store_open(pulled, &cause)) == NULL) {
		cli_error("pull: %s", cause);
		free(cause);
		return -1;
	}
	store_close(st);
	return 0;
}

/* "benchctl pull [HOST...]": each device's finished plans, into the database of pulled plans. */
static int
pull_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct copy_have *haves = NULL;
	size_t nhaves = 0;
	char *pulled = pull_path(env->db), *cause = NULL;
	int n = cmd_args_count(args), rc = 0;

	if (n == 0 && env->nhosts == 0) {
		free(pulled);
		return cmd_usage(args);
	}
	if (pull_prepare(pulled) != 0 || copy_haves(pulled, &haves, &nhaves, &cause) != 0) {
		if (cause != NULL)
			cli_error("pull: %s", cause);
		free(cause);
		free(pulled);
		return 1;
	}
	for (int i = 0; i < n; i++)
		rc |= pull_one(cmd_args_arg(args, i), pulled, haves, nhaves);
	for (size_t i = 0; n == 0 && i < env->nhosts; i++)
		rc |= pull_one(env->hosts[i], pulled, haves, nhaves);
	copy_haves_free(haves, nhaves);
	free(pulled);
	return rc;
}

/* "benchctl pull" in the command table. */
const struct cmd_entry pull_entry = {
	.name = "pull",
	.args = "[USER@]HOST...",
	.about = "copy devices' finished plans here through ssh",
	.help = "Copy the finished plans of each device (its benchd's database, read there\n"
	    "read-only in one transaction by its benchctl, through your ssh) into the\n"
	    "database of pulled plans beside this one (bench.db's is bench.pulled.db),\n"
	    "each device in one transaction. The analysis commands name them HOST/ID (the\n"
	    "plan's id there): \"benchctl summary phone/3\", \"benchctl compare phone/3\n"
	    "sbc/3\". A plan still queued or running there is pulled once it ends; pulling\n"
	    "again adds nothing. Without HOST, the devices of --host. $BENCHD_SSH and\n"
	    "$BENCHD_REMOTE_BENCHCTL as for --host.\n",
	.max_args = -1,
	.flags = CMD_HOSTS,
	.exec = pull_exec,
};

/* "benchctl snapshot" in the command table. */
const struct cmd_entry pull_snapshot_entry = {
	.name = "snapshot",
	.args = "[KEY=IDS...]",
	.about = "(run by pull through ssh) this database's finished plans",
	.help = "Write to standard output a line of JSON, then an SQLite database holding the\n"
	    "finished plans of this machine's database (--db, found as for the analysis\n"
	    "commands) with all their runs, read-only and in one transaction: what another\n"
	    "machine's \"benchctl pull THIS\" runs here through ssh. KEY=IDS (ids as 1-5,7)\n"
	    "leaves out the plans a puller holds of the database of that key.\n",
	.max_args = -1,
	.flags = CMD_READS_DB,
	.exec = pull_snapshot_exec,
};
