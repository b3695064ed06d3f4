/*
 * proto.h: the socket protocol between benchctl (or any client) and benchd.
 *
 * Newline-delimited JSON over a Unix stream socket: one request object per
 * line, one reply object per line, every message carrying "v": PROTO_VERSION. A line
 * longer than PROTO_LINE_MAX, or one that is not a JSON object of a known
 * shape, gets {"v":1,"ok":false,"error":"..."}; the daemon never falls over.
 *
 * Requests:
 *   {"v":1,"cmd":"submit","yaml":"<plan text>","path":"/abs/path/plan.yaml"}
 *     -> {"v":1,"ok":true,"plan_id":7,"name":"demo","conditions":2,"runs":27}
 *   {"v":1,"cmd":"status"}
 *     -> {"v":1,"ok":true,"daemon":{"pid","version","uptime_s","socket","db"},
 *         "paused":{"reason","since","retry_in_s"} or null (the queue waits: the database
 *                  refuses writes, say),
 *         "current":{"plan_id","plan","condition","kind","run_id","seq","runs_total",
 *                    "runs_ended","stage","elapsed_s","pid", ..., "targets"} or null,
 *         "queue":{"plans_waiting","runs_left"},
 *         "last":{"run_id","plan_id","condition","state","total_s","ended_at","kind","cache",
 *                 "resident_before_pct"} or null}
 *     "current" carries "cache" and "resident_before_pct" too: the share of the footprint
 *     in the page cache right before the run (null until measured).
 *   {"v":1,"cmd":"cancel","plan_id":7}
 *     -> {"v":1,"ok":true,"plan_id":7,"cancelled_runs":12}
 *        (a plan cancelled already: "cancelled_runs":0,"already":true; a plan that ended
 *        otherwise, done or failed, is an error)
 *   {"v":1,"cmd":"watch"} or {"v":1,"cmd":"watch","plan_id":7}
 *     -> {"v":1,"ok":true}, then one event per line until the client leaves:
 *        {"v":1,"event":"run_started","plan_id","run_id","condition","kind","seq","runs_total",
 *         "runs_ended", "resident_before_pct"}
 *        {"v":1,"event":"stage","plan_id","run_id","condition","kind","seq","runs_total",
 *         "t_s","text"}
 *        {"v":1,"event":"run_finished","plan_id","run_id","condition","kind","seq","state",
 *         "total_s","exit_code","runs_total","runs_ended","error", "targets"}
 *        {"v":1,"event":"plan_finished","plan_id","state","runs_total","runs_ok","error"}
 *     Watching a plan that has already finished gets its plan_finished at once.
 *
 * "targets", in status's current and in run_finished, only for a plan with
 * precision targets (until:), is where they stand with every run recorded so
 * far (runs_total grows round by round for such a plan), one object per target:
 *   {"kind": "median" or "shift", "stage", "conditions": [name] or [a, b] (the
 *    shift is a - b), "goal" (as written: "within 2%", "narrower than 20ms"),
 *    "target" (the width to reach, s: a percentage taken of the median now),
 *    "estimate" (the median or Hodges-Lehmann shift, s), "lo", "hi" (the
 *    interval the decision rests on, at "level", s), "width" (a median's: the
 *    farther end's distance from it; a shift's: hi - lo; s), "level" (every
 *    look's confidence, chosen so all looks cover together at 95%), "n" (ok
 *    values of each condition), "runs" (measured runs of each), "max_runs",
 *    "state" ("running", "target": met, or "max_runs": the bound reached),
 *    "runs_left" (runs each condition may still need, by the 1/sqrt(n) law
 *    within max_runs; 0 once stopped)}
 * Numbers not known yet (too few runs for an interval) are null.
 */
#ifndef BENCHD_PROTO_H
#define BENCHD_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION	1
#define PROTO_LINE_MAX	(1024 * 1024)

enum proto_cmd { PROTO_SUBMIT, PROTO_STATUS, PROTO_CANCEL, PROTO_WATCH };

/* A decoded request; strings point into a json_t the decoder returns. */
struct proto_request {
	enum proto_cmd	 cmd;
	const char	*yaml;		/* submit */
	size_t		 yaml_len;
	const char	*path;		/* submit */
	int64_t		 plan_id;	/* cancel; watch (0 for every plan) */
	void		*json;		/* owns the strings: proto_request_clear() */
};

/* What the daemon does with one request: the reply, and what the client gets next. */
struct proto_answer {
	json_t		*reply;		/* always set */
	json_t		*then;		/* an event to send right after the reply, or NULL */
	int		 watch;		/* the client now watches */
	int64_t		 watch_plan;	/* that plan, or 0 for all */
};

/* The run an event is about. */
struct proto_run {
	int64_t		 plan_id;
	int64_t		 run_id;
	const char	*condition;
	const char	*kind;
	int		 seq;
	int64_t		 runs_total;
};

int	proto_decode_request(const char *line, size_t len, struct proto_request *, char **cause);
void	proto_request_clear(struct proto_request *);

/*
 * Replies and events, built whole (pure: no I/O). Text that may come from a
 * child (error, text) is made valid UTF-8 first, so building never fails on
 * it; NAN numbers and NULL strings become JSON null.
 */
json_t	*proto_reply_ok(void);
json_t	*proto_reply_error(const char *why);
json_t	*proto_event_run_started(const struct proto_run *, int64_t runs_ended,
	    double resident_before_pct);
json_t	*proto_event_stage(const struct proto_run *, double t_s, const char *text);
json_t	*proto_event_run_finished(const struct proto_run *, const char *state, double total_s,
	    int has_exit, int exit_code, int64_t runs_ended, const char *error);
json_t	*proto_event_plan_finished(int64_t plan_id, const char *state, int64_t runs_total,
	    int64_t runs_ended, int64_t runs_ok, const char *error);
/* A JSON string of text made valid UTF-8, or null for NULL; never fails. */
json_t	*proto_text(const char *text);

#endif
