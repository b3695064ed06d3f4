/*
 * md.h: Markdown for a pull request's comment (GitHub's flavour): text made
 * literal, and tables whose columns line up in the raw text too. Pure: each
 * function returns a string and prints nothing.
 */
#ifndef BENCHD_MD_H
#define BENCHD_MD_H

struct md_table;

/*
 * A copy of s that Markdown shows as it is: its punctuation that Markdown
 * reads (\ ` * _ [ ] < > | # ~) escaped with a backslash, control characters
 * (a line break too) made spaces. NULL is "". The caller frees it.
 */
char		*md_escape(const char *s);

/*
 * s as inline code ("`import_torch`"), for the names of stages, conditions
 * and plans; escaped text instead when s holds a backtick or a control
 * character. The caller frees it.
 */
char		*md_code(const char *s);

/*
 * A new table, one column per character of align: 'l' left, 'r' right. Its
 * first row added is its header.
 */
struct md_table	*md_table_create(const char *align);
/* Add a row of as many cells as the table has columns (NULL is empty), each escaped. */
void		 md_table_add(struct md_table *, const char *const *cells);
/* Add a row whose cells are Markdown already (bold, code), not escaped. */
void		 md_table_add_raw(struct md_table *, const char *const *cells);
/* The table as Markdown lines, each column padded to its widest cell; the caller frees it. */
char		*md_table_render(const struct md_table *);
void		 md_table_free(struct md_table *);

#endif
