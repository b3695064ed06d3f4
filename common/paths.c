/* paths.c: default socket and database paths, making their folders, and finding benchd's python helpers. */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

/* The source tree's python/, for a benchd run from its build tree (set by the build). */
#ifndef BENCHD_PYTHON_DIR
#define BENCHD_PYTHON_DIR "python"
#endif
/* Where an installed benchd's helpers are from the folder it runs from (set by the build). */
#ifndef BENCHD_PYTHON_RELDIR
#define BENCHD_PYTHON_RELDIR "../share/benchd/python"
#endif
/* The helper that must be there: the probe's wrapper. */
#define PATHS_HELPER	"footprint.py"

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

/* Whether dir holds a readable PATHS_HELPER. */
static int
paths_has_helper(const char *dir)
{
	char *file;
	int ok;

	xasprintf(&file, "%s/%s", dir, PATHS_HELPER);
	ok = access(file, R_OK) == 0;
	free(file);
	return ok;
}

/* dir joined with the relative path rel, its "." and ".." taken away: "/p/bin" and "../share" give "/p/share". */
static char *
paths_join(const char *dir, const char *rel)
{
	char *out = xmalloc(strlen(dir) + strlen(rel) + 2), *copy = xstrdup(rel), *seg, *save;
	size_t n = strlen(dir);

	memcpy(out, dir, n + 1);
	for (seg = strtok_r(copy, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
			out[n] = '\0';
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n > 0 && out[n - 1] == '/' ? "" : "/", seg);
	}
	free(copy);
	return out;
}

/* The folder of benchd's python helpers: the environment's, the installed one, or the source tree's. */
char *
paths_python_dir(char **cause)
{
	const char *env = paths_env("BENCHD_PYTHON_DIR");
	char *exe, *dir, *installed = NULL;

	if (env != NULL) {
		if (paths_has_helper(env))
			return xstrdup(env);
		xasprintf(cause, "$BENCHD_PYTHON_DIR is %s, which holds no readable %s: set it to "
		    "the folder of benchd's python helpers (share/benchd/python where benchd is "
		    "installed), or unset it", env, PATHS_HELPER);
		return NULL;
	}
	if (BENCHD_PYTHON_RELDIR[0] == '/')
		installed = xstrdup(BENCHD_PYTHON_RELDIR);
	else if ((exe = realpath("/proc/self/exe", NULL)) != NULL) {
		dir = paths_dirname(exe);
		installed = paths_join(dir, BENCHD_PYTHON_RELDIR);
		free(dir);
		free(exe);
	}
	if (installed != NULL && paths_has_helper(installed))
		return installed;
	if (paths_has_helper(BENCHD_PYTHON_DIR)) {
		free(installed);
		return xstrdup(BENCHD_PYTHON_DIR);
	}
	xasprintf(cause, "benchd's python helpers are missing: no %s in %s (where an installed "
	    "benchd keeps them) nor in %s (the source tree it was built from); install benchd "
	    "again (cmake --install BUILD --prefix PREFIX), or set BENCHD_PYTHON_DIR to a folder "
	    "holding %s", PATHS_HELPER, installed != NULL ? installed : BENCHD_PYTHON_RELDIR,
	    BENCHD_PYTHON_DIR, PATHS_HELPER);
	free(installed);
	return NULL;
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
