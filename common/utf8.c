/* utf8.c: repair and cut UTF-8 text that comes from children (pure). */
#include "utf8.h"

#include <string.h>

#include "xmalloc.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not one. */
static size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlongs */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return len;
}

char *
utf8_clean(const char *s, size_t len, size_t max)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 3 + 1);
	size_t i = 0, n = 0, k;

	while (i < len) {
		const char *take;

		if (p[i] == '\0') {
			i++;
			continue;
		}
		if ((k = utf8_sequence(p + i, len - i)) == 0) {
			take = fffd;
			k = 3;
			i++;
		} else {
			take = s + i;
			i += k;
		}
		if (max != 0 && n + k > max)
			break;
		memcpy(out + n, take, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}
