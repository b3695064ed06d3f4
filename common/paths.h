/* paths.h: where benchd's socket and database live by default, shared by benchd and benchctl. */
#ifndef BENCHD_PATHS_H
#define BENCHD_PATHS_H

#include <stddef.h>

/* $BENCHD_SOCKET, else $XDG_RUNTIME_DIR/benchd/benchd.sock, else /tmp/benchd-$UID/benchd.sock. */
char	*paths_default_socket(void);
/* $BENCHD_DB, else $XDG_STATE_HOME/benchd/bench.db, else ~/.local/state/benchd/bench.db. */
char	*paths_default_db(void);
/* Make the folder holding path (and its parents) with mode 0700 where missing. */
int	 paths_make_parent(const char *path, char **cause);
/* Make a path absolute against the current folder (no symlinks resolved). */
char	*paths_absolute(const char *path);

#endif
