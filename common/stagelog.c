/* stagelog.c: placeholder until the streaming parser lands. */
#include "stagelog.h"
