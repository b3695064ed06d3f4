/*
 * copy.h: finished plans copied whole from one benchd database into another:
 * the snapshot a device's benchctl makes of its finished plans (copy_export),
 * and its merge into the database of pulled plans here (copy_merge), all of
 * it in one transaction or nothing. Pure SQLite: no ssh, nothing printed.
 *
 * A database is known by its key, its first daemon start ("MACHINE_ID/
 * STARTED_AT/PID"): a copy of the file keeps it, another database cannot
 * have it, and it needs nothing recorded beyond daemon_starts. A plan is
 * copied with its runs and every row of any table with a plan_id or run_id
 * column that is the plan's or its runs' (stages, metrics, footprints, ...,
 * and whatever tables schema.sql gains, with no change here). Its ids are new
 * in the database it is merged into; pulled_plans keeps its id on its machine
 * beside them, so that pulling again adds nothing.
 */
#ifndef BENCHD_COPY_H
#define BENCHD_COPY_H

#include <stddef.h>

/* What the puller holds already of one database: its key and the ids there of the plans pulled. */
struct copy_have {
	char		*key;
	long long	*ids;		/* ascending */
	size_t		 nids;
};

/* What copy_export put in a snapshot. */
struct copy_export_info {
	char		*key;		/* the database's */
	int		 schema_version;
	long long	 plans;		/* finished plans in it */
	long long	 runs;		/* their runs */
	long long	 waiting;	/* plans left out because they have not finished */
	long long	 held;		/* finished plans left out because the puller holds them */
};

/* What copy_merge added. */
struct copy_merge_info {
	char		*key;		/* the snapshot's database */
	char		*host;		/* its latest daemon start's host name, or NULL */
	long long	*ids;		/* the plans pulled now: their ids there, ascending */
	size_t		 nids;
	long long	 runs;		/* their runs */
	long long	 held;		/* plans of that database held before */
};

/*
 * Write into out (a new, empty file) a snapshot of the database src, opened
 * read-only and read in one transaction: every table's schema, the finished
 * plans but those the puller holds (haves whose key is src's), with all that
 * is theirs, every daemon start, and src's schema version. Returns 0 and fills
 * *info, or -1 with *cause (src is not a benchd database, or records no
 * daemon start).
 */
int	 copy_export(const char *src, const struct copy_have *haves, size_t nhaves,
	    const char *out, struct copy_export_info *info, char **cause);
void	 copy_export_info_clear(struct copy_export_info *);

/*
 * Merge the snapshot at snap into the database of pulled plans dst (made by
 * store_open: schema.sql's), in one transaction: its plans that dst does not
 * hold, with new ids, each beside its id there (pulled_plans); its database
 * as an origin pulled by name (a new one, or the one of its key: its host,
 * schema version and time updated, its name kept); its daemon starts. now
 * is the time recorded. A snapshot of a schema version newer than dst's, or
 * with a table or column dst does not have, is refused before anything is
 * written. Returns 0 and fills *info, or -1 with *cause; on -1 dst is as it
 * was.
 */
int	 copy_merge(const char *dst, const char *snap, const char *name, double now,
	    struct copy_merge_info *info, char **cause);
void	 copy_merge_info_clear(struct copy_merge_info *);

/*
 * The plans the database of pulled plans at dst holds, one have per database
 * pulled from (none when dst does not exist yet). 0, or -1 with *cause.
 */
int	 copy_haves(const char *dst, struct copy_have **haves, size_t *n, char **cause);
void	 copy_haves_free(struct copy_have *, size_t);

/* A have as an argument of "benchctl snapshot": "KEY=1-5,7,9" (pure; the caller frees it). */
char	*copy_have_format(const struct copy_have *);
/* Parse copy_have_format's text: 0 and *have (copy_haves_free), or -1 when it is not one. */
int	 copy_have_parse(const char *, struct copy_have *);

#endif
