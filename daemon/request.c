/* request.c: submit, status, cancel and watch, each turned into a reply for the socket. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "rungroup.h"
#include "log.h"
#include "plan.h"
#include "rounds.h"
#include "run.h"
#include "runner.h"
#include "store.h"
#include "xmalloc.h"

/* Two conditions run the very same command (so one probe serves both). */
static int
request_same_command(const struct plan_condition *a, const struct plan_condition *b)
{
	if (strcmp(a->python, b->python) != 0 || strcmp(a->script, b->script) != 0 ||
	    strcmp(a->workdir, b->workdir) != 0 || a->nargs != b->nargs || a->nenv != b->nenv)
		return 0;
	for (size_t i = 0; i < a->nargs; i++) {
		if (strcmp(a->args[i], b->args[i]) != 0)
			return 0;
	}
	for (size_t i = 0; i < a->nenv; i++) {
		if (strcmp(a->env[i].key, b->env[i].key) != 0 ||
		    strcmp(a->env[i].value, b->env[i].value) != 0)
			return 0;
	}
	return 1;
}

/*
 * The runs to queue: one probe per distinct command among the cold and warm
 * conditions (it finds the files to evict or prime), then the plan's runs.
 */
static struct store_new_run *
request_runs(const struct plan *plan, size_t *n)
{
	struct plan_run *order;
	size_t nrun = plan_expand(plan, &order), k = 0;
	struct store_new_run *runs = xcalloc(nrun + plan->nconds + 1, sizeof *runs);

	for (size_t i = 0; i < plan->nconds; i++) {
		const struct plan_condition *c = &plan->conds[i];
		int seen = 0;

		if (c->cache == PLAN_CACHE_NONE)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = plan->conds[j].cache != PLAN_CACHE_NONE &&
			    request_same_command(&plan->conds[j], c);
		if (!seen)
			runs[k++] = (struct store_new_run){ c->name, "probe", plan_cache_name(c->cache),
			    NULL, c->cpus, -1, 0, 0 };
	}
	for (size_t i = 0; i < nrun; i++) {
		const struct plan_condition *c = &plan->conds[order[i].cond];
		/* Past the cold one, a sequence's runs leave the cache as the last one left it. */
		enum plan_cache cache = order[i].position > 0 ? PLAN_CACHE_NONE : c->cache;

		runs[k++] = (struct store_new_run){ c->name, plan_run_kind_name(order[i].kind),
		    plan_cache_name(cache), cache == PLAN_CACHE_COLD ?
		    plan_cold_method_name(c->cold_method) : NULL, c->cpus, order[i].position,
		    order[i].sequence, order[i].importtime };
	}
	free(order);
	*n = k;
	return runs;
}

/* The kernel's list of online CPUs ("0-1"), or NULL. */
static char *
request_online_cpus(void)
{
	char buf[256];
	FILE *fp = fopen("/sys/devices/system/cpu/online", "re");
	char *list = NULL;

	if (fp == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		list = xstrdup(buf);
	}
	fclose(fp);
	return list;
}

/* submit: check the plan against this machine, expand it, and queue it in one transaction. */
static json_t *
request_submit(const struct request_env *env, const struct proto_request *req, unsigned uid)
{
	struct plan_check check = { request_online_cpus(), 1 };
	struct store_new_run *runs = NULL;
	struct store_stop *stops = NULL;
	struct plan *plan;
	char *cause = NULL;
	json_t *reply;
	int64_t id;
	size_t n, nstops;

	/* A plan runs as benchd's user: only that user may queue one (root too is refused). */
	if (uid != getuid()) {
		xasprintf(&cause, "%s: benchd runs as uid %u and its plans run as that user; submit "
		    "as uid %u (you are uid %u)", req->path, (unsigned)getuid(), (unsigned)getuid(),
		    uid);
		free((char *)check.online_cpus);
		plan = NULL;
		goto fail;
	}
	plan = plan_parse(req->yaml, req->yaml_len, req->path, &check, &cause);
	free((char *)check.online_cpus);
	if (plan == NULL)
		goto fail;
	for (size_t i = 0; i < plan->nconds; i++) {
		const struct plan_condition *c = &plan->conds[i];

		if (c->cache == PLAN_CACHE_COLD && c->cold_method == PLAN_COLD_SYSTEM &&
		    (uid != 0 || geteuid() != 0)) {
			xasprintf(&cause, "%s: condition %s: cold_method system needs root (it runs "
			    "sync and writes /proc/sys/vm/drop_caches, dropping every program's "
			    "cache); use cold_method: targeted, which needs no root and evicts only "
			    "the files this plan uses", req->path, c->name);
			goto fail;
		}
	}
	/* Limits that cannot be applied here refuse the plan now, never run it unlimited (issue #19). */
	if (rungroup_check_plan(plan, req->path, &cause) != 0)
		goto fail;
	runs = request_runs(plan, &n);
	stops = rounds_stops(plan, &nstops);	/* precision targets: rounds.c */
	if (store_plan_add(env->store, plan->name, req->yaml, req->path, uid, runs, n, stops, nstops,
	    &id, &cause) != 0)
		goto fail;
	log_info("plan %lld queued: %s (%zu conditions, %zu runs) from %s", (long long)id,
	    plan->name, plan->nconds, n, req->path);
	reply = proto_reply_ok();
	json_object_set_new(reply, "plan_id", json_integer(id));
	json_object_set_new(reply, "name", json_string(plan->name));
	json_object_set_new(reply, "conditions", json_integer((json_int_t)plan->nconds));
	json_object_set_new(reply, "runs", json_integer((json_int_t)n));
	free(runs);
	free(stops);
	plan_free(plan);
	runner_kick(env->runner);
	return reply;

fail:
	reply = proto_reply_error(cause);
	free(cause);
	free(runs);
	free(stops);
	plan_free(plan);
	return reply;
}

/* status: the daemon, the run in flight, the queue, and the last run that ended. */
static json_t *
request_status(const struct request_env *env)
{
	struct store_status st;
	json_t *reply = proto_reply_ok(), *last = json_null(), *cur, *targets;

	json_object_set_new(reply, "daemon", json_pack("{si ss sf ss ss}", "pid", (int)getpid(),
	    "version", BENCHD_VERSION, "uptime_s", (clock_mono_ms() - env->started_mono_ms) / 1e3,
	    "socket", env->socket_path, "db", env->db_path));
	json_object_set_new(reply, "paused", runner_paused_json(env->runner));
	json_object_set_new(reply, "current", cur = runner_current_json(env->runner));
	/* A plan with precision targets: where they stand (rounds.c). */
	if (json_is_object(cur) && (targets = rounds_json(env->store, json_integer_value(
	    json_object_get(cur, "plan_id")))) != NULL)
		json_object_set_new(cur, "targets", targets);
	if (store_status(env->store, &st) != 0) {
		json_decref(reply);
		return proto_reply_error("cannot read the queue from the database");
	}
	json_object_set_new(reply, "queue", json_pack("{sI sI}",
	    "plans_waiting", (json_int_t)st.plans_waiting, "runs_left", (json_int_t)st.runs_left));
	if (st.has_last)
		last = json_pack("{sI sI ss ss so sf ss ss so}", "run_id", (json_int_t)st.last_run_id,
		    "plan_id", (json_int_t)st.last_plan_id, "condition", st.last_condition,
		    "state", st.last_state, "total_s", st.last_total_s == st.last_total_s ?
		    json_real(st.last_total_s) : json_null(), "ended_at", st.last_ended_at,
		    "kind", st.last_kind, "cache", st.last_cache, "resident_before_pct",
		    st.last_resident_before_pct == st.last_resident_before_pct ?
		    json_real(st.last_resident_before_pct) : json_null());
	json_object_set_new(reply, "last", last);
	return reply;
}

/*
 * cancel: end the plan's pending runs and stop its run in flight. A plan
 * cancelled already is what was asked for: ok, with "already" saying so.
 */
static json_t *
request_cancel(const struct request_env *env, int64_t plan_id)
{
	struct store_plan p;
	char *cause = NULL;
	json_t *reply;
	int64_t n;
	int already;

	if (store_plan_get(env->store, plan_id, &p) == 1) {
		already = strcmp(p.state, "cancelled") == 0;
		store_plan_clear(&p);
		if (already) {
			reply = proto_reply_ok();
			json_object_set_new(reply, "plan_id", json_integer(plan_id));
			json_object_set_new(reply, "cancelled_runs", json_integer(0));
			json_object_set_new(reply, "already", json_true());
			return reply;
		}
	}
	if (store_plan_cancel(env->store, plan_id, &n, &cause) != 0) {
		reply = proto_reply_error(cause);
		free(cause);
		return reply;
	}
	log_info("plan %lld cancelled (%lld pending runs)", (long long)plan_id, (long long)n);
	runner_cancel_plan(env->runner, plan_id);
	reply = proto_reply_ok();
	json_object_set_new(reply, "plan_id", json_integer(plan_id));
	json_object_set_new(reply, "cancelled_runs", json_integer(n));
	return reply;
}

/* watch: from now on the client gets events; a finished plan's end is sent at once. */
static json_t *
request_watch(const struct request_env *env, int64_t plan_id, struct proto_answer *res)
{
	struct store_plan p;
	char msg[128];
	int rc;

	if (plan_id != 0) {
		if ((rc = store_plan_get(env->store, plan_id, &p)) != 1) {
			snprintf(msg, sizeof msg, rc == 0 ? "no plan %lld; `benchctl status` lists "
			    "the queue" : "cannot read plan %lld", (long long)plan_id);
			return proto_reply_error(msg);
		}
		if (strcmp(p.state, "queued") != 0 && strcmp(p.state, "running") != 0)
			res->then = run_plan_event(env->store, plan_id);
		store_plan_clear(&p);
	}
	res->watch = 1;
	res->watch_plan = plan_id;
	return proto_reply_ok();
}

/* Carry out one decoded request; res->reply is always set. */
void
request_handle(const struct request_env *env, const struct proto_request *req, unsigned uid,
    struct proto_answer *res)
{
	switch (req->cmd) {
	case PROTO_SUBMIT:
		res->reply = request_submit(env, req, uid);
		break;
	case PROTO_STATUS:
		res->reply = request_status(env);
		break;
	case PROTO_CANCEL:
		res->reply = request_cancel(env, req->plan_id);
		break;
	case PROTO_WATCH:
		res->reply = request_watch(env, req->plan_id, res);
		break;
	}
}
