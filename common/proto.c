/* proto.c: decoding requests of the socket protocol (pure: bytes in, struct or error out). */
#include "proto.h"

#include <jansson.h>
#include <string.h>

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
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
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
		if (!json_is_string(v) || req->path == NULL || req->path[0] != '/') {
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
