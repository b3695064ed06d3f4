/* plan.c: parse a YAML experiment plan into a checked struct plan, and expand it into its ordered runs. */
#include "plan.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "log.h"
#include "plan_node.h"
#include "profile.h"
#include "xmalloc.h"

#define PLAN_DEPTH_MAX		16	/* nested lists and mappings */
#define PLAN_ERRORS_MAX		20	/* error lines in a cause */
#define PLAN_NAME_MAX		64
#define PLAN_CPU_MAX		4096	/* CPUs a list may name: 0 to 4095 */
#define PLAN_TIMEOUT_MAX	604800.0	/* a week, in seconds */
#define PLAN_CONDS_MAX		100
#define PLAN_ARGS_MAX		1000
#define PLAN_ENV_MAX		256

#define PLAN_EXAMPLE_CONDS	"[{name: cold, cache: cold, runs: 10}]"
#define PLAN_EXAMPLE_CPUS	"use taskset's syntax, like \"0,1\", \"0-3\" or \"0-3,6\""

/* Every key a plan knows, at either level. */
enum plan_key {
	KEY_VERSION,
	KEY_NAME,
	KEY_PYTHON,
	KEY_SCRIPT,
	KEY_ARGS,
	KEY_WORKDIR,
	KEY_CPUS,
	KEY_ENV,
	KEY_TIMEOUT,
	KEY_ORDER,
	KEY_EVICT,
	KEY_CONDITIONS,
	KEY_CACHE,
	KEY_COLD_METHOD,
	KEY_RUNS,
	KEY_WARMUP_RUNS,
	KEY_THEN,
	KEY_IMPORTTIME_RUNS,
	KEY_UNTIL,		/* precision targets: plan_until.c */
	KEY_PROFILE,
	KEY_PROFILES,
	KEY_PROFILES_FILE,
	KEY_COUNT
};

static const char *plan_key_names[KEY_COUNT] = {
	"version", "name", "python", "script", "args", "workdir", "cpus", "env",
	"timeout", "order", "evict", "conditions", "cache", "cold_method",
	"runs", "warmup_runs", "then", "importtime_runs", "until", "profile",
	"profiles", "profiles_file"
};

static const enum plan_key plan_top_keys[] = {
	KEY_VERSION, KEY_NAME, KEY_PYTHON, KEY_SCRIPT, KEY_ARGS, KEY_WORKDIR,
	KEY_CPUS, KEY_ENV, KEY_TIMEOUT, KEY_ORDER, KEY_EVICT, KEY_CONDITIONS,
	KEY_IMPORTTIME_RUNS, KEY_UNTIL, KEY_PROFILE, KEY_PROFILES, KEY_PROFILES_FILE
};
#define PLAN_NTOP_KEYS	(sizeof plan_top_keys / sizeof plan_top_keys[0])

static const enum plan_key plan_cond_keys[] = {
	KEY_NAME, KEY_CACHE, KEY_COLD_METHOD, KEY_RUNS, KEY_WARMUP_RUNS,
	KEY_PYTHON, KEY_SCRIPT, KEY_ARGS, KEY_WORKDIR, KEY_CPUS, KEY_ENV,
	KEY_TIMEOUT, KEY_THEN, KEY_IMPORTTIME_RUNS, KEY_UNTIL, KEY_PROFILE
};
#define PLAN_NCOND_KEYS	(sizeof plan_cond_keys / sizeof plan_cond_keys[0])

/* A keyword and the enum value it stands for. */
struct plan_word {
	const char	*name;
	int		 value;
};

static const struct plan_word plan_cache_words[] = {
	{ "cold", PLAN_CACHE_COLD }, { "warm", PLAN_CACHE_WARM },
	{ "none", PLAN_CACHE_NONE }, { NULL, 0 }
};
static const struct plan_word plan_cold_words[] = {
	{ "targeted", PLAN_COLD_TARGETED }, { "system", PLAN_COLD_SYSTEM },
	{ NULL, 0 }
};
static const struct plan_word plan_order_words[] = {
	{ "interleaved", PLAN_ORDER_INTERLEAVED },
	{ "blocked", PLAN_ORDER_BLOCKED }, { NULL, 0 }
};

/* One error, kept until the cause is written. */
struct plan_error {
	char	*path;		/* another file's (a profiles file), NULL for the plan's */
	size_t	 line;		/* 0 when the error has no position */
	size_t	 col;
	size_t	 seq;		/* keeps errors at one position in order */
	char	*msg;
};

/* A profile a plan may name: from its profiles:, or from its profiles_file. */
struct plan_named {
	struct profile		*profile;	/* its name and source (file) inside */
	size_t			 line;		/* where it is defined in its source */
	int			 from_file;
};

/* The state of one plan_parse call (or of reading one profiles file). */
struct plan_parse {
	const char		*path;
	const char		*what;		/* "a plan" or "a profiles file", for messages */
	char			*dir;		/* plan's folder, NULL for "." */
	int			 check_paths;
	unsigned char		*online;	/* NULL when not checked */
	char			*online_text;
	struct plan_named	*named;		/* the profiles conditions may name */
	size_t			 nnamed;
	int			 named_broken;	/* some failed to read: a name not found may be one */

	/* The PLAN_ERRORS_MAX first errors by position, and how many in all. */
	struct plan_error	 errs[PLAN_ERRORS_MAX];
	size_t			 nkept;
	size_t			 nerrs;
	size_t			 seq;
};

/* The keys of one mapping, plan or condition, and the settings a condition may override. */
struct plan_settings {
	const struct node	*map;
	struct node		*key[KEY_COUNT];	/* NULL when absent */
	struct node		*val[KEY_COUNT];	/* NULL when absent or invalid */
	int			 typo[KEY_COUNT];	/* suggested for an unknown key */
	double			 timeout;
	int			 importtime_runs;
};

/* Whether error a sorts before b: the plan's own first, then by file, position and order found. */
static int
plan_error_before(const struct plan_error *a, const struct plan_error *b)
{
	int	c;

	if ((a->path == NULL) != (b->path == NULL))
		return a->path == NULL;
	if (a->path != NULL && (c = strcmp(a->path, b->path)) != 0)
		return c < 0;
	if (a->line != b->line)
		return a->line < b->line;
	if (a->col != b->col)
		return a->col < b->col;
	return a->seq < b->seq;
}

/*
 * Keep an error (taking msg, and copying path) unless it repeats one, keeping
 * only the PLAN_ERRORS_MAX first by place.
 */
static void
plan_error_keep(struct plan_parse *pp, const char *path, size_t line, size_t col,
    char *msg)
{
	struct plan_error	*e, *last, new;
	size_t			 i;

	for (i = 0; i < pp->nkept; i++) {
		e = &pp->errs[i];
		if (e->line == line && e->col == col && strcmp(e->msg, msg) == 0 &&
		    (e->path == NULL) == (path == NULL) &&
		    (path == NULL || strcmp(e->path, path) == 0)) {
			free(msg);
			return;
		}
	}
	pp->nerrs++;
	new = (struct plan_error){ path != NULL ? xstrdup(path) : NULL, line, col,
	    pp->seq++, msg };
	if (pp->nkept < PLAN_ERRORS_MAX) {
		pp->errs[pp->nkept++] = new;
		return;
	}

	/* Full: replace the last error by place if this one comes before it. */
	last = &pp->errs[0];
	for (i = 1; i < pp->nkept; i++) {
		if (plan_error_before(last, &pp->errs[i]))
			last = &pp->errs[i];
	}
	if (plan_error_before(&new, last)) {
		free(last->msg);
		free(last->path);
		*last = new;
	} else {
		free(new.msg);
		free(new.path);
	}
}

/* Record an error at a position, keeping only the first PLAN_ERRORS_MAX. */
static void __attribute__((format(printf, 4, 0)))
plan_verror(struct plan_parse *pp, size_t line, size_t col, const char *fmt,
    va_list ap)
{
	char	*msg;

	xvasprintf(&msg, fmt, ap);
	plan_error_keep(pp, NULL, line, col, msg);
}

/* Record an error at a position. */
static void __attribute__((format(printf, 4, 5)))
plan_error_at(struct plan_parse *pp, size_t line, size_t col,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	plan_verror(pp, line, col, fmt, ap);
	va_end(ap);
}

/* Record an error at the start of a node. */
static void __attribute__((format(printf, 3, 4)))
plan_error(struct plan_parse *pp, const struct node *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	plan_verror(pp, n->line, n->col, fmt, ap);
	va_end(ap);
}

/* Forget every error so far: a YAML syntax error is reported alone. */
static void
plan_errors_clear(struct plan_parse *pp)
{
	size_t	i;

	for (i = 0; i < pp->nkept; i++) {
		free(pp->errs[i].msg);
		free(pp->errs[i].path);
	}
	pp->nkept = pp->nerrs = 0;
}

/* Order errors: the plan's own first, then by file, position and the order they were found. */
static int
plan_error_cmp(const void *a, const void *b)
{
	if (plan_error_before(a, b))
		return -1;
	return plan_error_before(b, a) ? 1 : 0;
}

/* Join the errors into the cause: "PATH:LINE:COL: message" lines, sorted. */
static char *
plan_errors_cause(struct plan_parse *pp)
{
	struct plan_error	*e;
	char			*cause = NULL, *line, *next;
	size_t			 i;

	qsort(pp->errs, pp->nkept, sizeof pp->errs[0], plan_error_cmp);
	for (i = 0; i < pp->nkept; i++) {
		e = &pp->errs[i];
		if (e->line == 0)
			xasprintf(&line, "%s: %s", e->path != NULL ? e->path :
			    pp->path, e->msg);
		else
			xasprintf(&line, "%s:%zu:%zu: %s", e->path != NULL ?
			    e->path : pp->path, e->line, e->col, e->msg);
		if (cause == NULL)
			cause = line;
		else {
			xasprintf(&next, "%s\n%s", cause, line);
			free(cause);
			free(line);
			cause = next;
		}
	}
	if (pp->nerrs > PLAN_ERRORS_MAX) {
		xasprintf(&next, "%s\n%s: too many errors, stopped after %d",
		    cause, pp->path, PLAN_ERRORS_MAX);
		free(cause);
		cause = next;
	}
	return cause;
}

/*
 * Quote up to max bytes of s for a message, escaping what is not printable.
 * buf needs max * 4 + 8 bytes.
 */
static char *
plan_quote_max(const char *s, size_t len, size_t max, char *buf, size_t size)
{
	size_t		 i, n, o = 0;
	unsigned char	 c;
	int		 more = 0;

	n = len;
	if (n > max) {
		/* Cut at a character boundary, not inside a UTF-8 sequence. */
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		more = 1;
	}
	buf[o++] = '"';
	for (i = 0; i < n && o + 8 < size; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (more) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Quote up to PLAN_QUOTE_MAX bytes of s for a message. */
static char *
plan_quote(const char *s, size_t len, char *buf, size_t size)
{
	return plan_quote_max(s, len, PLAN_QUOTE_MAX, buf, size);
}

/* Describe what a node holds, for the "(got ...)" part of a message. */
static const char *
plan_desc(const struct node *n, char *buf, size_t size)
{
	switch (n->type) {
	case NODE_LIST:
		return n->nkids == 0 ? "an empty list" : "a list";
	case NODE_MAP:
		return n->nkids == 0 ? "an empty mapping" : "a mapping";
	case NODE_BAD:
		return "an alias";
	case NODE_SCALAR:
		break;
	}
	if (n->empty)
		return "nothing";
	return plan_quote(n->value, n->len, buf, size);
}

/* Create a node at a libyaml mark (0-based). */
static struct node *
node_create(enum node_type type, const yaml_mark_t *mark)
{
	struct node	*n;

	n = xcalloc(1, sizeof *n);
	n->type = type;
	n->line = mark->line + 1;
	n->col = mark->column + 1;
	return n;
}

/* Free a node and everything under it; depth is bounded by PLAN_DEPTH_MAX. */
static void
node_free(struct node *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

/* Append a child to a list or mapping. */
static void
node_add(struct node *parent, struct node *kid)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap == 0 ? 8 : parent->cap * 2;
		parent->kids = xreallocarray(parent->kids, parent->cap,
		    sizeof *parent->kids);
	}
	parent->kids[parent->nkids++] = kid;
}

/* Refuse an anchor on a node: aliases are not supported, so neither are anchors. */
static void
plan_anchor(struct plan_parse *pp, const yaml_char_t *anchor,
    const yaml_mark_t *mark)
{
	char	buf[PLAN_DESC_SIZE], *s;

	if (anchor == NULL)
		return;
	xasprintf(&s, "&%s", (const char *)anchor);
	plan_error_at(pp, mark->line + 1, mark->column + 1,
	    "anchors and aliases are not supported (got %s); write each value "
	    "out in full", plan_quote(s, strlen(s), buf, sizeof buf));
	free(s);
}

/* Report libyaml's error, alone: invalid text or invalid YAML. */
static void
plan_yaml_error(struct plan_parse *pp, const yaml_parser_t *parser,
    const char *text, size_t len)
{
	size_t	i, off, line = 1, col = 1;

	plan_errors_clear(pp);
	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		plan_error_at(pp, 0, 0, "out of memory reading the plan; "
		    "make it smaller");
		break;
	case YAML_READER_ERROR:
		/* libyaml gives only a byte offset here: count lines ourselves. */
		off = parser->problem_offset < len ? parser->problem_offset : len;
		for (i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xc0) != 0x80)
				col++;
		}
		if (parser->problem_value != -1)
			plan_error_at(pp, line, col, "invalid text: %s (0x%02x); "
			    "a plan is UTF-8 text without control characters",
			    parser->problem, (unsigned)parser->problem_value);
		else
			plan_error_at(pp, line, col, "invalid text: %s; a plan "
			    "is UTF-8 text without control characters",
			    parser->problem);
		break;
	default:
		if (parser->context != NULL)
			plan_error_at(pp, parser->problem_mark.line + 1,
			    parser->problem_mark.column + 1, "invalid YAML: %s "
			    "(%s at line %zu, column %zu); check the indentation, "
			    "the \": \" after each key and the quotes",
			    parser->problem, parser->context,
			    parser->context_mark.line + 1,
			    parser->context_mark.column + 1);
		else
			plan_error_at(pp, parser->problem_mark.line + 1,
			    parser->problem_mark.column + 1, "invalid YAML: %s; "
			    "check the indentation, the \": \" after each key "
			    "and the quotes", parser->problem != NULL ?
			    parser->problem : "unknown error");
		break;
	}
}

/*
 * Read the YAML text into a tree of nodes. Returns 0 and sets *root (NULL when
 * the text holds no document), or -1 after an error that stands alone:
 * invalid YAML or nesting deeper than PLAN_DEPTH_MAX.
 */
static int
plan_read(struct plan_parse *pp, const char *text, size_t len,
    struct node **root)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct node	*stack[PLAN_DEPTH_MAX], *n;
	size_t		 depth = 0, ndocs = 0;
	int		 done = 0, rc = 0;
	char		 buf[PLAN_DESC_SIZE], *s;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		fatalx("%s: out of memory", __func__);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			plan_yaml_error(pp, &parser, text, len);
			rc = -1;
			break;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				plan_error_at(pp, ev.start_mark.line + 1,
				    ev.start_mark.column + 1, "a second YAML "
				    "document starts here; %s is a single "
				    "document, so remove this one and any after it",
				    pp->what);
				done = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			s = (char *)ev.data.alias.anchor;
			xasprintf(&s, "*%s", s != NULL ? s : "");
			plan_error_at(pp, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, "aliases are not supported "
			    "(got %s); write the value out in full",
			    plan_quote(s, strlen(s), buf, sizeof buf));
			free(s);
			n = node_create(NODE_BAD, &ev.start_mark);
			break;
		case YAML_SCALAR_EVENT:
			plan_anchor(pp, ev.data.scalar.anchor, &ev.start_mark);
			n = node_create(NODE_SCALAR, &ev.start_mark);
			n->len = ev.data.scalar.length;
			n->value = xmalloc(n->len + 1);
			memcpy(n->value, ev.data.scalar.value, n->len);
			n->value[n->len] = '\0';
			n->empty = (n->len == 0 &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == PLAN_DEPTH_MAX) {
				plan_errors_clear(pp);
				plan_error_at(pp, ev.start_mark.line + 1,
				    ev.start_mark.column + 1, "nesting deeper "
				    "than %d levels; a plan needs 4 at most (the "
				    "plan, conditions, a condition, its env)",
				    PLAN_DEPTH_MAX);
				rc = -1;
				done = 1;
				break;
			}
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				plan_anchor(pp, ev.data.sequence_start.anchor,
				    &ev.start_mark);
				n = node_create(NODE_LIST, &ev.start_mark);
			} else {
				plan_anchor(pp, ev.data.mapping_start.anchor,
				    &ev.start_mark);
				n = node_create(NODE_MAP, &ev.start_mark);
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		if (n != NULL) {
			if (depth > 0)
				node_add(stack[depth - 1], n);
			else if (*root == NULL)
				*root = n;
			else
				node_free(n);
			if (n->type == NODE_LIST || n->type == NODE_MAP)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);

	if (rc != 0) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

/* Append an item to a comma-separated list in buf. */
static void
plan_append(char *buf, size_t size, const char *item)
{
	size_t	len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len > 0 ? ", " : "", item);
}

/* Edit distance with transpositions, for "did you mean" on short keys. */
static size_t
plan_distance(const char *a, const char *b)
{
	size_t	d[33][33], la, lb, i, j, v;

	la = strlen(a);
	lb = strlen(b);
	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Find a known key by name, or KEY_COUNT. */
static enum plan_key
plan_key_find(const struct node *k)
{
	size_t	i;

	if (k->type != NODE_SCALAR || memchr(k->value, '\0', k->len) != NULL)
		return KEY_COUNT;
	for (i = 0; i < KEY_COUNT; i++) {
		if (strcmp(k->value, plan_key_names[i]) == 0)
			return (enum plan_key)i;
	}
	return KEY_COUNT;
}

/*
 * Report an unknown key with the closest known one, or the list of valid keys.
 * Returns the key suggested, or KEY_COUNT.
 */
static enum plan_key
plan_unknown_key(struct plan_parse *pp, const struct node *k,
    const enum plan_key *keys, size_t nkeys, int top)
{
	enum plan_key	 known;
	char		 buf[PLAN_DESC_SIZE], list[256];
	size_t		 i, d, bestd = SIZE_MAX, limit, best = SIZE_MAX;

	plan_quote(k->value, k->len, buf, sizeof buf);
	known = plan_key_find(k);
	if (known != KEY_COUNT && top) {
		plan_error(pp, k, "unknown key %s at the top level; %s belongs "
		    "in each condition, under conditions", buf,
		    plan_key_names[known]);
		return KEY_COUNT;
	}
	if (known != KEY_COUNT) {
		plan_error(pp, k, "unknown key %s in a condition; %s applies to "
		    "the whole plan, so move it to the top level", buf,
		    plan_key_names[known]);
		return KEY_COUNT;
	}

	if (memchr(k->value, '\0', k->len) == NULL) {
		limit = k->len <= 4 ? 1 : 2;
		for (i = 0; i < nkeys; i++) {
			d = plan_distance(k->value, plan_key_names[keys[i]]);
			if (d <= limit && d < bestd) {
				bestd = d;
				best = i;
			}
		}
	}
	if (best != SIZE_MAX) {
		plan_error(pp, k, "unknown key %s; did you mean \"%s\"?", buf,
		    plan_key_names[keys[best]]);
		return keys[best];
	}
	list[0] = '\0';
	for (i = 0; i < nkeys; i++) {
		plan_append(list, sizeof list, plan_key_names[keys[i]]);
	}
	plan_error(pp, k, "unknown key %s; valid keys here are %s", buf, list);
	return KEY_COUNT;
}

/* Sort a mapping's values by key, reporting unknown, duplicate and odd keys. */
static void
plan_fields(struct plan_parse *pp, struct plan_settings *st,
    const enum plan_key *keys, size_t nkeys, int top)
{
	const struct node	*map = st->map;
	struct node		*k, *v;
	enum plan_key		 key;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i, j;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type == NODE_BAD)
			continue;
		if (k->type != NODE_SCALAR || k->empty) {
			plan_error(pp, k, "expected a key name, like name or "
			    "script (got %s)", plan_desc(k, buf, sizeof buf));
			continue;
		}
		key = plan_key_find(k);
		for (j = 0; j < nkeys; j++) {
			if (keys[j] == key)
				break;
		}
		if (j == nkeys) {
			/* A likely typo: do not also report the key as missing. */
			key = plan_unknown_key(pp, k, keys, nkeys, top);
			if (key != KEY_COUNT)
				st->typo[key] = 1;
			continue;
		}
		if (st->key[key] != NULL) {
			plan_error(pp, k, "duplicate key \"%s\" (first at line "
			    "%zu); keep one", plan_key_names[key],
			    st->key[key]->line);
			continue;
		}
		st->key[key] = k;
		st->val[key] = v->type == NODE_BAD ? NULL : v;
	}
}

/*
 * Check that a node is a scalar without NUL bytes; reports "KEY: expected
 * WHAT (got ...)". A quoted "" passes only when empty_ok (an argument, an env
 * value); a value left out (`key:` alone) never does.
 */
static int
plan_scalar(struct plan_parse *pp, const char *key, const struct node *n,
    const char *what, int empty_ok)
{
	char	buf[PLAN_DESC_SIZE];

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_SCALAR || n->empty || (!empty_ok && n->len == 0)) {
		plan_error(pp, n, "%s: expected %s (got %s)", key, what,
		    plan_desc(n, buf, sizeof buf));
		return -1;
	}
	if (memchr(n->value, '\0', n->len) != NULL) {
		plan_error(pp, n, "%s: NUL bytes are not allowed (got %s); "
		    "remove them", key, plan_desc(n, buf, sizeof buf));
		return -1;
	}
	return 0;
}

/* Check that a node is a non-empty string. */
static int
plan_string(struct plan_parse *pp, const char *key, const struct node *n,
    const char *what)
{
	return plan_scalar(pp, key, n, what, 0);
}

/* Check a plan or condition name: 1 to 64 letters, digits, '.', '_' or '-'. */
static int
plan_name(struct plan_parse *pp, const struct node *n, const char *example)
{
	char	buf[PLAN_DESC_SIZE];
	size_t	i;
	int	c;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type == NODE_SCALAR && n->len >= 1 && n->len <= PLAN_NAME_MAX) {
		for (i = 0; i < n->len; i++) {
			c = (unsigned char)n->value[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			    c == '-'))
				break;
		}
		if (i == n->len)
			return 0;
	}
	plan_error(pp, n, "name: expected 1 to %d letters, digits, '.', '_' or "
	    "'-', like %s (got %s)", PLAN_NAME_MAX, example,
	    plan_desc(n, buf, sizeof buf));
	return -1;
}

/* Read a decimal integer from min to max. */
static int
plan_int(struct plan_parse *pp, const char *key, const struct node *n,
    int min, int max, int *out)
{
	char	buf[PLAN_DESC_SIZE];
	long	v = 0;
	size_t	i;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_SCALAR || n->len == 0)
		goto fail;
	for (i = 0; i < n->len; i++) {
		if (n->value[i] < '0' || n->value[i] > '9')
			goto fail;
		if (v <= max)
			v = v * 10 + (n->value[i] - '0');
	}
	if (v < min || v > max)
		goto fail;
	*out = (int)v;
	return 0;

fail:
	plan_error(pp, n, "%s: expected an integer from %d to %d (got %s)", key,
	    min, max, plan_desc(n, buf, sizeof buf));
	return -1;
}

/* Read a keyword from a table; reports "KEY: expected one of a, b (got ...)". */
static int
plan_word(struct plan_parse *pp, const char *key, const struct node *n,
    const struct plan_word *words, int *out)
{
	char	buf[PLAN_DESC_SIZE], list[128];
	size_t	i;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type == NODE_SCALAR) {
		for (i = 0; words[i].name != NULL; i++) {
			if (strlen(words[i].name) == n->len &&
			    memcmp(words[i].name, n->value, n->len) == 0) {
				*out = words[i].value;
				return 0;
			}
		}
	}
	list[0] = '\0';
	for (i = 0; words[i].name != NULL; i++) {
		plan_append(list, sizeof list, words[i].name);
	}
	plan_error(pp, n, "%s: expected one of %s (got %s)", key, list,
	    plan_desc(n, buf, sizeof buf));
	return -1;
}

/* Read a timeout: seconds, above 0 and at most PLAN_TIMEOUT_MAX, maybe fractional. */
static int
plan_timeout(struct plan_parse *pp, const struct node *n, double *out)
{
	char	buf[PLAN_DESC_SIZE], *end;
	double	v;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_SCALAR || n->len == 0 ||
	    n->len != strspn(n->value, "0123456789.eE+-"))
		goto fail;
	errno = 0;
	v = strtod(n->value, &end);
	if (end != n->value + n->len || errno != 0 || !isfinite(v) ||
	    v <= 0 || v > PLAN_TIMEOUT_MAX)
		goto fail;
	*out = v;
	return 0;

fail:
	plan_error(pp, n, "timeout: expected seconds per run, a number above 0 "
	    "and at most %.0f, like 300 or 2.5 (got %s)", PLAN_TIMEOUT_MAX,
	    plan_desc(n, buf, sizeof buf));
	return -1;
}

/* Read one CPU number of a list at *i. */
static int
plan_cpu_number(const char *s, size_t len, size_t *i, unsigned long *out)
{
	unsigned long	v = 0, d;
	size_t		start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		d = (unsigned long)(s[*i] - '0');
		if (v > (ULONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -1;
	*out = v;
	return 0;
}

/*
 * Scan a taskset CPU list of len bytes into set (which may be NULL). Returns 0;
 * -1 on bad syntax; or -2 when a CPU is max or more, stored in *bad.
 */
static int
plan_cpulist_scan(const char *s, size_t len, unsigned char *set, size_t max,
    unsigned long *bad)
{
	unsigned long	lo, hi, cpu;
	size_t		i = 0;

	if (set != NULL && max > 0)
		memset(set, 0, max);
	if (len == 0)
		return -1;
	for (;;) {
		if (plan_cpu_number(s, len, &i, &lo) != 0)
			return -1;
		hi = lo;
		if (i < len && s[i] == '-') {
			i++;
			if (plan_cpu_number(s, len, &i, &hi) != 0 || hi < lo)
				return -1;
		}
		if (i < len && s[i] != ',')
			return -1;
		if (hi >= max) {
			*bad = lo >= max ? lo : hi;
			return -2;
		}
		if (set != NULL) {
			for (cpu = lo; cpu <= hi; cpu++)
				set[cpu] = 1;
		}
		if (i == len)
			return 0;
		i++;
	}
}

/* Check a cpus value: taskset syntax, and online when the caller asked. */
static int
plan_cpus(struct plan_parse *pp, const struct node *n)
{
	unsigned char	set[PLAN_CPU_MAX];
	char		buf[PLAN_DESC_SIZE];
	unsigned long	bad;
	size_t		cpu;
	int		rc;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_SCALAR || n->empty) {
		plan_error(pp, n, "cpus: expected a CPU list; " PLAN_EXAMPLE_CPUS
		    " (got %s)", plan_desc(n, buf, sizeof buf));
		return -1;
	}
	rc = plan_cpulist_scan(n->value, n->len, set, sizeof set, &bad);
	if (rc == -2) {
		plan_error(pp, n, "cpus: CPU %lu is out of range; use CPUs from "
		    "0 to %d", bad, PLAN_CPU_MAX - 1);
		return -1;
	}
	if (rc != 0) {
		plan_error(pp, n, "cpus: bad CPU list %s; " PLAN_EXAMPLE_CPUS,
		    plan_desc(n, buf, sizeof buf));
		return -1;
	}
	if (pp->online == NULL)
		return 0;
	for (cpu = 0; cpu < sizeof set; cpu++) {
		if (set[cpu] && !pp->online[cpu]) {
			plan_error(pp, n, "cpus: CPU %zu is not online (online: "
			    "%s)", cpu, pp->online_text);
			return -1;
		}
	}
	return 0;
}

/* Check that an item of args, env or evict is a scalar without NUL bytes ("" is fine). */
static int
plan_item(struct plan_parse *pp, const struct node *n, const char *key,
    const char *what)
{
	return plan_scalar(pp, key, n, what, 1);
}

/* Check an args list: scalars, taken as their text. */
static int
plan_args(struct plan_parse *pp, const struct node *n)
{
	char	buf[PLAN_DESC_SIZE];
	size_t	i;
	int	rc = 0;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_LIST) {
		plan_error(pp, n, "args: expected a list, like [--iters, \"20\"] "
		    "(got %s)", plan_desc(n, buf, sizeof buf));
		return -1;
	}
	if (n->nkids > PLAN_ARGS_MAX) {
		plan_error(pp, n, "args: more than %d arguments; pass fewer, or "
		    "read them from a file in the script", PLAN_ARGS_MAX);
		return -1;
	}
	for (i = 0; i < n->nkids; i++) {
		if (plan_item(pp, n->kids[i], "args", "each item to be a string "
		    "or number, like \"20\"") != 0)
			rc = -1;
	}
	return rc;
}

/* Check that a variable name matches [A-Za-z_][A-Za-z0-9_]*. */
static int
plan_env_name(const struct node *k)
{
	size_t	i;
	int	c;

	if (k->type != NODE_SCALAR || k->len == 0)
		return -1;
	for (i = 0; i < k->len; i++) {
		c = (unsigned char)k->value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return -1;
	}
	return 0;
}

/* Check an env mapping: variable names, scalar values, no name twice. */
static int
plan_env(struct plan_parse *pp, const struct node *n)
{
	const struct node	*k, *v;
	char			 buf[PLAN_DESC_SIZE], what[128];
	size_t			 i, j;
	int			 rc = 0;

	if (n->type == NODE_BAD)
		return -1;
	if (n->type != NODE_MAP) {
		plan_error(pp, n, "env: expected a mapping, like "
		    "{OMP_NUM_THREADS: \"2\"} (got %s)",
		    plan_desc(n, buf, sizeof buf));
		return -1;
	}
	if (n->nkids / 2 > PLAN_ENV_MAX) {
		plan_error(pp, n, "env: more than %d variables; keep the ones "
		    "the benchmark needs", PLAN_ENV_MAX);
		return -1;
	}
	for (i = 0; i + 1 < n->nkids; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (k->type == NODE_BAD) {
			rc = -1;
			continue;
		}
		if (k->type != NODE_SCALAR) {
			plan_error(pp, k, "env: expected a variable name, like "
			    "OMP_NUM_THREADS (got %s)",
			    plan_desc(k, buf, sizeof buf));
			rc = -1;
			continue;
		}
		if (plan_env_name(k) != 0) {
			plan_error(pp, k, "env: bad variable name %s; use letters, "
			    "digits and '_', not starting with a digit",
			    plan_desc(k, buf, sizeof buf));
			rc = -1;
			continue;
		}
		for (j = 0; j < i; j += 2) {
			if (plan_env_name(n->kids[j]) == 0 &&
			    strcmp(n->kids[j]->value, k->value) == 0)
				break;
		}
		if (j < i) {
			plan_error(pp, k, "duplicate key \"%s\" in env (first at "
			    "line %zu); keep one", k->value, n->kids[j]->line);
			rc = -1;
			continue;
		}
		snprintf(what, sizeof what, "the value of %s to be a string or "
		    "number, like \"2\"", k->value);
		if (plan_item(pp, v, "env", what) != 0)
			rc = -1;
	}
	return rc;
}

/* Check the settings a condition may override, clearing those that are invalid. */
static void
plan_settings_check(struct plan_parse *pp, struct plan_settings *st)
{
	struct node	**v = st->val;

	if (v[KEY_PYTHON] != NULL && plan_string(pp, "python", v[KEY_PYTHON],
	    "an interpreter name or path, like python3") != 0)
		v[KEY_PYTHON] = NULL;
	if (v[KEY_SCRIPT] != NULL && plan_string(pp, "script", v[KEY_SCRIPT],
	    "the path of the Python script, like ../python/benchmark.py") != 0)
		v[KEY_SCRIPT] = NULL;
	if (v[KEY_ARGS] != NULL && plan_args(pp, v[KEY_ARGS]) != 0)
		v[KEY_ARGS] = NULL;
	if (v[KEY_WORKDIR] != NULL && plan_string(pp, "workdir", v[KEY_WORKDIR],
	    "a folder, like .") != 0)
		v[KEY_WORKDIR] = NULL;
	if (v[KEY_CPUS] != NULL && plan_cpus(pp, v[KEY_CPUS]) != 0)
		v[KEY_CPUS] = NULL;
	if (v[KEY_ENV] != NULL && plan_env(pp, v[KEY_ENV]) != 0)
		v[KEY_ENV] = NULL;
	if (v[KEY_TIMEOUT] != NULL &&
	    plan_timeout(pp, v[KEY_TIMEOUT], &st->timeout) != 0)
		v[KEY_TIMEOUT] = NULL;
	if (v[KEY_IMPORTTIME_RUNS] != NULL && plan_int(pp, "importtime_runs",
	    v[KEY_IMPORTTIME_RUNS], 0, PLAN_IMPORTTIME_MAX, &st->importtime_runs) != 0)
		v[KEY_IMPORTTIME_RUNS] = NULL;
}

/* Return the folder of a path, or NULL when it has no '/'. */
static char *
plan_dirname(const char *path)
{
	const char	*slash;
	size_t		 n;

	if ((slash = strrchr(path, '/')) == NULL)
		return NULL;
	n = (size_t)(slash - path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0)
		return xstrdup("/");
	return xstrndup(path, n);
}

/* Resolve a path from the plan against the plan file's folder. */
static char *
plan_join(const struct plan_parse *pp, const char *p)
{
	char	*s;

	if (p[0] == '/')
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	if (strcmp(p, ".") == 0)
		p = "";
	if (pp->dir == NULL)
		return xstrdup(*p == '\0' ? "." : p);
	if (*p == '\0')
		return xstrdup(pp->dir);
	if (strcmp(pp->dir, "/") == 0)
		xasprintf(&s, "/%s", p);
	else
		xasprintf(&s, "%s/%s", pp->dir, p);
	return s;
}

/*
 * Pick a setting for a condition: its own when it has the key, else the
 * plan's. Returns the value node (NULL when absent or invalid), sets *present
 * and *from (the settings it came from).
 */
static const struct node *
plan_pick(const struct plan_settings *top, const struct plan_settings *cs,
    enum plan_key k, int *present, const struct plan_settings **from)
{
	*from = cs->key[k] != NULL ? cs : top;
	*present = (*from)->key[k] != NULL;
	return (*from)->val[k];
}

/* Merge the plan's env with a condition's: a condition key replaces the plan's value in place. */
static void
plan_fold_env(struct plan_condition *c, const struct node *top,
    const struct node *own)
{
	const struct node	*maps[2] = { top, own };
	const struct node	*m;
	size_t			 i, j, k, n = 0;

	for (i = 0; i < 2; i++) {
		if (maps[i] != NULL)
			n += maps[i]->nkids / 2;
	}
	if (n == 0)
		return;
	c->env = xcalloc(n, sizeof *c->env);
	for (i = 0; i < 2; i++) {
		if ((m = maps[i]) == NULL)
			continue;
		for (j = 0; j + 1 < m->nkids; j += 2) {
			for (k = 0; k < c->nenv; k++) {
				if (strcmp(c->env[k].key, m->kids[j]->value) == 0)
					break;
			}
			if (k < c->nenv)
				free(c->env[k].value);
			else {
				c->env[k].key = xstrdup(m->kids[j]->value);
				c->nenv++;
			}
			c->env[k].value = xstrdup(m->kids[j + 1]->value);
		}
	}
}

/* Check that a path names an existing file (or folder); reports at n. */
static void
plan_check_path(struct plan_parse *pp, const struct node *n, const char *key,
    const char *path, int folder, int defaulted)
{
	struct stat	 sb;
	char		*buf;
	const char	*what;
	size_t		 len = strlen(path), size = len * 4 + 8;

	/* Quote the whole path: a cut one would not say which file is meant. */
	buf = plan_quote_max(path, len, len, xmalloc(size), size);
	what = folder ? "an existing folder" :
	    "the path of an existing Python script";
	if (stat(path, &sb) != 0) {
		plan_error(pp, n, "%s: cannot use %s%s: %s; give %s, relative to "
		    "the plan's folder", key, defaulted ? "the script's folder " :
		    "", buf, strerror(errno), what);
		free(buf);
		return;
	}
	if (folder && !S_ISDIR(sb.st_mode))
		plan_error(pp, n, "%s: %s%s is not a folder; give %s, relative "
		    "to the plan's folder", key, defaulted ?
		    "the script's folder " : "", buf, what);
	else if (!folder && !S_ISREG(sb.st_mode))
		plan_error(pp, n, "%s: %s is not a regular file; give %s, "
		    "relative to the plan's folder", key, buf, what);
	free(buf);
}

/*
 * Device profiles (issue #19): profiles_file:, profiles: and profile:. The
 * values are read by profile.c; here is where each one is and its fix.
 */

#define PLAN_PROFILES_FILE_MAX	(1024 * 1024)	/* bytes of a profiles file */
#define PLAN_EXAMPLE_PROFILE	"{read_bps: 25MB, read_iops: 1500, memory: 1GB}"
#define PLAN_PROFILE_LIMITS	"read_bps, read_iops, memory, cpus or cpu_quota"

/* The keys of a profile, as messages list them. */
enum plan_pkey {
	PKEY_READ_BPS, PKEY_READ_IOPS, PKEY_MEMORY, PKEY_CPUS, PKEY_CPU_QUOTA,
	PKEY_DESCRIPTION, PKEY_COUNT
};
static const char *const plan_pkey_names[PKEY_COUNT] = {
	"read_bps", "read_iops", "memory", "cpus", "cpu_quota", "description"
};

/* How many CPUs a checked CPU list names. */
static size_t
plan_cpu_count(const char *list, unsigned char *set)
{
	unsigned long	bad;
	size_t		i, n = 0;

	if (plan_cpulist_scan(list, strlen(list), set, PLAN_CPU_MAX, &bad) != 0)
		return 0;
	for (i = 0; i < PLAN_CPU_MAX; i++)
		n += set[i];
	return n;
}

/* Report an unknown key in a profile, with the closest known one or the list. */
static void
plan_profile_unknown(struct plan_parse *pp, const struct node *k)
{
	char	buf[PLAN_DESC_SIZE], list[128];
	size_t	i, d, bestd = SIZE_MAX, best = PKEY_COUNT;

	plan_quote(k->value, k->len, buf, sizeof buf);
	if (memchr(k->value, '\0', k->len) == NULL) {
		for (i = 0; i < PKEY_COUNT; i++) {
			d = plan_distance(k->value, plan_pkey_names[i]);
			if (d <= (k->len <= 4 ? 1u : 2u) && d < bestd) {
				bestd = d;
				best = i;
			}
		}
	}
	if (best != PKEY_COUNT) {
		plan_error(pp, k, "unknown key %s in a profile; did you mean "
		    "\"%s\"?", buf, plan_pkey_names[best]);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < PKEY_COUNT; i++)
		plan_append(list, sizeof list, plan_pkey_names[i]);
	plan_error(pp, k, "unknown key %s in a profile; valid keys are %s",
	    buf, list);
}

/* Read a size or rate of a profile into *out; reports why not. */
static int
plan_profile_size(struct plan_parse *pp, const char *key, const struct node *v,
    int rate, uint64_t *out)
{
	const char	*why = rate ? PROFILE_EXPECT_RATE : PROFILE_EXPECT_SIZE;
	char		 buf[PLAN_DESC_SIZE];

	if (plan_scalar(pp, key, v, why, 0) != 0)
		return -1;
	if (profile_parse_size(v->value, rate, out, &why) != 0) {
		plan_error(pp, v, "%s: expected %s (got %s)", key, why,
		    plan_desc(v, buf, sizeof buf));
		return -1;
	}
	return 0;
}

/* Check a profile's CPU quota against the CPUs it may use. */
static void
plan_profile_quota(struct plan_parse *pp, const struct node *v,
    const struct profile *p)
{
	unsigned char	*set = xmalloc(PLAN_CPU_MAX);
	size_t		 ncpus = 0;
	const char	*of = NULL;

	if (p->cpus != NULL) {
		ncpus = plan_cpu_count(p->cpus, set);
		of = p->cpus;
	} else if (pp->online != NULL) {
		for (size_t i = 0; i < PLAN_CPU_MAX; i++)
			ncpus += pp->online[i];
	}
	free(set);
	if (ncpus == 0 || p->cpu_quota <= (double)ncpus)
		return;
	if (of != NULL)
		plan_error(pp, v, "cpu_quota: %g CPUs' worth is more than the %zu "
		    "CPU%s of the profile's cpus \"%s\", so it would never limit; "
		    "lower it or give the profile more cpus", p->cpu_quota, ncpus,
		    ncpus == 1 ? "" : "s", of);
	else
		plan_error(pp, v, "cpu_quota: %g CPUs' worth is more than the %zu "
		    "CPU%s online, so it would never limit; lower it",
		    p->cpu_quota, ncpus, ncpus == 1 ? "" : "s");
}

/*
 * Check a profile's mapping into a new profile named name, defined in
 * source. NULL after an error, which is reported.
 */
static struct profile *
plan_profile_body(struct plan_parse *pp, const struct node *map,
    const char *name, const char *source)
{
	const struct node	*key[PKEY_COUNT] = { NULL }, *val[PKEY_COUNT] = { NULL };
	const struct node	*k, *v;
	struct profile		 p, *out;
	const char		*why;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i, j;
	int			 bad = 0;

	if (map->type == NODE_BAD)
		return NULL;
	if (map->type != NODE_MAP || map->nkids == 0) {
		plan_error(pp, map, "profile: expected a mapping of limits, like "
		    PLAN_EXAMPLE_PROFILE " (got %s)", plan_desc(map, buf,
		    sizeof buf));
		return NULL;
	}
	memset(&p, 0, sizeof p);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type == NODE_BAD) {
			bad = 1;
			continue;
		}
		if (k->type != NODE_SCALAR || k->empty) {
			plan_error(pp, k, "expected a key name, like read_bps or "
			    "memory (got %s)", plan_desc(k, buf, sizeof buf));
			bad = 1;
			continue;
		}
		for (j = 0; j < PKEY_COUNT; j++) {
			if (strcmp(k->value, plan_pkey_names[j]) == 0)
				break;
		}
		if (j == PKEY_COUNT) {
			plan_profile_unknown(pp, k);
			bad = 1;
			continue;
		}
		if (key[j] != NULL) {
			plan_error(pp, k, "duplicate key \"%s\" (first at line "
			    "%zu); keep one", plan_pkey_names[j], key[j]->line);
			bad = 1;
			continue;
		}
		key[j] = k;
		val[j] = v;
	}

	if ((v = val[PKEY_READ_BPS]) != NULL &&
	    plan_profile_size(pp, "read_bps", v, 1, &p.read_bps) != 0)
		bad = 1;
	if ((v = val[PKEY_READ_IOPS]) != NULL) {
		why = PROFILE_EXPECT_IOPS;
		if (plan_scalar(pp, "read_iops", v, why, 0) != 0)
			bad = 1;
		else if (profile_parse_count(v->value, &p.read_iops, &why) != 0) {
			plan_error(pp, v, "read_iops: expected %s (got %s)", why,
			    plan_desc(v, buf, sizeof buf));
			bad = 1;
		}
	}
	if ((v = val[PKEY_MEMORY]) != NULL) {
		if (plan_profile_size(pp, "memory", v, 0, &p.memory) != 0)
			bad = 1;
		else if (p.memory < PROFILE_MEMORY_MIN) {
			plan_error(pp, v, "memory: expected at least 16MB, as no "
			    "interpreter starts in less (got %s)",
			    plan_desc(v, buf, sizeof buf));
			bad = 1;
		}
	}
	if ((v = val[PKEY_CPUS]) != NULL) {
		if (plan_cpus(pp, v) == 0)
			p.cpus = xstrdup(v->value);
		else
			bad = 1;
	}
	if ((v = val[PKEY_CPU_QUOTA]) != NULL) {
		why = PROFILE_EXPECT_QUOTA;
		if (plan_scalar(pp, "cpu_quota", v, why, 0) != 0)
			bad = 1;
		else if (profile_parse_quota(v->value, &p.cpu_quota, &why) != 0) {
			plan_error(pp, v, "cpu_quota: expected %s (got %s)", why,
			    plan_desc(v, buf, sizeof buf));
			bad = 1;
		} else
			plan_profile_quota(pp, v, &p);
	}
	if ((v = val[PKEY_DESCRIPTION]) != NULL) {
		if (plan_string(pp, "description", v, "a line of text on where "
		    "the figures come from") == 0)
			p.description = xstrdup(v->value);
		else
			bad = 1;
	}
	if (!bad && key[PKEY_READ_BPS] == NULL && key[PKEY_READ_IOPS] == NULL &&
	    key[PKEY_MEMORY] == NULL && key[PKEY_CPUS] == NULL &&
	    key[PKEY_CPU_QUOTA] == NULL) {
		plan_error(pp, map, "profile: a profile limits at least one of "
		    PLAN_PROFILE_LIMITS " (got only a description)");
		bad = 1;
	}
	if (bad) {
		free(p.cpus);
		free(p.description);
		return NULL;
	}
	out = xcalloc(1, sizeof *out);
	*out = p;
	out->name = xstrdup(name);
	out->source = xstrdup(source);
	return out;
}

/* Check a profile name: like a plan's, and not one of the words profile: reserves. */
static int
plan_profile_name(struct plan_parse *pp, const struct node *n)
{
	char	buf[PLAN_DESC_SIZE];
	size_t	i;
	int	c;

	if (n->type != NODE_SCALAR || n->len == 0 || n->len > PLAN_NAME_MAX)
		goto bad;
	for (i = 0; i < n->len; i++) {
		c = (unsigned char)n->value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			goto bad;
	}
	if (strcmp(n->value, "none") == 0 || strcmp(n->value, "inline") == 0) {
		plan_error(pp, n, "profiles: \"%s\" is a reserved word for "
		    "profile: (none: no profile; inline: one written in place); "
		    "give the profile another name", n->value);
		return -1;
	}
	return 0;

bad:
	plan_error(pp, n, "profiles: expected a profile name of 1 to %d letters, "
	    "digits, '.', '_' or '-', like sdcard (got %s)", PLAN_NAME_MAX,
	    plan_desc(n, buf, sizeof buf));
	return -1;
}

/* The named profile called name, or NULL. */
static const struct plan_named *
plan_named_find(const struct plan_parse *pp, const char *name)
{
	size_t	i;

	for (i = 0; i < pp->nnamed; i++) {
		if (strcmp(pp->named[i].profile->name, name) == 0)
			return &pp->named[i];
	}
	return NULL;
}

/*
 * Check a profiles: mapping, name to limits, defined in source, and add its
 * profiles to those conditions may name.
 */
static void
plan_profiles_map(struct plan_parse *pp, const struct node *n,
    const char *source, int from_file)
{
	const struct plan_named	*seen;
	struct profile		*p;
	const struct node	*k;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i, j;

	if (n->type == NODE_BAD)
		return;
	if (n->type != NODE_MAP || n->nkids == 0) {
		plan_error(pp, n, "profiles: expected a mapping of profile names to "
		    "their limits, like {sdcard: " PLAN_EXAMPLE_PROFILE "} (got %s)",
		    plan_desc(n, buf, sizeof buf));
		return;
	}
	for (i = 0; i + 1 < n->nkids; i += 2) {
		k = n->kids[i];
		if (k->type == NODE_BAD || plan_profile_name(pp, k) != 0)
			continue;
		for (j = 0; j < i; j += 2) {
			if (n->kids[j]->type == NODE_SCALAR &&
			    strcmp(n->kids[j]->value, k->value) == 0)
				break;
		}
		if (j < i) {
			plan_error(pp, k, "profiles: duplicate profile name \"%s\" "
			    "(first at line %zu); keep one", k->value,
			    n->kids[j]->line);
			continue;
		}
		if ((seen = plan_named_find(pp, k->value)) != NULL) {
			plan_error(pp, k, "profiles: \"%s\" is also defined in %s "
			    "(line %zu); rename one", k->value,
			    seen->profile->source, seen->line);
			continue;
		}
		if ((p = plan_profile_body(pp, n->kids[i + 1], k->value,
		    source)) == NULL)
			continue;
		pp->named = xreallocarray(pp->named, pp->nnamed + 1,
		    sizeof *pp->named);
		pp->named[pp->nnamed++] = (struct plan_named){ p, k->line,
		    from_file };
	}
}

/* Free the profiles a parse collected. */
static void
plan_named_free(struct plan_parse *pp)
{
	size_t	i;

	for (i = 0; i < pp->nnamed; i++)
		profile_free(pp->named[i].profile);
	free(pp->named);
	pp->named = NULL;
	pp->nnamed = 0;
}

/* Read at most PLAN_PROFILES_FILE_MAX bytes of a file; NULL with errno set. */
static char *
plan_slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf = xmalloc(PLAN_PROFILES_FILE_MAX + 1);
	n = fread(buf, 1, PLAN_PROFILES_FILE_MAX + 1, f);
	if (ferror(f) || n > PLAN_PROFILES_FILE_MAX) {
		errno = ferror(f) ? EIO : EFBIG;
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Check the top of a profiles file, a mapping with only profiles:, into fp's named profiles. */
static void
plan_profiles_top(struct plan_parse *fp, const struct node *root)
{
	const struct node	*k, *found = NULL;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i;

	if (root == NULL || (root->type == NODE_SCALAR && root->empty)) {
		plan_error_at(fp, root != NULL ? root->line : 1, root != NULL ?
		    root->col : 1, "empty profiles file; expected profiles: with "
		    "named profiles, like profiles: {sdcard: " PLAN_EXAMPLE_PROFILE
		    "}");
		return;
	}
	if (root->type == NODE_BAD)
		return;
	if (root->type != NODE_MAP) {
		plan_error(fp, root, "expected a mapping with profiles: at the top "
		    "level of a profiles file (got %s)", plan_desc(root, buf,
		    sizeof buf));
		return;
	}
	for (i = 0; i + 1 < root->nkids; i += 2) {
		k = root->kids[i];
		if (k->type == NODE_BAD)
			continue;
		if (k->type != NODE_SCALAR || strcmp(k->value, "profiles") != 0) {
			plan_error(fp, k, "unknown key %s; a profiles file holds "
			    "only profiles:", plan_desc(k, buf, sizeof buf));
			continue;
		}
		if (found != NULL) {
			plan_error(fp, k, "duplicate key \"profiles\" (first at "
			    "line %zu); keep one", found->line);
			continue;
		}
		found = k;
		plan_profiles_map(fp, root->kids[i + 1], fp->path, 1);
	}
	if (found == NULL && root->nkids > 0)
		return;
	if (found == NULL)
		plan_error(fp, root, "missing key \"profiles\"; a profiles file "
		    "is profiles: with named profiles, like profiles: {sdcard: "
		    PLAN_EXAMPLE_PROFILE "}");
}

/*
 * Read the plan's profiles_file: its profiles join those conditions may
 * name, and its mistakes are reported at its own FILE:LINE:COL.
 */
static void
plan_profiles_file(struct plan_parse *pp, const struct node *n)
{
	struct plan_parse	 fp;
	struct node		*root;
	char			*path, *text, *buf;
	size_t			 len, size, i;

	if (plan_string(pp, "profiles_file", n, "the path of a profiles file, "
	    "like ../configs/profiles.yaml") != 0)
		return;
	path = plan_join(pp, n->value);
	if ((text = plan_slurp(path, &len)) == NULL) {
		size = strlen(path) * 4 + 8;
		buf = plan_quote_max(path, strlen(path), strlen(path),
		    xmalloc(size), size);
		plan_error(pp, n, "profiles_file: cannot read %s: %s; give the path "
		    "of a profiles file, relative to the plan's folder", buf,
		    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		free(buf);
		free(path);
		return;
	}

	memset(&fp, 0, sizeof fp);
	fp.path = path;
	fp.what = "a profiles file";
	fp.online = pp->online;
	fp.online_text = pp->online_text;
	if (plan_read(&fp, text, len, &root) == 0) {
		plan_profiles_top(&fp, root);
		node_free(root);
	}

	/* Its errors, at its own places; the messages move over. */
	for (i = 0; i < fp.nkept; i++)
		plan_error_keep(pp, path, fp.errs[i].line, fp.errs[i].col,
		    fp.errs[i].msg);
	if (fp.nerrs > fp.nkept)
		pp->nerrs += fp.nerrs - fp.nkept;
	fp.nkept = fp.nerrs = 0;
	for (i = 0; i < fp.nnamed; i++) {
		pp->named = xreallocarray(pp->named, pp->nnamed + 1,
		    sizeof *pp->named);
		pp->named[pp->nnamed++] = fp.named[i];
	}
	free(fp.named);
	free(text);
	free(path);
}

/* Read the plan's profiles: the file's first, then its own profiles:. */
static void
plan_profiles(struct plan_parse *pp, const struct plan_settings *top)
{
	size_t	nerrs = pp->nerrs;

	if (top->val[KEY_PROFILES_FILE] != NULL)
		plan_profiles_file(pp, top->val[KEY_PROFILES_FILE]);
	if (top->val[KEY_PROFILES] != NULL)
		plan_profiles_map(pp, top->val[KEY_PROFILES], pp->path, 0);
	/* A key present but unreadable also hides the profiles it held. */
	pp->named_broken = pp->nerrs != nerrs ||
	    (top->key[KEY_PROFILES] != NULL && top->val[KEY_PROFILES] == NULL) ||
	    (top->key[KEY_PROFILES_FILE] != NULL &&
	    top->val[KEY_PROFILES_FILE] == NULL);
}

/* Report a profile: name that is not defined, with the closest defined one or the list. */
static void
plan_profile_unknown_name(struct plan_parse *pp, const struct node *n)
{
	char	buf[PLAN_DESC_SIZE], list[256];
	size_t	i, d, bestd = SIZE_MAX, best = SIZE_MAX;

	plan_quote(n->value, n->len, buf, sizeof buf);
	if (pp->nnamed == 0) {
		plan_error(pp, n, "profile: no profile named %s, and the plan "
		    "defines none; define it under profiles: or in a "
		    "profiles_file:, or write it in place, like profile: "
		    PLAN_EXAMPLE_PROFILE, buf);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < pp->nnamed; i++) {
		d = plan_distance(n->value, pp->named[i].profile->name);
		if (d <= (n->len <= 4 ? 1u : 2u) && d < bestd) {
			bestd = d;
			best = i;
		}
		plan_append(list, sizeof list, pp->named[i].profile->name);
	}
	if (best != SIZE_MAX)
		plan_error(pp, n, "profile: no profile named %s; did you mean "
		    "\"%s\"?", buf, pp->named[best].profile->name);
	else
		plan_error(pp, n, "profile: no profile named %s; the plan defines "
		    "%s", buf, list);
}

/*
 * Resolve a profile: value: the name of a defined profile, none, or a
 * profile written in place. 0 with *out (NULL for none), or -1 after an error.
 */
static int
plan_profile_ref(struct plan_parse *pp, const struct node *n,
    struct profile **out)
{
	const struct plan_named	*named;

	*out = NULL;
	if (n->type == NODE_BAD)
		return -1;
	if (n->type == NODE_MAP) {
		*out = plan_profile_body(pp, n, "inline", pp->path);
		return *out != NULL ? 0 : -1;
	}
	if (plan_string(pp, "profile", n, "the name of a profile, like sdcard, "
	    "none, or one written in place, like " PLAN_EXAMPLE_PROFILE) != 0)
		return -1;
	if (strcmp(n->value, "none") == 0)
		return 0;
	if ((named = plan_named_find(pp, n->value)) == NULL) {
		/* Not when it may be one that failed: that error is reported. */
		if (!pp->named_broken)
			plan_profile_unknown_name(pp, n);
		return -1;
	}
	*out = profile_copy(named->profile);
	return 0;
}

/* A condition pinned with cpus: must stay within its profile's cpus, where its cpuset lets it run. */
static void
plan_profile_fits(struct plan_parse *pp, const struct plan_condition *c,
    const struct node *cpus)
{
	unsigned char	*pin, *allowed;
	size_t		 cpu;

	if (c->cpus == NULL || c->profile->cpus == NULL || cpus == NULL)
		return;
	pin = xmalloc(PLAN_CPU_MAX);
	allowed = xmalloc(PLAN_CPU_MAX);
	if (plan_cpu_count(c->cpus, pin) > 0 &&
	    plan_cpu_count(c->profile->cpus, allowed) > 0) {
		for (cpu = 0; cpu < PLAN_CPU_MAX; cpu++) {
			if (pin[cpu] && !allowed[cpu])
				break;
		}
		if (cpu < PLAN_CPU_MAX)
			plan_error(pp, cpus, "cpus: CPU %zu is outside the cpus "
			    "\"%s\" of %s%s, where the run is confined, so "
			    "taskset could not pin the child there; use CPUs of "
			    "the profile, or leave cpus out", cpu,
			    c->profile->cpus, strcmp(c->profile->name, "inline") == 0 ?
			    "the condition's profile" : "profile ",
			    strcmp(c->profile->name, "inline") == 0 ? "" :
			    c->profile->name);
	}
	free(pin);
	free(allowed);
}

/* Fold the plan's settings into a condition, then check its paths if asked. */
static void
plan_fold(struct plan_parse *pp, struct plan_condition *c,
    const struct plan_settings *top, const struct plan_settings *cs)
{
	const struct plan_settings	*from, *sfrom;
	const struct node		*n, *sn;
	size_t				 i;
	int				 present;

	n = plan_pick(top, cs, KEY_PYTHON, &present, &from);
	if (!present)
		c->python = xstrdup("python3");
	else if (n != NULL)
		c->python = strchr(n->value, '/') != NULL ?
		    plan_join(pp, n->value) : xstrdup(n->value);

	sn = plan_pick(top, cs, KEY_SCRIPT, &present, &sfrom);
	if (sn != NULL) {
		c->script = plan_join(pp, sn->value);
		if (pp->check_paths)
			plan_check_path(pp, sn, "script", c->script, 0, 0);
	}

	n = plan_pick(top, cs, KEY_ARGS, &present, &from);
	if (n != NULL && n->nkids > 0) {
		c->args = xcalloc(n->nkids, sizeof *c->args);
		for (i = 0; i < n->nkids; i++)
			c->args[i] = xstrdup(n->kids[i]->value);
		c->nargs = n->nkids;
	}

	n = plan_pick(top, cs, KEY_WORKDIR, &present, &from);
	if (n != NULL) {
		c->workdir = plan_join(pp, n->value);
		if (pp->check_paths)
			plan_check_path(pp, n, "workdir", c->workdir, 1, 0);
	} else if (!present && c->script != NULL) {
		if ((c->workdir = plan_dirname(c->script)) == NULL)
			c->workdir = xstrdup(".");
		if (pp->check_paths && sn != NULL)
			plan_check_path(pp, sfrom->map, "workdir", c->workdir,
			    1, 1);
	}

	n = plan_pick(top, cs, KEY_CPUS, &present, &from);
	if (n != NULL)
		c->cpus = xstrdup(n->value);

	plan_fold_env(c, top->val[KEY_ENV], cs->val[KEY_ENV]);

	n = plan_pick(top, cs, KEY_TIMEOUT, &present, &from);
	c->timeout = n != NULL ? from->timeout : PLAN_TIMEOUT_DEFAULT;

	n = plan_pick(top, cs, KEY_IMPORTTIME_RUNS, &present, &from);
	c->importtime_runs = n != NULL ? from->importtime_runs : 0;

	/* The condition's device profile, or the plan's (issue #19). */
	n = plan_pick(top, cs, KEY_PROFILE, &present, &from);
	if (n != NULL && plan_profile_ref(pp, n, &c->profile) == 0 &&
	    c->profile != NULL)
		plan_profile_fits(pp, c, plan_pick(top, cs, KEY_CPUS, &present,
		    &from));
}

/* Check a condition's own keys into c and cs; top_until: the plan has an until: (or a typo of it). */
static void
plan_condition(struct plan_parse *pp, struct plan_condition *c,
    struct plan_settings *cs, int top_until)
{
	struct node	**v = cs->val;
	int		  value, cache_ok = 0;

	plan_fields(pp, cs, plan_cond_keys, PLAN_NCOND_KEYS, 0);
	plan_settings_check(pp, cs);

	if (cs->key[KEY_NAME] == NULL) {
		if (!cs->typo[KEY_NAME])
			plan_error(pp, cs->map, "missing required key \"name\"; "
			    "add a name for the condition, like name: cold");
	} else if (v[KEY_NAME] != NULL && plan_name(pp, v[KEY_NAME], "cold") == 0)
		c->name = xstrdup(v[KEY_NAME]->value);

	if (cs->key[KEY_CACHE] == NULL) {
		if (!cs->typo[KEY_CACHE])
			plan_error(pp, cs->map, "missing required key "
			    "\"cache\"; add cache: cold, warm or none");
	} else if (v[KEY_CACHE] != NULL && plan_word(pp, "cache", v[KEY_CACHE],
	    plan_cache_words, &value) == 0) {
		c->cache = (enum plan_cache)value;
		cache_ok = 1;
	}

	c->cold_method = PLAN_COLD_TARGETED;
	if (v[KEY_COLD_METHOD] != NULL && plan_word(pp, "cold_method",
	    v[KEY_COLD_METHOD], plan_cold_words, &value) == 0)
		c->cold_method = (enum plan_cold_method)value;
	if (cs->key[KEY_COLD_METHOD] != NULL && cache_ok &&
	    c->cache != PLAN_CACHE_COLD)
		plan_error(pp, cs->key[KEY_COLD_METHOD], "cold_method: only "
		    "applies to cache: cold (this condition has cache: %s); "
		    "remove it or set cache: cold", plan_cache_name(c->cache));

	/* With an until: runs may be left out; plan_until() reports it where no target applies. */
	if (cs->key[KEY_RUNS] == NULL) {
		if (!cs->typo[KEY_RUNS] && cs->key[KEY_UNTIL] == NULL && !cs->typo[KEY_UNTIL] &&
		    !top_until)
			plan_error(pp, cs->map, "missing required key \"runs\"; "
			    "add the number of measured runs, like runs: 10");
	} else if (v[KEY_RUNS] != NULL)
		plan_int(pp, "runs", v[KEY_RUNS], 1, PLAN_MAX_RUNS, &c->runs);

	c->warmup_runs = c->cache == PLAN_CACHE_WARM ? PLAN_WARMUP_DEFAULT : 0;
	if (v[KEY_WARMUP_RUNS] != NULL)
		plan_int(pp, "warmup_runs", v[KEY_WARMUP_RUNS], 0, PLAN_MAX_RUNS,
		    &c->warmup_runs);

	/* A warming sequence starts from one eviction: it belongs to cold conditions only. */
	if (v[KEY_THEN] != NULL)
		plan_int(pp, "then", v[KEY_THEN], 1, PLAN_THEN_MAX, &c->then);
	if (cs->key[KEY_THEN] != NULL && cache_ok && c->cache != PLAN_CACHE_COLD)
		plan_error(pp, cs->key[KEY_THEN], "then: only applies to cache: cold (a "
		    "sequence evicts once, then runs again without touching the cache); "
		    "remove it or set cache: cold");
}

/* Check the plan-level keys that conditions do not have into pl. */
static void
plan_top(struct plan_parse *pp, struct plan *pl, struct plan_settings *top)
{
	struct node	**v = top->val, *n;
	char		  buf[PLAN_DESC_SIZE];
	size_t		  i;
	int		  value;

	if (v[KEY_VERSION] != NULL && (v[KEY_VERSION]->type != NODE_SCALAR ||
	    strcmp(v[KEY_VERSION]->value, "1") != 0))
		plan_error(pp, v[KEY_VERSION], "version: expected %d, the only "
		    "plan format version (got %s)", PLAN_VERSION,
		    plan_desc(v[KEY_VERSION], buf, sizeof buf));

	if (top->key[KEY_NAME] == NULL) {
		if (!top->typo[KEY_NAME])
			plan_error(pp, top->map, "missing required key \"name\"; "
			    "add a name for the plan, like name: "
			    "mobilenet-cold-vs-warm");
	} else if (v[KEY_NAME] != NULL &&
	    plan_name(pp, v[KEY_NAME], "mobilenet-cold-vs-warm") == 0)
		pl->name = xstrdup(v[KEY_NAME]->value);

	pl->order = PLAN_ORDER_INTERLEAVED;
	if (v[KEY_ORDER] != NULL && plan_word(pp, "order", v[KEY_ORDER],
	    plan_order_words, &value) == 0)
		pl->order = (enum plan_order)value;

	if ((n = v[KEY_EVICT]) == NULL)
		return;
	if (n->type != NODE_LIST) {
		plan_error(pp, n, "evict: expected a list of files or folders, "
		    "like [../models/] (got %s)", plan_desc(n, buf, sizeof buf));
		return;
	}
	for (i = 0; i < n->nkids; i++) {
		if (plan_item(pp, n->kids[i], "evict", "each item to be a path, "
		    "like ../models/") != 0)
			return;
	}
	if (n->nkids == 0)
		return;
	pl->evict = xcalloc(n->nkids, sizeof *pl->evict);
	for (i = 0; i < n->nkids; i++)
		pl->evict[i] = plan_join(pp, n->kids[i]->value);
	pl->nevict = n->nkids;
}

/* Check the conditions list and return its mappings' settings (NULL when there are none). */
static struct plan_settings *
plan_conditions(struct plan_parse *pp, struct plan *pl,
    struct plan_settings *top)
{
	struct plan_settings	*cs;
	struct node		*list, *item, *ni, *nj;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i, j;

	if (top->key[KEY_CONDITIONS] == NULL) {
		if (top->typo[KEY_CONDITIONS])
			return NULL;
		plan_error(pp, top->map, "missing required key \"conditions\"; "
		    "add a list of conditions, like conditions: "
		    PLAN_EXAMPLE_CONDS);
		return NULL;
	}
	if ((list = top->val[KEY_CONDITIONS]) == NULL)
		return NULL;
	if (list->type != NODE_LIST || list->nkids == 0) {
		plan_error(pp, list, "conditions: expected a list of at least "
		    "one condition, like " PLAN_EXAMPLE_CONDS " (got %s)",
		    plan_desc(list, buf, sizeof buf));
		return NULL;
	}
	if (list->nkids > PLAN_CONDS_MAX) {
		plan_error(pp, list, "conditions: more than %d conditions; "
		    "split the plan into several", PLAN_CONDS_MAX);
		return NULL;
	}

	cs = xcalloc(list->nkids, sizeof *cs);
	pl->conds = xcalloc(list->nkids, sizeof *pl->conds);
	pl->nconds = list->nkids;
	for (i = 0; i < list->nkids; i++) {
		item = list->kids[i];
		if (item->type == NODE_BAD)
			continue;
		if (item->type != NODE_MAP) {
			plan_error(pp, item, "conditions: expected each condition "
			    "to be a mapping, like {name: cold, cache: cold, "
			    "runs: 10} (got %s)", plan_desc(item, buf, sizeof buf));
			continue;
		}
		cs[i].map = item;
		plan_condition(pp, &pl->conds[i], &cs[i],
		    top->key[KEY_UNTIL] != NULL || top->typo[KEY_UNTIL]);
	}

	/* Names must be unique; report each repeat at the later one. */
	for (i = 1; i < list->nkids; i++) {
		if (pl->conds[i].name == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (pl->conds[j].name != NULL &&
			    strcmp(pl->conds[j].name, pl->conds[i].name) == 0)
				break;
		}
		if (j == i)
			continue;
		ni = cs[i].val[KEY_NAME];
		nj = cs[j].val[KEY_NAME];
		plan_error(pp, ni, "name: duplicate condition name \"%s\" (first "
		    "at line %zu); give each condition its own name",
		    pl->conds[i].name, nj->line);
	}
	return cs;
}

/* Check the tree against format v1 and build the plan; NULL after any error. */
static struct plan *
plan_build(struct plan_parse *pp, const struct node *root)
{
	struct plan		*pl;
	struct plan_settings	 top, *cs;
	char			 buf[PLAN_DESC_SIZE];
	size_t			 i, nmaps = 0, nmissing = 0;

	if (root == NULL || (root->type == NODE_SCALAR && root->empty)) {
		plan_error_at(pp, root != NULL ? root->line : 1,
		    root != NULL ? root->col : 1, "empty plan; expected a "
		    "mapping with name, script and conditions");
		return NULL;
	}
	if (root->type == NODE_BAD)
		return NULL;
	if (root->type != NODE_MAP) {
		plan_error(pp, root, "expected a mapping with name, script and "
		    "conditions at the top level (got %s)",
		    plan_desc(root, buf, sizeof buf));
		return NULL;
	}

	memset(&top, 0, sizeof top);
	top.map = root;
	plan_fields(pp, &top, plan_top_keys, PLAN_NTOP_KEYS, 1);
	plan_settings_check(pp, &top);

	pl = xcalloc(1, sizeof *pl);
	plan_top(pp, pl, &top);
	plan_profiles(pp, &top);
	cs = plan_conditions(pp, pl, &top);

	/*
	 * A script must be set at the top or in every condition. When no
	 * condition sets one, the plan is missing it; else each condition
	 * without one is.
	 */
	if (top.key[KEY_SCRIPT] == NULL && !top.typo[KEY_SCRIPT]) {
		for (i = 0; cs != NULL && i < pl->nconds; i++) {
			if (cs[i].map == NULL)
				continue;
			nmaps++;
			if (cs[i].key[KEY_SCRIPT] == NULL &&
			    !cs[i].typo[KEY_SCRIPT])
				nmissing++;
		}
		if (nmissing == nmaps)
			plan_error(pp, root, "missing required key \"script\"; "
			    "add the path of the Python script to run");
		else {
			for (i = 0; i < pl->nconds; i++) {
				if (cs[i].map != NULL &&
				    cs[i].key[KEY_SCRIPT] == NULL &&
				    !cs[i].typo[KEY_SCRIPT])
					plan_error(pp, cs[i].map, "missing "
					    "required key \"script\"; add the "
					    "path of the Python script to run, "
					    "here or at the top level");
			}
		}
	}

	for (i = 0; cs != NULL && i < pl->nconds; i++) {
		if (cs[i].map != NULL)
			plan_fold(pp, &pl->conds[i], &top, &cs[i]);
	}
	for (i = 0; i < pl->nconds; i++)
		pl->conds[i].target = -1;
	if (cs != NULL) {
		/* Precision targets, the plan's and the conditions' (plan_until.c). */
		struct plan_until_in *in = xcalloc(pl->nconds, sizeof *in);

		for (i = 0; i < pl->nconds; i++)
			in[i] = (struct plan_until_in){ cs[i].map, cs[i].key[KEY_UNTIL],
			    cs[i].val[KEY_UNTIL], cs[i].key[KEY_RUNS], cs[i].typo[KEY_RUNS] };
		plan_until(pp, pl, top.key[KEY_UNTIL], top.val[KEY_UNTIL], in);
		free(in);
	}
	free(cs);

	/* One plan is queued in one transaction: its size is capped so that stays short. */
	if (pp->nerrs == 0) {
		size_t total = 0;

		for (i = 0; i < pl->nconds; i++)
			total += (size_t)(pl->conds[i].max_runs > pl->conds[i].runs ?
			    pl->conds[i].max_runs : pl->conds[i].runs) * (size_t)(pl->conds[i].then + 1) +
			    (size_t)pl->conds[i].warmup_runs + (size_t)pl->conds[i].importtime_runs;
		if (total > PLAN_MAX_TOTAL_RUNS)
			plan_error(pp, top.key[KEY_CONDITIONS], "conditions: the plan asks for %zu "
			    "runs in all (runs, each with its sequence, warmup_runs and "
			    "importtime_runs of every condition), more than %d; split it into "
			    "several plans", total, PLAN_MAX_TOTAL_RUNS);
	}

	if (pp->nerrs != 0) {
		plan_free(pl);
		return NULL;
	}
	return pl;
}

/* Parse a plan from YAML text; see plan.h. */
struct plan *
plan_parse(const char *text, size_t len, const char *path,
    const struct plan_check *check, char **cause)
{
	struct plan_parse	 pp;
	struct plan		*pl = NULL;
	struct node		*root;
	size_t			 n;

	if (cause != NULL)
		*cause = NULL;
	memset(&pp, 0, sizeof pp);
	pp.path = path != NULL ? path : "-";
	pp.what = "a plan";
	pp.dir = plan_dirname(pp.path);
	if (text == NULL)
		text = "";

	if (check != NULL) {
		pp.check_paths = check->check_paths;
		if (check->online_cpus != NULL) {
			/* Text read from sysfs ends in a newline: drop it. */
			n = strlen(check->online_cpus);
			while (n > 0 && (check->online_cpus[n - 1] == '\n' ||
			    check->online_cpus[n - 1] == ' '))
				n--;
			pp.online_text = xstrndup(check->online_cpus, n);
			pp.online = xmalloc(PLAN_CPU_MAX);
			if (plan_cpulist_scan(pp.online_text, n, pp.online,
			    PLAN_CPU_MAX, &(unsigned long){ 0 }) != 0) {
				free(pp.online);
				pp.online = NULL;
			}
		}
	}

	if (plan_read(&pp, text, len, &root) == 0) {
		pl = plan_build(&pp, root);
		node_free(root);
	}
	if (pl == NULL && pp.nerrs == 0)
		plan_error_at(&pp, 0, 0, "cannot read the plan");

	if (pl == NULL && cause != NULL)
		*cause = plan_errors_cause(&pp);
	plan_errors_clear(&pp);
	plan_named_free(&pp);
	free(pp.online);
	free(pp.online_text);
	free(pp.dir);
	return pl;
}

/* Free a plan and everything it holds. */
void
plan_free(struct plan *pl)
{
	struct plan_condition	*c;
	size_t			 i, j;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nconds; i++) {
		c = &pl->conds[i];
		free(c->name);
		free(c->python);
		free(c->script);
		for (j = 0; j < c->nargs; j++)
			free(c->args[j]);
		free(c->args);
		free(c->workdir);
		free(c->cpus);
		for (j = 0; j < c->nenv; j++) {
			free(c->env[j].key);
			free(c->env[j].value);
		}
		free(c->env);
		profile_free(c->profile);
	}
	free(pl->conds);
	plan_until_free(pl);
	for (i = 0; i < pl->nevict; i++)
		free(pl->evict[i]);
	free(pl->evict);
	free(pl->name);
	free(pl);
}

/* Append one run of a condition to runs at *n. */
static void
plan_expand_one(struct plan_run *runs, size_t *n, size_t cond, enum plan_run_kind kind,
    int position, int sequence, int importtime)
{
	runs[*n] = (struct plan_run){ cond, kind, position, sequence, importtime };
	(*n)++;
}

/* Append a condition's warm-up runs to runs at *n. */
static void
plan_expand_warmups(const struct plan *pl, size_t cond, struct plan_run *runs,
    size_t *n)
{
	for (int i = 0; i < pl->conds[cond].warmup_runs; i++)
		plan_expand_one(runs, n, cond, PLAN_RUN_WARMUP, -1, 0, 0);
}

/*
 * Append a condition's next unit of measured runs: one run, or for a
 * condition with `then: K` one whole sequence, positions 0 to K back to back
 * (nothing else may touch the cache in between). seq counts from 1.
 */
static void
plan_expand_unit(const struct plan *pl, size_t cond, int seq, struct plan_run *runs, size_t *n)
{
	const struct plan_condition *c = &pl->conds[cond];

	if (c->then == 0) {
		plan_expand_one(runs, n, cond, PLAN_RUN_MEASURED, -1, 0, 0);
		return;
	}
	for (int p = 0; p <= c->then; p++)
		plan_expand_one(runs, n, cond, PLAN_RUN_MEASURED, p, seq, 0);
}

/* Expand a plan into its ordered runs; see plan.h. */
size_t
plan_expand(const struct plan *pl, struct plan_run **runs)
{
	const struct plan_condition	*c;
	struct plan_run			*r;
	size_t				 total = 0, n = 0, left = 0, prof = 0, i;
	int				*done, j;

	*runs = NULL;
	if (pl == NULL || pl->nconds == 0)
		return 0;
	for (i = 0; i < pl->nconds; i++) {
		c = &pl->conds[i];
		if (c->runs > 0)
			left += (size_t)c->runs;
		total += (size_t)c->runs * (size_t)(c->then + 1) + (size_t)c->warmup_runs;
		prof += (size_t)c->importtime_runs;
	}
	total += prof;
	if (total == 0)
		return 0;
	r = xcalloc(total, sizeof *r);

	done = xcalloc(pl->nconds, sizeof *done);
	if (pl->order == PLAN_ORDER_BLOCKED) {
		for (i = 0; i < pl->nconds; i++) {
			plan_expand_warmups(pl, i, r, &n);
			for (j = 0; j < pl->conds[i].runs; j++)
				plan_expand_unit(pl, i, j + 1, r, &n);
		}
	} else {
		/* Round-robin, skipping conditions whose runs are all done. */
		while (left > 0) {
			for (i = 0; i < pl->nconds; i++) {
				if (done[i] >= pl->conds[i].runs)
					continue;
				if (done[i] == 0)
					plan_expand_warmups(pl, i, r, &n);
				plan_expand_unit(pl, i, ++done[i], r, &n);
				left--;
			}
		}
	}
	/* The importtime runs last, in turn, so they disturb no measured run. */
	memset(done, 0, pl->nconds * sizeof *done);
	while (prof > 0) {
		for (i = 0; i < pl->nconds; i++) {
			if (done[i] >= pl->conds[i].importtime_runs)
				continue;
			plan_expand_one(r, &n, i, PLAN_RUN_WARMUP, -1, 0, 1);
			done[i]++;
			prof--;
		}
	}
	free(done);
	*runs = r;
	return n;
}

/* Name a cache state as the plan spells it. */
const char *
plan_cache_name(enum plan_cache cache)
{
	switch (cache) {
	case PLAN_CACHE_COLD:
		return "cold";
	case PLAN_CACHE_WARM:
		return "warm";
	case PLAN_CACHE_NONE:
		return "none";
	}
	return "unknown";
}

/* Name a cold method as the plan spells it. */
const char *
plan_cold_method_name(enum plan_cold_method method)
{
	switch (method) {
	case PLAN_COLD_TARGETED:
		return "targeted";
	case PLAN_COLD_SYSTEM:
		return "system";
	}
	return "unknown";
}

/* Name a kind of run. */
const char *
plan_run_kind_name(enum plan_run_kind kind)
{
	switch (kind) {
	case PLAN_RUN_PROBE:
		return "probe";
	case PLAN_RUN_WARMUP:
		return "warmup";
	case PLAN_RUN_MEASURED:
		return "measured";
	}
	return "unknown";
}

/* Parse a taskset CPU list into set[0..max); see plan.h. */
int
plan_cpulist_parse(const char *list, unsigned char *set, size_t max)
{
	unsigned long	bad;

	if (list == NULL)
		return -1;
	return plan_cpulist_scan(list, strlen(list), set, max, &bad) == 0 ?
	    0 : -1;
}

/* What plan_until.c reaches of this file (plan_node.h). */

/* Record an error at the start of a node, for plan_until.c. */
void
plan_node_error(struct plan_parse *pp, const struct node *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	plan_verror(pp, n->line, n->col, fmt, ap);
	va_end(ap);
}

/* Describe what a node holds, for plan_until.c. */
const char *
plan_node_desc(const struct node *n, char *buf, size_t size)
{
	return plan_desc(n, buf, size);
}

/* Read a decimal integer from min to max, for plan_until.c. */
int
plan_node_int(struct plan_parse *pp, const char *key, const struct node *n, int min, int max,
    int *out)
{
	return plan_int(pp, key, n, min, max, out);
}

/* Edit distance, for plan_until.c's "did you mean". */
size_t
plan_node_distance(const char *a, const char *b)
{
	return plan_distance(a, b);
}
