/* planref.c: the plan an analysis command names ("3", "phone/3"), found in this machine's database or among the pulled plans. */
#include "planref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "pull.h"
#include "remote.h"
#include "xmalloc.h"

/* Parse "3", "phone/3" or "phone/" (the newest pulled from phone). */
int
planref_parse(const char *arg, const char *host, struct planref *ref)
{
	const char *slash = arg != NULL ? strrchr(arg, '/') : NULL;

	ref->machine = NULL;
	ref->id = 0;
	if (arg == NULL) {
		ref->machine = host != NULL ? xstrdup(host) : NULL;
		return 0;
	}
	if (slash == NULL) {
		if ((ref->id = cli_plan_id(arg)) == 0)
			return -1;
		ref->machine = host != NULL ? xstrdup(host) : NULL;
		return 0;
	}
	if (slash == arg || (slash[1] != '\0' && (ref->id = cli_plan_id(slash + 1)) == 0))
		return -1;
	ref->machine = xstrndup(arg, (size_t)(slash - arg));
	return 0;
}

/* Free a parsed name. */
void
planref_clear(struct planref *ref)
{
	free(ref->machine);
	ref->machine = NULL;
}

/* Load a pulled plan from the database of pulled plans beside env's: the plan, or NULL after saying why. */
static struct db_plan *
planref_load_pulled(const struct benchctl_env *env, const struct planref *ref)
{
	struct db_plan *plan = NULL;
	struct stat sb;
	struct db *db;
	char *path = pull_path(env->db), *cause = NULL, *want;
	long long db_id;
	int rc;

	if (ref->id != 0)
		xasprintf(&want, "plan %s/%lld", ref->machine, ref->id);
	else
		xasprintf(&want, "any plan of %s", ref->machine);
	if (stat(path, &sb) != 0 && errno == ENOENT) {
		cli_error("no plans pulled here yet (there is no %s), so not %s: \"benchctl pull "
		    "%s\" brings its finished plans", path, want, ref->machine);
		goto done;
	}
	if ((db = db_open(path, &cause)) == NULL) {
		cli_error("%s", cause);
		goto done;
	}
	if ((rc = db_pulled_find(db, ref->machine, ref->id, &db_id, &cause)) == 1 &&
	    (rc = db_plan_load(db, db_id, &plan, &cause)) == 1)
		;
	else if (rc == 0)
		cli_error("%s has not been pulled into %s (\"benchctl plans\" lists the plans; "
		    "\"benchctl pull %s\" brings those finished since)", want, path, ref->machine);
	else
		cli_error("%s", cause);
	db_close(db);
done:
	free(cause);
	free(want);
	free(path);
	return plan;
}

/* Load the plan ref names, from this machine's database or the pulled plans'. */
struct db_plan *
planref_load(const struct benchctl_env *env, const struct planref *ref)
{
	if (ref->machine == NULL)
		return cli_plan_load(env, ref->id);
	return planref_load_pulled(env, ref);
}

/* Load the plan the command's argument i names, or the newest. */
struct db_plan *
planref_load_arg(const struct benchctl_env *env, const struct cmd_args *args, int i, int *rc)
{
	struct db_plan *plan;
	struct planref ref;
	const char *arg = cmd_args_count(args) > i ? cmd_args_arg(args, i) : NULL;
	char *host = env->nhosts > 0 ? remote_name(env->hosts[0]) : NULL;

	if (planref_parse(arg, host, &ref) != 0) {
		free(host);
		cli_error("not a plan: \"%s\" (PLAN_ID, or HOST/PLAN_ID for one pulled from HOST; "
		    "\"benchctl plans\" lists them)", arg);
		*rc = cmd_usage(args);
		return NULL;
	}
	free(host);
	plan = planref_load(env, &ref);
	planref_clear(&ref);
	*rc = 1;
	return plan;
}
