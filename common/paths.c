/* paths.c: default socket and database paths, and making their folders. */
#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

/* An environment variable's value, or NULL when unset or empty. */
static const char *
paths_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The socket path benchd listens on and benchctl connects to by default. */
char *
paths_default_socket(void)
{
	const char *v;
	char *path;

	if ((v = paths_env("BENCHD_SOCKET")) != NULL)
		return xstrdup(v);
	if ((v = paths_env("XDG_RUNTIME_DIR")) != NULL)
		xasprintf(&path, "%s/benchd/benchd.sock", v);
	else
		xasprintf(&path, "/tmp/benchd-%u/benchd.sock", (unsigned)getuid());
	return path;
}

/* The database benchd writes and benchctl's analysis commands read by default. */
char *
paths_default_db(void)
{
	const char *v;
	char *path;

	if ((v = paths_env("BENCHD_DB")) != NULL)
		return xstrdup(v);
	if ((v = paths_env("XDG_STATE_HOME")) != NULL)
		xasprintf(&path, "%s/benchd/bench.db", v);
	else
		xasprintf(&path, "%s/.local/state/benchd/bench.db",
		    paths_env("HOME") != NULL ? paths_env("HOME") : "/tmp");
	return path;
}

/* Create the parent folders of path, each 0700 when new. */
int
paths_make_parent(const char *path, char **cause)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			xasprintf(cause, "cannot create %s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return 0;
}

/* Join a relative path to the current folder. */
char *
paths_absolute(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		return xstrdup(path);
	xasprintf(&abs, "%s/%s", cwd, path);
	free(cwd);
	return abs;
}

/* The folder part of a path. */
char *
paths_dirname(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	return dir;
}

/* A folder is ours (or root's) and closed to others' writes. */
int
paths_check_private(const char *dir, const char *what, char **cause)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		xasprintf(cause, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (sb.st_uid != getuid() && sb.st_uid != 0) {
		xasprintf(cause, "%s %s belongs to uid %u, not to us (uid %u); use a folder of your "
		    "own (mode 0700)", what, dir, (unsigned)sb.st_uid, (unsigned)getuid());
		return -1;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		xasprintf(cause, "%s %s can be written by others (mode %04o); use a folder of your "
		    "own: chmod 700 %s", what, dir, (unsigned)(sb.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}
