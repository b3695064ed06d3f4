/* utf8.h: making bytes from a child safe to put in JSON: valid UTF-8, cut only between characters. */
#ifndef BENCHD_UTF8_H
#define BENCHD_UTF8_H

#include <stddef.h>

/*
 * A NUL-terminated copy of len bytes in which every invalid UTF-8 sequence
 * (overlong forms, surrogates, code points past U+10FFFF, stray or missing
 * continuation bytes) is replaced by U+FFFD and NUL bytes are dropped. At
 * most max bytes are kept, cut between two characters (0: no limit). The
 * caller frees it.
 */
char	*utf8_clean(const char *s, size_t len, size_t max);

#endif
