/* plan.c: placeholder until the plan parser lands. */
#include "plan.h"
