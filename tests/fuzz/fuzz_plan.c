/* fuzz_plan.c: libFuzzer target for the plan parser: parse, expand and free any bytes as a plan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "plan.h"

/* The machine checks used on half the inputs; check_paths stays off (a profiles_file: is still read). */
static const struct plan_check fuzz_check = { "0-1", 0 };

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Parse the whole input as a plan, with the CPU check when its first byte is
 * even (so the plain YAML seeds need no prefix), then expand and free it all.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct plan_check	*check;
	struct plan		*plan;
	struct plan_run		*runs = NULL;
	char			*cause = NULL;
	size_t			 n, i;

	check = (size > 0 && (data[0] & 1) == 0) ? &fuzz_check : NULL;
	plan = plan_parse((const char *)data, size, "/fuzz/plan.yaml", check, &cause);
	if (plan == NULL) {
		/* A rejected plan must say why. */
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	n = plan_expand(plan, &runs);
	for (i = 0; i < n; i++) {
		if (runs[i].cond >= plan->nconds)
			abort();
	}
	free(runs);
	plan_free(plan);
	free(cause);
	return 0;
}
