/* utf8.c: repair and cut UTF-8 text that comes from children (pure). */
#include "utf8.h"

#include <string.h>

#include "xmalloc.h"

/*
 * The UTF-8 sequence at s (at most n bytes): its length when valid (*bad 0),
 * else 0 with *bad the bytes of its maximal invalid subpart, which one
 * U+FFFD replaces (Unicode's "substitution of maximal subparts").
 */
static size_t
utf8_sequence(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	*bad = 1;
	if (c < 0x80)
		return *bad = 0, 1;
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
	for (i = 1; i < len; i++) {
		unsigned char want_lo = i == 1 ? lo : 0x80, want_hi = i == 1 ? hi : 0xbf;

		if (i >= n || s[i] < want_lo || s[i] > want_hi) {
			*bad = i;
			return 0;
		}
	}
	*bad = 0;
	return len;
}

char *
utf8_clean(const char *s, size_t len, size_t max)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 3 + 1);
	size_t i = 0, n = 0, k, bad;

	while (i < len) {
		const char *take;

		if (p[i] == '\0') {
			i++;
			continue;
		}
		if ((k = utf8_sequence(p + i, len - i, &bad)) == 0) {
			take = fffd;
			k = 3;
			i += bad;
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
