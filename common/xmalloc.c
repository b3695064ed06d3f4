/* xmalloc.c: allocation wrappers that abort with a message instead of returning NULL. */
#include "xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Allocate size bytes (at least one) or die. */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatalx("xmalloc: out of memory allocating %zu bytes", size);
	return p;
}

/* Allocate a zeroed array or die. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatalx("xcalloc: out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

/* Resize a block or die. */
void *
xrealloc(void *ptr, size_t size)
{
	return xreallocarray(ptr, 1, size);
}

/* Resize an array, checking nmemb * size for overflow, or die. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu x %zu overflows", nmemb, size);
	if (nmemb * size == 0)
		nmemb = size = 1;
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		fatalx("xreallocarray: out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

/* Duplicate a string or die. */
char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatalx("xstrdup: out of memory");
	return p;
}

/* Duplicate at most n bytes of a string, always terminated, or die. */
char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatalx("xstrndup: out of memory");
	return p;
}

/* Append part to *text (a string or NULL), after sep when *text is not NULL; *text is replaced. */
void
xstrappend(char **text, const char *sep, const char *part)
{
	char *old = *text;

	xasprintf(text, "%s%s%s", old != NULL ? old : "", old != NULL ? sep : "", part);
	free(old);
}

/* Format into a new string or die; returns the length. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

/* Format a va_list into a new string or die; returns the length. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int n = vasprintf(ret, fmt, ap);

	if (n < 0 || *ret == NULL)
		fatalx("xvasprintf: out of memory");
	return n;
}
