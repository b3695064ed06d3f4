/*
 * relay.h: "benchctl relay", which the benchctl of another machine runs here
 * through ssh (remote.h) to talk to this machine's benchd. It connects to
 * benchd's socket, found as every benchctl finds it ($BENCHD_SOCKET, ...),
 * writes one line, then passes bytes between its standard input and output
 * and the socket as they come, until either side ends:
 *
 *   {"v":1,"ok":true,"relay":{"cwd":"/home/pi","version":"0.1.0"}}
 *   {"v":1,"ok":false,"error":"no benchd is listening on ...; start one with: ..."}
 *
 * cwd is the folder it runs in (ssh starts it in the user's home), against
 * which a plan's folder on this machine is named (benchctl submit --dir).
 * benchd checks the peer as for any client: the ssh login must be benchd's
 * own user.
 */
#ifndef BENCHD_RELAY_H
#define BENCHD_RELAY_H

#include <jansson.h>
#include <stddef.h>

#include "cmd.h"

/* "benchctl relay" in the command table. */
extern const struct cmd_entry relay_entry;

/*
 * What a device's benchctl writes for one elsewhere (relay, and pull's
 * snapshot): all of buf to fd, 0 or -1 when the other side has gone (with
 * SIGPIPE ignored); a JSON object as one line on standard output (freed);
 * and the line {"v":1,"ok":false,"error":cause}, returning 1, the exit status.
 */
int	 relay_write(int fd, const void *buf, size_t len);
int	 relay_line(json_t *);
int	 relay_fail(const char *cause);

#endif
