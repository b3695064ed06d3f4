/* fuzz_request.c: libFuzzer target for the socket protocol's request decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Decode the input as one request line and release it; a decoded request's
 * strings are read in full so ASan sees any that point at freed memory.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request	 req;
	char			*cause = NULL;
	volatile size_t		 sink = 0;

	if (proto_decode_request((const char *)data, size, &req, &cause) != 0) {
		if (cause == NULL || req.json != NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL)
		abort();
	switch (req.cmd) {
	case PROTO_SUBMIT:
		if (req.yaml == NULL || req.path == NULL || req.path[0] != '/')
			abort();
		if (req.yaml_len > 0)
			sink += (unsigned char)req.yaml[req.yaml_len - 1];
		sink += strlen(req.path);
		break;
	case PROTO_CANCEL:
		if (req.plan_id <= 0)
			abort();
		break;
	case PROTO_WATCH:
		if (req.plan_id < 0)
			abort();
		break;
	case PROTO_STATUS:
		break;
	default:
		abort();
	}
	proto_request_clear(&req);
	(void)sink;
	return 0;
}
