/*
 * pull.h: "benchctl pull HOST...": the finished plans of devices copied here
 * through the user's own ssh, into the database of pulled plans beside this
 * machine's (bench.db's is bench.pulled.db), which benchctl pull alone writes
 * and the analysis commands read as HOST/ID. A plan still queued or running
 * there is pulled by a pull after it ends; pulling again adds nothing.
 *
 * The device's side is "benchctl snapshot [KEY=IDS ...]": one JSON line,
 * then that many bytes of an SQLite database holding its finished plans but
 * those the puller holds (copy.h), read in one transaction, read-only:
 *
 *   {"v":1,"ok":true,"key":"...","schema_version":3,"plans":2,"runs":36,
 *    "waiting":1,"held":4,"bytes":131072}
 *   {"v":1,"ok":false,"error":"no database at ..."}
 */
#ifndef BENCHD_PULL_H
#define BENCHD_PULL_H

#include "cmd.h"

/* "benchctl pull" and "benchctl snapshot" in the command table. */
extern const struct cmd_entry pull_entry;
extern const struct cmd_entry pull_snapshot_entry;

/* The database of pulled plans beside the database db: "bench.db" -> "bench.pulled.db" (the caller frees it). */
char	*pull_path(const char *db);

#endif
