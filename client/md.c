/* md.c: Markdown text and tables for a pull request's comment, escaped and lined up. */
#include "md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* A table: its rows of cells, the first one the header. */
struct md_table {
	char	*align;		/* 'l' or 'r' per column */
	size_t	 ncols;
	char	***rows;	/* rows[r][c], Markdown */
	size_t	 nrows;
};

/* A copy of s that Markdown shows as it is. */
char *
md_escape(const char *s)
{
	static const char special[] = "\\`*_[]<>|#~";
	size_t n = 0;
	char *out;

	if (s == NULL)
		s = "";
	out = xmalloc(2 * strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			out[n++] = ' ';
		else {
			if (strchr(special, *s) != NULL)
				out[n++] = '\\';
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return out;
}

/* s as inline code, or escaped when it cannot be. */
char *
md_code(const char *s)
{
	char *out;

	if (s == NULL || *s == '\0')
		return xstrdup("");
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '`' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return md_escape(s);
	}
	xasprintf(&out, "`%s`", s);
	return out;
}

/* How many columns a UTF-8 string takes, one per character. */
static size_t
md_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A new table with one column per character of align. */
struct md_table *
md_table_create(const char *align)
{
	struct md_table *t = xcalloc(1, sizeof *t);

	t->align = xstrdup(align);
	t->ncols = strlen(align);
	if (t->ncols == 0)
		fatalx("md_table_create: a table needs a column");
	return t;
}

/* Add a row, escaping its cells or not. */
static void
md_table_push(struct md_table *t, const char *const *cells, int escape)
{
	char **row = xcalloc(t->ncols, sizeof *row);

	for (size_t c = 0; c < t->ncols; c++) {
		const char *v = cells[c] != NULL ? cells[c] : "";

		row[c] = escape ? md_escape(v) : xstrdup(v);
	}
	t->rows = xreallocarray(t->rows, t->nrows + 1, sizeof *t->rows);
	t->rows[t->nrows++] = row;
}

/* Add a row of plain text. */
void
md_table_add(struct md_table *t, const char *const *cells)
{
	md_table_push(t, cells, 1);
}

/* Add a row of Markdown. */
void
md_table_add_raw(struct md_table *t, const char *const *cells)
{
	md_table_push(t, cells, 0);
}

/* Write one cell padded to width, on the side its column aligns away from. */
static void
md_cell(FILE *f, const char *s, size_t width, char align)
{
	size_t pad = width - md_width(s);

	if (align == 'r')
		fprintf(f, " %*s%s |", (int)pad, "", s);
	else
		fprintf(f, " %s%*s |", s, (int)pad, "");
}

/* The table as Markdown. */
char *
md_table_render(const struct md_table *t)
{
	size_t *width = xcalloc(t->ncols, sizeof *width), size = 0;
	char *out = NULL;
	FILE *f;

	if ((f = open_memstream(&out, &size)) == NULL)
		fatal("open_memstream");
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = md_width(t->rows[r][c]);

			width[c] = w > width[c] ? w : width[c];
		}
	}
	for (size_t c = 0; c < t->ncols; c++)
		width[c] = width[c] < 3 ? 3 : width[c];	/* room for ":--" */
	for (size_t r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++)
			md_cell(f, t->rows[r][c], width[c], t->align[c]);
		fputc('\n', f);
		if (r > 0)
			continue;
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++) {
			fputc(' ', f);
			fputc(t->align[c] == 'r' ? '-' : ':', f);
			for (size_t k = 2; k < width[c]; k++)
				fputc('-', f);
			fputs(t->align[c] == 'r' ? ":" : "-", f);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	free(width);
	return out;
}

/* Free a table. */
void
md_table_free(struct md_table *t)
{
	if (t == NULL)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->align);
	free(t);
}
