/*
 * remote.h: a device's benchctl reached through the user's own ssh. The
 * command is $BENCHD_SSH (default "ssh", run by /bin/sh as git runs
 * GIT_SSH_COMMAND, so it may carry options) with -T, the destination and
 * "benchctl ARGS" for the device's shell ($BENCHD_REMOTE_BENCHCTL names
 * another benchctl there); ssh's standard input and output are one end of a
 * socket pair, its standard error benchctl's own. Everything about logging
 * in (keys, agents, host keys, ~/.ssh/config) is ssh's; benchd stores no
 * credential. Reaching a device's benchd is running "benchctl relay" there
 * (relay.h): its first line says whether it reached benchd, then the
 * protocol passes through.
 */
#ifndef BENCHD_REMOTE_H
#define BENCHD_REMOTE_H

struct conn;
struct remote;

/*
 * The device's name in messages and plan references, from an ssh
 * destination: "pi@phone" and "ssh://pi@phone:2222" are "phone" (pure; the
 * caller frees it). NULL when nothing is left, or it holds a '/'.
 */
char		*remote_name(const char *dest);
/*
 * The command line the device's shell runs: benchctl (NULL: "benchctl")
 * and each argument quoted for a POSIX shell (pure; the caller frees it).
 */
char		*remote_command(const char *benchctl, const char *const *args);

/*
 * Start ssh to dest running benchctl with args (NULL-terminated) there; *fd
 * is this side's end of its standard input and output. NULL with *cause (no
 * ssh to run, say).
 */
struct remote	*remote_start(const char *dest, const char *const *args, int *fd, char **cause);
/*
 * Once ssh's output has ended: wait for it (a few seconds at most) and say
 * why it ended, without the device's name: a new sentence, or NULL when it
 * exited with status 0.
 */
char		*remote_ended(struct remote *);
/*
 * Close *fd if it is open (-1 after), wait for ssh to end (stopping it after a
 * few seconds), and free it. Returns its exit status, 128 + the signal that
 * killed it, or -1 when it could not be waited for.
 */
int		 remote_free(struct remote *, int *fd);

/*
 * A connection to the benchd of the device dest, through "benchctl relay"
 * there: ssh is started, the relay's first line not yet read (remote_hello),
 * so that several devices' can be started at once. Its messages name the
 * device. NULL with *cause.
 */
struct conn	*remote_connect(const char *dest, char **cause);
/*
 * Read the relay's first line, waiting at most timeout_ms: 0 and *cwd (the
 * folder benchctl runs in there, its user's home; the caller frees it), or
 * -1 with *cause naming the device (no benchd there, ssh failed, ...).
 */
int		 remote_hello(struct conn *, int timeout_ms, char **cwd, char **cause);

#endif
