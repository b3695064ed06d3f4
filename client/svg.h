/*
 * svg.h: a small SVG writer for benchctl's report: shapes, escaped text,
 * tooltips, and linear scales with round ("nice") ticks.
 *
 * It writes inline SVG for an HTML page (no xmlns, no scripts, nothing
 * fetched). attrs arguments are raw attributes written as given
 * ('fill="#abc" class="median"'): only ever the caller's own constants and
 * numbers, never text from the database, which goes through svg_text,
 * svg_group's title or svg_escape.
 */
#ifndef BENCHD_SVG_H
#define BENCHD_SVG_H

#include <stdio.h>

struct svg;

/* A linear map of the domain [d0, d1] onto the range [r0, r1], with its tick step. */
struct svg_scale {
	double	d0;
	double	d1;
	double	r0;
	double	r1;
	double	step;	/* between ticks, a round number: 1, 2 or 5 times a power of ten */
};

/* Start an <svg> of the given size on f; cls and label (aria-label) may be NULL. */
struct svg	*svg_open(FILE *f, double width, double height, const char *cls,
		    const char *label);
/* End the <svg>; every group must be closed. */
void		 svg_close(struct svg *);

void		 svg_rect(struct svg *, double x, double y, double w, double h,
		    const char *attrs);
void		 svg_line(struct svg *, double x1, double y1, double x2, double y2,
		    const char *attrs);
void		 svg_circle(struct svg *, double cx, double cy, double r, const char *attrs);
/* Text at (x, y), printf-style, escaped. */
void		 svg_text(struct svg *, double x, double y, const char *attrs,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Open a <g> whose escaped title is the tooltip of everything in it (title may be NULL). */
void		 svg_group(struct svg *, const char *attrs, const char *title);
void		 svg_group_end(struct svg *);
/* Copy raw markup (a <defs> block, say) into the drawing. */
void		 svg_raw(struct svg *, const char *markup);

/* Write s with &, <, >, " and ' escaped, for SVG and HTML alike. */
void		 svg_escape(FILE *, const char *s);

/*
 * A scale from [lo, hi] widened to round numbers with about ticks ticks, onto
 * [r0, r1] (r0 > r1 for a y axis drawn upwards).
 */
void		 svg_scale_nice(struct svg_scale *, double lo, double hi, double r0,
		    double r1, int ticks);
/* Where v falls in the range. */
double		 svg_scale_map(const struct svg_scale *, double v);
/* The ticks' count; tick i is d0 + i * step. */
int		 svg_scale_nticks(const struct svg_scale *);
/* The decimals a tick label needs to show the step. */
int		 svg_scale_decimals(const struct svg_scale *);

#endif
