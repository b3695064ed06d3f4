/* stagelog.c: a streaming parser that turns a benchmark script's stdout into stages, metrics, runtime info and events. */
#include "stagelog.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

/*
 * Caps that keep memory bounded whatever a child prints: counts per kind, and
 * the bytes of text kept (a line is at most 64 KiB, so counts alone would
 * still allow gigabytes). What goes past a cap is counted in "dropped".
 */
#define STAGELOG_EVENTS_MAX	100000
#define STAGELOG_ITEMS_MAX	10000
#define STAGELOG_EVENT_BYTES	(16 * 1024 * 1024)
#define STAGELOG_ITEM_BYTES	(4 * 1024 * 1024)

/* U+FFFD, which stands in for each invalid UTF-8 sequence. */
static const char stagelog_fffd[] = "\xef\xbf\xbd";

/* A set of the names given out so far, each with the next suffix to try. */
struct stagelog_names {
	const char	**key;		/* borrowed from the result arrays */
	unsigned	 *next;
	size_t		  cap;		/* a power of two, or 0 */
	size_t		  n;
};

struct stagelog {
	struct stagelog_result	 res;
	size_t			 stages_alloc;
	size_t			 metrics_alloc;
	size_t			 info_alloc;
	size_t			 events_alloc;
	size_t			 event_bytes;
	size_t			 item_bytes;

	struct stagelog_names	 stage_names;
	struct stagelog_names	 metric_names;

	/* The line being assembled: valid UTF-8, no NULs, no newline. */
	char			 line[STAGELOG_LINE_MAX + 1];
	size_t			 len;
	int			 cut;		/* the line went past LINE_MAX */
	int			 partial;	/* bytes seen since the last newline */
	int			 cr;		/* a '\r' held back: it may end the line */
	unsigned char		 u8[4];		/* an incomplete UTF-8 sequence */
	size_t			 u8len;
	size_t			 u8need;

	int			 skip;		/* in a line that cannot matter: find its end */
	size_t			 skip_len;	/* its bytes so far */

	int			 in_info;	/* inside "=== Runtime Info ===" */
	int			 infer_open;	/* "Starting Inference Loop" seen */
	double			 infer_start;
	const char		*current;	/* the last event's text */
	char			*current_own;	/* its copy when the event was dropped */
	int			 finished;
};

/* Whether c is ASCII white space. */
static int
stagelog_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Whether c is an ASCII digit (never locale-dependent). */
static int
stagelog_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Whether c is an ASCII letter or digit. */
static int
stagelog_alnum(int c)
{
	return stagelog_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Lower-case an ASCII letter; anything else is returned as it is. */
static int
stagelog_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Skip spaces and tabs. */
static const char *
stagelog_skip(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Read a plain decimal number (digits, then optionally '.' and digits) at *pp
 * and advance past it. No sign, exponent, hex, nan or inf: 0 on success.
 */
static int
stagelog_number(const char **pp, double *v)
{
	const char	*p = *pp;
	char		*end;
	double		 d;

	if (!stagelog_digit((unsigned char)*p))
		return -1;
	while (stagelog_digit((unsigned char)*p))
		p++;
	if (*p == '.' && stagelog_digit((unsigned char)p[1])) {
		p++;
		while (stagelog_digit((unsigned char)*p))
			p++;
	}
	/* strtod must stop where we did, or it saw an exponent or hex. */
	d = strtod(*pp, &end);
	if (end != p || !isfinite(d))
		return -1;
	*v = d;
	*pp = p;
	return 0;
}

/* Round to whole microseconds, so 5.527 - 0.197 gives 5.33, not 5.3299999. */
static double
stagelog_round_us(double v)
{
	if (fabs(v) < 1e15)
		v = round(v * 1e6) / 1e6;
	return v + 0.0;		/* no -0.0 */
}

/* The FNV-1a hash of a string. */
static uint64_t
stagelog_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding s, or the empty slot where it would go; cap must be nonzero. */
static size_t
stagelog_names_slot(const struct stagelog_names *nm, const char *s)
{
	size_t	 i = stagelog_hash(s) & (nm->cap - 1);

	while (nm->key[i] != NULL && strcmp(nm->key[i], s) != 0)
		i = (i + 1) & (nm->cap - 1);
	return i;
}

/* The next-suffix counter of a name already given out, or NULL. */
static unsigned *
stagelog_names_find(struct stagelog_names *nm, const char *s)
{
	size_t	 i;

	if (nm->cap == 0)
		return NULL;
	i = stagelog_names_slot(nm, s);
	return nm->key[i] != NULL ? &nm->next[i] : NULL;
}

/* Record a name as given out; s must outlive the set. */
static void
stagelog_names_add(struct stagelog_names *nm, const char *s)
{
	struct stagelog_names	 old = *nm;
	size_t			 i;

	if ((nm->n + 1) * 2 > nm->cap) {
		nm->cap = old.cap != 0 ? old.cap * 2 : 64;
		nm->key = xcalloc(nm->cap, sizeof *nm->key);
		nm->next = xcalloc(nm->cap, sizeof *nm->next);
		for (size_t j = 0; j < old.cap; j++) {
			if (old.key[j] == NULL)
				continue;
			i = stagelog_names_slot(nm, old.key[j]);
			nm->key[i] = old.key[j];
			nm->next[i] = old.next[j];
		}
		free(old.key);
		free(old.next);
	}
	i = stagelog_names_slot(nm, s);
	nm->key[i] = s;
	nm->next[i] = 2;
	nm->n++;
}

/* Free a name set (not the names, which belong to the result). */
static void
stagelog_names_free(struct stagelog_names *nm)
{
	free(nm->key);
	free(nm->next);
}

/*
 * Make base unique in the set: "warmup", then "warmup_2", "warmup_3". Takes
 * base and returns a string the caller owns (base itself when it was free).
 */
static char *
stagelog_unique(struct stagelog_names *nm, char *base)
{
	unsigned	*next;
	char		*name;

	if ((next = stagelog_names_find(nm, base)) == NULL)
		return base;
	for (;;) {
		xasprintf(&name, "%s_%u", base, (*next)++);
		if (stagelog_names_find(nm, name) == NULL)
			break;
		free(name);
	}
	free(base);
	return name;
}

/* Make room for one more element in a growing array. */
static void *
stagelog_grow(void *array, size_t *alloc, size_t n, size_t size)
{
	if (n < *alloc)
		return array;
	*alloc = *alloc != 0 ? *alloc * 2 : 16;
	return xreallocarray(array, *alloc, size);
}

/* Whether an item of len bytes still fits under the item caps. */
static int
stagelog_item_fits(struct stagelog *sl, size_t n, size_t len)
{
	if (n >= STAGELOG_ITEMS_MAX || sl->item_bytes + len > STAGELOG_ITEM_BYTES) {
		sl->res.dropped++;
		return 0;
	}
	sl->item_bytes += len;
	return 1;
}

/* Add a stage under a unique name; takes base. */
static void
stagelog_add_stage(struct stagelog *sl, char *base, double start, double end,
    double duration)
{
	struct stagelog_result	*r = &sl->res;
	struct stagelog_stage	*st;

	if (!stagelog_item_fits(sl, r->nstages, strlen(base) + 8)) {
		free(base);
		return;
	}
	r->stages = stagelog_grow(r->stages, &sl->stages_alloc, r->nstages,
	    sizeof *r->stages);
	st = &r->stages[r->nstages++];
	st->name = stagelog_unique(&sl->stage_names, base);
	st->start_s = start;
	st->end_s = end;
	st->duration_s = duration;
	stagelog_names_add(&sl->stage_names, st->name);
}

/* Add a metric under a unique name; takes base. */
static void
stagelog_add_metric(struct stagelog *sl, char *base, double value,
    const char *unit)
{
	struct stagelog_result	*r = &sl->res;
	struct stagelog_metric	*m;

	if (!stagelog_item_fits(sl, r->nmetrics, strlen(base) + 8)) {
		free(base);
		return;
	}
	r->metrics = stagelog_grow(r->metrics, &sl->metrics_alloc, r->nmetrics,
	    sizeof *r->metrics);
	m = &r->metrics[r->nmetrics++];
	m->name = stagelog_unique(&sl->metric_names, base);
	m->value = value;
	m->unit = xstrdup(unit);
	stagelog_names_add(&sl->metric_names, m->name);
}

/* Add a runtime-info entry. */
static void
stagelog_add_info(struct stagelog *sl, const char *key, size_t keylen,
    const char *value, size_t valuelen)
{
	struct stagelog_result	*r = &sl->res;
	struct stagelog_info	*in;

	if (!stagelog_item_fits(sl, r->ninfo, keylen + valuelen))
		return;
	r->info = stagelog_grow(r->info, &sl->info_alloc, r->ninfo,
	    sizeof *r->info);
	in = &r->info[r->ninfo++];
	in->key = xstrndup(key, keylen);
	in->value = xstrndup(value, valuelen);
}

/* Add an event, or count it as dropped; either way it becomes the current one. */
static void
stagelog_add_event(struct stagelog *sl, double t, const char *text, size_t len)
{
	struct stagelog_result	*r = &sl->res;
	struct stagelog_event	*ev;

	free(sl->current_own);
	sl->current_own = NULL;
	if (r->nevents >= STAGELOG_EVENTS_MAX ||
	    sl->event_bytes + len > STAGELOG_EVENT_BYTES) {
		r->dropped++;
		sl->current = sl->current_own = xstrndup(text, len);
		return;
	}
	sl->event_bytes += len;
	r->events = stagelog_grow(r->events, &sl->events_alloc, r->nevents,
	    sizeof *r->events);
	ev = &r->events[r->nevents++];
	ev->t_s = t;
	ev->text = xstrndup(text, len);
	sl->current = ev->text;
}

/*
 * Turn a label into a stage name: lower case, each run of other characters
 * one "_", none at either end, a trailing word "done" dropped ("Import Torch
 * Done" is "import_torch"); "stage" when nothing is left.
 */
static char *
stagelog_stage_name(const char *label, size_t len)
{
	char	*name = xmalloc(len + sizeof "stage");
	size_t	 n = 0;
	int	 gap = 0;

	for (size_t i = 0; i < len; i++) {
		if (!stagelog_alnum((unsigned char)label[i])) {
			gap = 1;
			continue;
		}
		if (gap && n != 0)
			name[n++] = '_';
		gap = 0;
		name[n++] = stagelog_lower((unsigned char)label[i]);
	}
	name[n] = '\0';
	if (n >= 5 && strcmp(name + n - 5, "_done") == 0)
		name[n -= 5] = '\0';
	else if (strcmp(name, "done") == 0)
		name[n = 0] = '\0';
	if (n == 0)
		strcpy(name, "stage");
	return name;
}

/* The last match of needle in s, ignoring case, or NULL. */
static const char *
stagelog_rcasestr(const char *s, const char *needle)
{
	const char	*found = NULL, *p;

	while ((p = strcasestr(s, needle)) != NULL) {
		found = p;
		s = p + 1;
	}
	return found;
}

/* "LABEL, Time Spent: 5.295s" closes a stage that ends at t: 1 if it was one. */
static int
stagelog_time_spent(struct stagelog *sl, double t, const char *text)
{
	const char	*at, *p;
	double		 d;

	if ((at = stagelog_rcasestr(text, "time spent:")) == NULL)
		return 0;
	p = stagelog_skip(at + strlen("time spent:"));
	if (stagelog_number(&p, &d) != 0)
		return 0;
	p = stagelog_skip(p);
	if (*p != 's' || p[1] != '\0')
		return 0;
	stagelog_add_stage(sl, stagelog_stage_name(text, at - text),
	    stagelog_round_us(t - d), t, d);
	return 1;
}

/* "Starting Inference Loop (100 iters)...": the inference stage starts at t. */
static void
stagelog_infer_start(struct stagelog *sl, double t, const char *text)
{
	const char	*p;
	double		 iters;

	sl->infer_open = 1;
	sl->infer_start = t;
	if ((p = strchr(text, '(')) == NULL)
		return;
	p = stagelog_skip(p + 1);
	if (stagelog_number(&p, &iters) != 0)
		return;
	p = stagelog_skip(p);
	if (strncasecmp(p, "iter", 4) == 0)
		stagelog_add_metric(sl, xstrdup("iters"), iters, "count");
}

/*
 * "Inference Done. Avg Latency: 36.58 ms" ends the inference stage at t; stage
 * is 0 when the line was a "Time Spent" one, which made the stage already.
 */
static void
stagelog_infer_done(struct stagelog *sl, double t, const char *text, int stage)
{
	const char	*p;
	double		 ms;

	if (stage && sl->infer_open) {
		stagelog_add_stage(sl, xstrdup("inference"), sl->infer_start, t,
		    stagelog_round_us(t - sl->infer_start));
	}
	sl->infer_open = 0;
	if ((p = strcasestr(text, "avg latency:")) == NULL)
		return;
	p = stagelog_skip(p + strlen("avg latency:"));
	if (stagelog_number(&p, &ms) != 0)
		return;
	p = stagelog_skip(p);
	if (strncasecmp(p, "ms", 2) == 0 && !stagelog_alnum((unsigned char)p[2]))
		stagelog_add_metric(sl, xstrdup("avg_latency_ms"), ms, "ms");
}

/* "Latency (ms): p50=36.10 p90=38.20 ...": each k=v is metric k_latency_ms. */
static void
stagelog_latencies(struct stagelog *sl, const char *p)
{
	const char	*key, *q;
	char		*name;
	size_t		 keylen;
	double		 v;

	for (;;) {
		while (stagelog_space((unsigned char)*p) || *p == ',' || *p == ';')
			p++;
		if (*p == '\0')
			return;
		key = p;
		while (stagelog_alnum((unsigned char)*p) || *p == '_')
			p++;
		keylen = p - key;
		q = p + 1;
		if (keylen != 0 && *p == '=' && stagelog_number(&q, &v) == 0 &&
		    (*q == '\0' || stagelog_space((unsigned char)*q) ||
		    *q == ',' || *q == ';')) {
			xasprintf(&name, "%.*s_latency_ms", (int)keylen, key);
			for (size_t i = 0; i < keylen; i++)
				name[i] = stagelog_lower((unsigned char)name[i]);
			stagelog_add_metric(sl, name, v, "ms");
			p = q;
			continue;
		}
		/* Not a k=v pair: skip the word. */
		while (*p != '\0' && !stagelog_space((unsigned char)*p))
			p++;
	}
}

/* Look at an event's text for stages and metrics. */
static void
stagelog_event_text(struct stagelog *sl, double t, const char *text)
{
	const char	*p;
	int		 spent;

	spent = stagelog_time_spent(sl, t, text);
	if (strncasecmp(text, "starting inference", 18) == 0)
		stagelog_infer_start(sl, t, text);
	else if (strncasecmp(text, "inference done", 14) == 0)
		stagelog_infer_done(sl, t, text, !spent);
	else if (strncasecmp(text, "latency", 7) == 0) {
		p = stagelog_skip(text + 7);
		if (strncasecmp(p, "(ms)", 4) == 0) {
			p = stagelog_skip(p + 4);
			if (*p == ':')
				stagelog_latencies(sl, p + 1);
		}
	}
}

/* Parse "[5.295s] text" or "[5.295 s] text": 0 and the time and text if it is one. */
static int
stagelog_event(const char *line, double *t, const char **text)
{
	const char	*p = stagelog_skip(line);

	if (*p++ != '[')
		return -1;
	p = stagelog_skip(p);
	if (stagelog_number(&p, t) != 0)
		return -1;
	p = stagelog_skip(p);
	if (*p++ != 's')
		return -1;
	p = stagelog_skip(p);
	if (*p++ != ']')
		return -1;
	*text = stagelog_skip(p);
	return 0;
}

/* Whether a trimmed line is a rule of three or more "=". */
static int
stagelog_rule(const char *line, size_t len)
{
	if (len < 3)
		return 0;
	return strspn(line, "=") == len;
}

/* Whether a trimmed line is "=== Runtime Info ===" (any case, any spacing). */
static int
stagelog_info_header(const char *line, size_t len)
{
	const char	*p, *q;
	size_t		 lead, trail = 0;

	if ((lead = strspn(line, "=")) < 3 || lead == len)
		return 0;
	while (line[len - 1 - trail] == '=')
		trail++;
	if (trail < 3)
		return 0;
	p = stagelog_skip(line + lead);
	q = line + len - trail;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	return q - p == 12 && strncasecmp(p, "runtime info", 12) == 0;
}

/*
 * One line of the runtime-info block: the key is what comes before the first
 * ": " (or a colon ending the line), else the first word; the value is the rest.
 */
static void
stagelog_info_line(struct stagelog *sl, const char *line, size_t len)
{
	const char	*colon, *value, *end = line + len;
	size_t		 keylen;

	colon = strstr(line, ": ");
	if (colon == NULL && line[len - 1] == ':' && len > 1)
		colon = line + len - 1;
	if (colon != NULL && colon != line) {
		keylen = colon - line;
		value = colon + 1;
	} else {
		keylen = strcspn(line, " \t");
		value = line + keylen;
	}
	while (keylen > 0 && stagelog_space((unsigned char)line[keylen - 1]))
		keylen--;
	value = stagelog_skip(value);
	stagelog_add_info(sl, line, keylen, value, end - value);
}

/* "start time: 1766135238.953": 0 and the time if the line is one. */
static int
stagelog_start_time(const char *line, double *v)
{
	const char	*p = line;

	if (strncasecmp(p, "start time:", 11) != 0)
		return -1;
	p = stagelog_skip(p + 11);
	if (stagelog_number(&p, v) != 0)
		return -1;
	return *p == '\0' ? 0 : -1;
}

/* Parse one complete line; it is ours to modify. */
static void
stagelog_parse(struct stagelog *sl, char *line, size_t len)
{
	const char	*text;
	double		 t;
	int		 event;

	while (len > 0 && stagelog_space((unsigned char)line[len - 1]))
		line[--len] = '\0';
	while (len > 0 && stagelog_space((unsigned char)*line)) {
		line++;
		len--;
	}
	event = stagelog_event(line, &t, &text) == 0;

	if (sl->in_info && !event) {
		if (stagelog_rule(line, len))
			sl->in_info = 0;
		else if (len != 0 && !stagelog_info_header(line, len))
			stagelog_info_line(sl, line, len);
		return;
	}
	sl->in_info = 0;	/* an event line ends an unterminated block */

	if (event) {
		stagelog_add_event(sl, t, text, line + len - text);
		stagelog_event_text(sl, t, text);
	} else if (stagelog_info_header(line, len))
		sl->in_info = 1;
	else if (!sl->res.has_start_time && stagelog_start_time(line, &t) == 0) {
		sl->res.has_start_time = 1;
		sl->res.start_time = t;
	}
}

/* Append n bytes to the line; a run of ASCII may be cut, a character may not. */
static void
stagelog_put(struct stagelog *sl, const void *p, size_t n, int splittable)
{
	size_t	 room = STAGELOG_LINE_MAX - sl->len;

	if (sl->cut)
		return;
	if (n > room) {
		sl->cut = 1;
		if (!splittable)
			return;
		n = room;
	}
	memcpy(sl->line + sl->len, p, n);
	sl->len += n;
}

/* An incomplete UTF-8 sequence is invalid: put U+FFFD in its place. */
static void
stagelog_u8_flush(struct stagelog *sl)
{
	if (sl->u8need == 0)
		return;
	stagelog_put(sl, stagelog_fffd, 3, 0);
	sl->u8need = sl->u8len = 0;
}

/* Whether c may follow the UTF-8 bytes held so far (no overlongs, surrogates, > U+10FFFF). */
static int
stagelog_u8_continues(const struct stagelog *sl, unsigned char c)
{
	if (c < 0x80 || c > 0xbf)
		return 0;
	if (sl->u8len != 1)
		return 1;
	switch (sl->u8[0]) {
	case 0xe0:
		return c >= 0xa0;
	case 0xed:
		return c <= 0x9f;
	case 0xf0:
		return c >= 0x90;
	case 0xf4:
		return c <= 0x8f;
	}
	return 1;
}

/* A complete line is in the buffer: count it, parse it, start the next. */
static void
stagelog_line(struct stagelog *sl)
{
	sl->res.lines++;
	if (sl->cut)
		sl->res.long_lines++;
	sl->line[sl->len] = '\0';
	stagelog_parse(sl, sl->line, sl->len);
	sl->len = 0;
	sl->cut = 0;
	sl->partial = 0;
}

/* Whether any byte of w is zero (the classic word-at-a-time test). */
#define STAGELOG_HASZERO(w)	(((w) - 0x0101010101010101ULL) & ~(w) & 0x8080808080808080ULL)

/*
 * The end of the run of plain ASCII starting at p: bytes that need nothing
 * but copying (not NUL, CR, LF, nor the start of UTF-8). Eight bytes at a
 * time while it can: this scan is most of what a flood of output costs.
 */
static const unsigned char *
stagelog_ascii_run(const unsigned char *p, const unsigned char *end)
{
	uint64_t w;

	while (end - p >= 8) {
		memcpy(&w, p, sizeof w);
		if ((w & 0x8080808080808080ULL) != 0 || STAGELOG_HASZERO(w) ||
		    STAGELOG_HASZERO(w ^ 0x0a0a0a0a0a0a0a0aULL) ||
		    STAGELOG_HASZERO(w ^ 0x0d0d0d0d0d0d0d0dULL))
			break;
		p += 8;
	}
	while (p < end && *p > 0 && *p < 0x80 && *p != '\n' && *p != '\r')
		p++;
	return p;
}

/*
 * Whether a line starting with byte c can be skipped unread: it cannot be an
 * event ("["), the runtime info header ("="), "start time:" or anything
 * inside the info block, whatever follows. Only counting it is left.
 */
static int
stagelog_skippable(const struct stagelog *sl, unsigned char c)
{
	return !sl->in_info && sl->len == 0 && !sl->partial && sl->u8need == 0 && !sl->cr &&
	    c > ' ' && c < 0x7f && c != '[' && c != '=' && c != 's' && c != 'S';
}

/* A skipped line ended: count it as stagelog_line() would. */
static void
stagelog_skipped(struct stagelog *sl)
{
	sl->res.lines++;
	if (sl->skip_len > STAGELOG_LINE_MAX)
		sl->res.long_lines++;
	sl->skip = 0;
	sl->skip_len = 0;
	sl->partial = 0;
}

/* Take one byte: end a line, hold a '\r', drop a NUL, or decode UTF-8. */
static void
stagelog_byte(struct stagelog *sl, unsigned char c)
{
	sl->partial = 1;
	if (c == '\n') {
		stagelog_u8_flush(sl);
		sl->cr = 0;
		stagelog_line(sl);
		return;
	}
	if (sl->cr) {
		sl->cr = 0;
		stagelog_put(sl, "\r", 1, 0);
	}
	if (sl->u8need != 0) {
		if (stagelog_u8_continues(sl, c)) {
			sl->u8[sl->u8len++] = c;
			if (sl->u8len == sl->u8need) {
				stagelog_put(sl, sl->u8, sl->u8len, 0);
				sl->u8need = sl->u8len = 0;
			}
			return;
		}
		stagelog_u8_flush(sl);
	}
	if (c == '\r')
		sl->cr = 1;
	else if (c == '\0')
		;	/* dropped */
	else if (c < 0x80)
		stagelog_put(sl, &c, 1, 0);
	else if (c >= 0xc2 && c <= 0xf4) {
		sl->u8[0] = c;
		sl->u8len = 1;
		sl->u8need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	} else
		stagelog_put(sl, stagelog_fffd, 3, 0);
}

/*
 * Create an empty parser. benchd records stages "launch" and "total" of its
 * own next to the parsed ones, under a unique (run, name) key, so a script's
 * stage of either name is taken as a repeat: "launch_2", "total_2".
 */
struct stagelog *
stagelog_create(void)
{
	struct stagelog	*sl = xcalloc(1, sizeof *sl);

	stagelog_names_add(&sl->stage_names, "launch");
	stagelog_names_add(&sl->stage_names, "total");
	return sl;
}

/* Free a parser and everything in its result. */
void
stagelog_free(struct stagelog *sl)
{
	struct stagelog_result	*r;

	if (sl == NULL)
		return;
	r = &sl->res;
	for (size_t i = 0; i < r->nstages; i++)
		free(r->stages[i].name);
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
	}
	for (size_t i = 0; i < r->ninfo; i++) {
		free(r->info[i].key);
		free(r->info[i].value);
	}
	for (size_t i = 0; i < r->nevents; i++)
		free(r->events[i].text);
	free(r->stages);
	free(r->metrics);
	free(r->info);
	free(r->events);
	stagelog_names_free(&sl->stage_names);
	stagelog_names_free(&sl->metric_names);
	free(sl->current_own);
	free(sl);
}

/* Feed a chunk of output, split anywhere; ignored after stagelog_finish(). */
void
stagelog_feed(struct stagelog *sl, const char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)buf, *q, *end;

	if (sl->finished || len == 0)
		return;
	end = p + len;
	while (p < end) {
		/* Most lines of a flood of output cannot matter: find their end and count them. */
		if (sl->skip || stagelog_skippable(sl, *p)) {
			sl->skip = sl->partial = 1;
			if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL) {
				sl->skip_len += (size_t)(end - p);
				return;
			}
			sl->skip_len += (size_t)(q - p);
			stagelog_skipped(sl);
			p = q + 1;
			continue;
		}
		/* Copy a run of plain ASCII at once; it needs no decoding. */
		if (sl->u8need == 0 && !sl->cr) {
			q = stagelog_ascii_run(p, end);
			if (q != p) {
				sl->partial = 1;
				stagelog_put(sl, p, q - p, 1);
				p = q;
				continue;
			}
		}
		stagelog_byte(sl, *p++);
	}
}

/* End of output: parse a last line that had no newline; later feeds are ignored. */
void
stagelog_finish(struct stagelog *sl)
{
	if (sl->finished)
		return;
	stagelog_u8_flush(sl);
	sl->cr = 0;		/* a trailing '\r' goes, as before a newline */
	if (sl->skip)
		stagelog_skipped(sl);
	else if (sl->partial)
		stagelog_line(sl);
	sl->finished = 1;
}

/* What has been parsed so far. */
const struct stagelog_result *
stagelog_result(const struct stagelog *sl)
{
	return &sl->res;
}

/* The text of the last event, or NULL before the first. */
const char *
stagelog_current(const struct stagelog *sl)
{
	return sl->current;
}
