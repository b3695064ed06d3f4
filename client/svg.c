/* svg.c: a small SVG writer: shapes, escaped text, tooltips, linear scales with round ticks. */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "log.h"
#include "xmalloc.h"

/* A drawing being written. */
struct svg {
	FILE	*f;
	int	 depth;		/* open groups */
};

/* Start an <svg> element. */
struct svg *
svg_open(FILE *f, double width, double height, const char *cls, const char *label)
{
	struct svg *svg = xcalloc(1, sizeof *svg);

	svg->f = f;
	fprintf(f, "<svg");
	if (cls != NULL) {
		fputs(" class=\"", f);
		svg_escape(f, cls);
		fputc('"', f);
	}
	fprintf(f, " width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\"",
	    width, height, width, height);
	if (label != NULL) {
		fputs(" aria-label=\"", f);
		svg_escape(f, label);
		fputc('"', f);
	}
	fputs(">\n", f);
	return svg;
}

/* End the <svg> and free the writer. */
void
svg_close(struct svg *svg)
{
	if (svg->depth != 0)
		fatalx("svg_close: %d group(s) left open", svg->depth);
	fputs("</svg>\n", svg->f);
	free(svg);
}

/* Write an element's extra attributes, if any. */
static void
svg_attrs(struct svg *svg, const char *attrs)
{
	if (attrs != NULL && *attrs != '\0')
		fprintf(svg->f, " %s", attrs);
}

/* A rectangle; a negative size is drawn from the other corner. */
void
svg_rect(struct svg *svg, double x, double y, double w, double h, const char *attrs)
{
	if (w < 0) {
		x += w;
		w = -w;
	}
	if (h < 0) {
		y += h;
		h = -h;
	}
	fprintf(svg->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y,
	    w, h);
	svg_attrs(svg, attrs);
	fputs("/>\n", svg->f);
}

/* A line. */
void
svg_line(struct svg *svg, double x1, double y1, double x2, double y2, const char *attrs)
{
	fprintf(svg->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2,
	    y2);
	svg_attrs(svg, attrs);
	fputs("/>\n", svg->f);
}

/* A circle. */
void
svg_circle(struct svg *svg, double cx, double cy, double r, const char *attrs)
{
	fprintf(svg->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", cx, cy, r);
	svg_attrs(svg, attrs);
	fputs("/>\n", svg->f);
}

/* Escaped text. */
void
svg_text(struct svg *svg, double x, double y, const char *attrs, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	fprintf(svg->f, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	svg_attrs(svg, attrs);
	fputc('>', svg->f);
	svg_escape(svg->f, s);
	fputs("</text>\n", svg->f);
	free(s);
}

/* Open a group with a tooltip. */
void
svg_group(struct svg *svg, const char *attrs, const char *title)
{
	fputs("<g", svg->f);
	svg_attrs(svg, attrs);
	fputc('>', svg->f);
	if (title != NULL) {
		fputs("<title>", svg->f);
		svg_escape(svg->f, title);
		fputs("</title>", svg->f);
	}
	fputc('\n', svg->f);
	svg->depth++;
}

/* Close the innermost group. */
void
svg_group_end(struct svg *svg)
{
	if (svg->depth == 0)
		fatalx("svg_group_end: no group is open");
	svg->depth--;
	fputs("</g>\n", svg->f);
}

/* Copy raw markup. */
void
svg_raw(struct svg *svg, const char *markup)
{
	fputs(markup, svg->f);
}

/* Write s escaped for markup. */
void
svg_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
			break;
		}
	}
}

/*
 * Widen [lo, hi] to multiples of a round step giving about ticks intervals:
 * the rough step is rounded to 1, 2 or 5 times a power of ten (Heckbert's
 * "nice numbers" for graph labels).
 */
void
svg_scale_nice(struct svg_scale *sc, double lo, double hi, double r0, double r1, int ticks)
{
	double rough, mag, norm, step;

	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi < lo) {
		double t = lo;

		lo = hi;
		hi = t;
	}
	if (hi == lo)
		hi = lo == 0 ? 1 : lo + fabs(lo) * 0.1;
	rough = (hi - lo) / (ticks > 0 ? ticks : 1);
	mag = pow(10, floor(log10(rough)));
	norm = rough / mag;
	if (norm < 1.5)
		step = mag;
	else if (norm < 3)
		step = 2 * mag;
	else if (norm < 7)
		step = 5 * mag;
	else
		step = 10 * mag;
	sc->d0 = floor(lo / step + 1e-9) * step;
	sc->d1 = ceil(hi / step - 1e-9) * step;
	sc->r0 = r0;
	sc->r1 = r1;
	sc->step = step;
}

/* Map v from the domain to the range. */
double
svg_scale_map(const struct svg_scale *sc, double v)
{
	if (sc->d1 == sc->d0)
		return sc->r0;
	return sc->r0 + (v - sc->d0) / (sc->d1 - sc->d0) * (sc->r1 - sc->r0);
}

/* How many ticks, both ends included. */
int
svg_scale_nticks(const struct svg_scale *sc)
{
	return (int)floor((sc->d1 - sc->d0) / sc->step + 0.5) + 1;
}

/* Decimals for tick labels: none for a step of 1 or more, one for 0.5 or 0.1, ... */
int
svg_scale_decimals(const struct svg_scale *sc)
{
	int d = (int)ceil(-log10(sc->step) - 1e-9);

	return d > 0 ? d : 0;
}
