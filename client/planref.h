/*
 * planref.h: the plan an analysis command names, and the database it is in.
 * "3" is this machine's plan 3; "phone/3" plan 3 of the device pulled as
 * phone ("benchctl pull phone"; its host name, or the start of its
 * database's key, will do too), and "phone/" the newest pulled from it;
 * nothing names this machine's newest. With --host phone, a bare "3" and
 * nothing name phone's. Plans are loaded read-only from this machine's
 * database or, when pulled, from the database of pulled plans beside it
 * (pull.h).
 */
#ifndef BENCHD_PLANREF_H
#define BENCHD_PLANREF_H

struct benchctl_env;
struct cmd_args;
struct db_plan;

/* A plan as named. */
struct planref {
	char		*machine;	/* NULL: this machine's own */
	long long	 id;		/* its id there; 0: the newest */
};

/*
 * Parse a plan's name (arg NULL: none given; host: the device of --host, or
 * NULL): 0, or -1 when it is not one. Pure.
 */
int		 planref_parse(const char *arg, const char *host, struct planref *);
void		 planref_clear(struct planref *);
/* Load the plan ref names: the plan, or NULL after printing one line (no database, no such plan). */
struct db_plan	*planref_load(const struct benchctl_env *, const struct planref *);
/*
 * Load the plan the command's argument i names (the newest when there is no
 * argument i): the plan, or NULL with *rc the exit status after printing
 * why (2 and the usage when it names no plan, else 1).
 */
struct db_plan	*planref_load_arg(const struct benchctl_env *, const struct cmd_args *, int i,
		    int *rc);

#endif
