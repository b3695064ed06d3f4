/* xmalloc.h: allocation that never fails silently; every helper dies on out-of-memory. */
#ifndef BENCHD_XMALLOC_H
#define BENCHD_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **ret, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int xvasprintf(char **ret, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void xstrappend(char **text, const char *sep, const char *part);

#endif
