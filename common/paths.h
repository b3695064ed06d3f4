/* paths.h: where benchd's socket, database and python helpers live, shared by benchd and benchctl. */
#ifndef BENCHD_PATHS_H
#define BENCHD_PATHS_H

#include <stddef.h>

/* $BENCHD_SOCKET, else $XDG_RUNTIME_DIR/benchd/benchd.sock, else /tmp/benchd-$UID/benchd.sock. */
char	*paths_default_socket(void);
/* $BENCHD_DB, else $XDG_STATE_HOME/benchd/bench.db, else ~/.local/state/benchd/bench.db. */
char	*paths_default_db(void);
/*
 * The folder of benchd's python helpers (footprint.py, the probe's wrapper):
 * $BENCHD_PYTHON_DIR when set; else, for an installed benchd, the folder
 * BENCHD_PYTHON_RELDIR names from the running program's (/proc/self/exe;
 * share/benchd/python beside bin/); else the source tree's python/ that a
 * build tree's benchd was built from. Returns the folder (the caller frees
 * it), or NULL with *cause saying where it looked and how to fix it.
 */
char	*paths_python_dir(char **cause);
/* Make the folder holding path (and its parents) with mode 0700 where missing. */
int	 paths_make_parent(const char *path, char **cause);
/* Make a path absolute against the current folder (no symlinks resolved). */
char	*paths_absolute(const char *path);
/* The folder holding path ("." when it names none); the caller frees it. */
char	*paths_dirname(const char *path);
/*
 * Refuse a folder that someone else could use to slip files in: one another
 * user owns (root aside) or that its group or others can write. what names
 * it in the message ("socket folder"). 0, or -1 with *cause naming the fix.
 */
int	 paths_check_private(const char *dir, const char *what, char **cause);

#endif
