/* proto.c: the socket protocol's messages: requests decoded, replies and events built (pure). */
#include "proto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

static const char *const proto_cmd_names[] = {
	[PROTO_SUBMIT] = "submit", [PROTO_STATUS] = "status",
	[PROTO_CANCEL] = "cancel", [PROTO_WATCH] = "watch",
};

/* Read an optional or required positive plan id. */
static int
proto_plan_id(json_t *o, int required, int64_t *id, char **cause)
{
	json_t *v = json_object_get(o, "plan_id");

	*id = 0;
	if (v == NULL && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		xasprintf(cause, "\"plan_id\" must be a positive integer");
		return -1;
	}
	*id = json_integer_value(v);
	return 0;
}

/*
 * Decode one request line (without its newline). Returns 0 and fills req, or
 * -1 with *cause saying what is wrong in words a person can act on.
 */
int
proto_decode_request(const char *line, size_t len, struct proto_request *req, char **cause)
{
	json_error_t jerr;
	json_t *o, *v;
	const char *cmd;
	size_t i;

	memset(req, 0, sizeof *req);
	/* NULs are let through, to be reported where they sit in the plan, not as bad JSON. */
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (o == NULL) {
		xasprintf(cause, "not JSON (%s at column %d); send one JSON object per line",
		    jerr.text, jerr.column);
		return -1;
	}
	req->json = o;
	if (!json_is_object(o)) {
		xasprintf(cause, "expected a JSON object like {\"v\":1,\"cmd\":\"status\"}");
		goto fail;
	}
	v = json_object_get(o, "v");
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		xasprintf(cause, "unsupported protocol version; send \"v\": %d", PROTO_VERSION);
		goto fail;
	}
	cmd = json_string_value(json_object_get(o, "cmd"));
	if (cmd == NULL) {
		xasprintf(cause, "missing \"cmd\"; one of submit, status, cancel, watch");
		goto fail;
	}
	for (i = 0; i < sizeof proto_cmd_names / sizeof proto_cmd_names[0]; i++) {
		if (strcmp(cmd, proto_cmd_names[i]) == 0)
			break;
	}
	if (i == sizeof proto_cmd_names / sizeof proto_cmd_names[0]) {
		xasprintf(cause, "unknown cmd \"%s\"; one of submit, status, cancel, watch", cmd);
		goto fail;
	}
	req->cmd = (enum proto_cmd)i;
	switch (req->cmd) {
	case PROTO_SUBMIT:
		v = json_object_get(o, "yaml");
		req->path = json_string_value(json_object_get(o, "path"));
		if (!json_is_string(v) || req->path == NULL || req->path[0] != '/' ||
		    strlen(req->path) != json_string_length(json_object_get(o, "path"))) {
			xasprintf(cause, "submit needs \"yaml\" (the plan's text) and \"path\" "
			    "(the plan file's absolute path)");
			goto fail;
		}
		req->yaml = json_string_value(v);
		req->yaml_len = json_string_length(v);
		break;
	case PROTO_CANCEL:
	case PROTO_WATCH:
		if (proto_plan_id(o, req->cmd == PROTO_CANCEL, &req->plan_id, cause) != 0)
			goto fail;
		break;
	case PROTO_STATUS:
		break;
	}
	return 0;

fail:
	proto_request_clear(req);
	return -1;
}

/* Release a decoded request. */
void
proto_request_clear(struct proto_request *req)
{
	json_decref(req->json);
	req->json = NULL;
}

/* Die unless jansson built the value: with proto_text() it fails only when out of memory. */
static json_t *
proto_check(json_t *v)
{
	if (v == NULL)
		fatalx("building a protocol message: out of memory");
	return v;
}

/* A number, or null when it is NaN (not known). */
static json_t *
proto_real(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

json_t *
proto_text(const char *text)
{
	char *clean;
	json_t *v;

	if (text == NULL)
		return json_null();
	clean = utf8_clean(text, strlen(text), 0);
	v = proto_check(json_string(clean));
	free(clean);
	return v;
}

/* A successful reply, to which the caller adds its fields. */
json_t *
proto_reply_ok(void)
{
	return proto_check(json_pack("{si sb}", "v", PROTO_VERSION, "ok", 1));
}

/* An error reply a person can act on. */
json_t *
proto_reply_error(const char *why)
{
	return proto_check(json_pack("{si sb so}", "v", PROTO_VERSION, "ok", 0,
	    "error", proto_text(why)));
}

/* The fields every run event starts with. */
static json_t *
proto_run_event(const char *event, const struct proto_run *r)
{
	return proto_check(json_pack("{si ss sI sI so so si sI}", "v", PROTO_VERSION,
	    "event", event, "plan_id", (json_int_t)r->plan_id, "run_id", (json_int_t)r->run_id,
	    "condition", proto_text(r->condition), "kind", proto_text(r->kind), "seq", r->seq,
	    "runs_total", (json_int_t)r->runs_total));
}

/* A run has started; resident_before_pct is NAN when not measured. */
json_t *
proto_event_run_started(const struct proto_run *r, int64_t runs_ended, double resident_before_pct)
{
	json_t *ev = proto_run_event("run_started", r);

	json_object_set_new(ev, "runs_ended", json_integer(runs_ended));
	json_object_set_new(ev, "resident_before_pct", proto_real(resident_before_pct));
	return ev;
}

/* A line the run printed, at t_s on its own clock. */
json_t *
proto_event_stage(const struct proto_run *r, double t_s, const char *text)
{
	json_t *ev = proto_run_event("stage", r);

	json_object_set_new(ev, "t_s", json_real(t_s));
	json_object_set_new(ev, "text", proto_text(text));
	return ev;
}

/* A run has ended in state; total_s is NAN and has_exit 0 when it never ran to an exit. */
json_t *
proto_event_run_finished(const struct proto_run *r, const char *state, double total_s,
    int has_exit, int exit_code, int64_t runs_ended, const char *error)
{
	json_t *ev = proto_run_event("run_finished", r);

	json_object_set_new(ev, "state", proto_text(state));
	json_object_set_new(ev, "total_s", proto_real(total_s));
	json_object_set_new(ev, "exit_code", has_exit ? json_integer(exit_code) : json_null());
	json_object_set_new(ev, "runs_ended", json_integer(runs_ended));
	json_object_set_new(ev, "error", proto_text(error));
	return ev;
}

/* A plan has ended (done, cancelled or failed). */
json_t *
proto_event_plan_finished(int64_t plan_id, const char *state, int64_t runs_total,
    int64_t runs_ended, int64_t runs_ok, const char *error)
{
	return proto_check(json_pack("{si ss sI so sI sI sI so}", "v", PROTO_VERSION,
	    "event", "plan_finished", "plan_id", (json_int_t)plan_id, "state", proto_text(state),
	    "runs_total", (json_int_t)runs_total, "runs_ended", (json_int_t)runs_ended,
	    "runs_ok", (json_int_t)runs_ok, "error", proto_text(error)));
}
