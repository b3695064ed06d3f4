/* report.c: "benchctl report": a plan as one HTML page: comparisons, stage plots, timeline, machine. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "modules.h"
#include "planref.h"
#include "pull.h"
#include "profiles.h"
#include "svg.h"
#include "targets.h"
#include "warming.h"
#include "xmalloc.h"

/* The page's width for content, and the stage plots' size (three to a row). */
#define REPORT_WIDTH		1100
#define REPORT_PLOT_W		360
#define REPORT_PLOT_H		270
#define REPORT_TIMELINE_H	300

/* What every part of the page needs. */
struct report {
	FILE			*f;
	const struct analysis	*a;
	const struct db_plan	*p;
	const char		*db_path;
	struct profiles_cond	*profiles;	/* each condition's device profile and group */
};

/* The style sheet: the only styling, inline; fonts are the system's. */
static const char report_css[] =
    "body{font:14px/1.45 \"DejaVu Sans\",system-ui,sans-serif;color:#1f2328;"
    "margin:20px 28px;max-width:1100px}\n"
    "h1{font-size:22px;margin:0 0 4px}h1 small{color:#57606a;font-weight:normal}\n"
    "h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #d0d7de;"
    "padding-bottom:3px}\n"
    "h3{font-size:14px;margin:14px 0 4px}\n"
    ".meta{color:#57606a;margin:2px 0}p.stop{margin:2px 0 4px}\n"
    ".answer{background:#f6f8fa;border-left:4px solid #1f6feb;padding:8px 14px;"
    "margin:12px 0}\n"
    ".answer p{margin:3px 0}.answer .line{font-size:15px}\n"
    ".answer b{display:inline-block;min-width:142px}\n"
    ".warn{color:#9a3412}\n"
    "p.small{font-size:12.5px;margin:0 0 4px 146px}\n"
    "p.small span+span::before{content:\"; \"}\n"
    ".warn::before{content:\"\\26A0  \"}\n"
    "ul.warnings{margin:4px 0;padding-left:18px}\n"
    "table{border-collapse:collapse;font-size:12.5px;margin:4px 0 10px}\n"
    "th,td{padding:2px 8px;border-bottom:1px solid #eaeef2;text-align:right;"
    "white-space:nowrap}\n"
    "th{background:#f6f8fa;font-weight:600}\n"
    "td.l,th.l{text-align:left}td.w{white-space:normal;text-align:left;color:#9a3412;"
    "max-width:420px}\n"
    "tr.nc td{color:#8c959f}\n"
    "div.wide{overflow-x:auto}\n"
    ".plots{display:flex;flex-wrap:wrap;gap:8px}\n"
    ".caption{color:#57606a;font-size:12.5px;margin:2px 0 8px}\n"
    "svg text{font-family:\"DejaVu Sans\",system-ui,sans-serif}\n"
    "footer{color:#8c959f;font-size:12px;margin-top:24px}\n";

/* Print printf output to the page as is (only for markup and numbers). */
static void __attribute__((format(printf, 2, 3)))
report_printf(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
}

/* Print text to the page, escaped. */
static void
report_text(struct report *r, const char *s)
{
	svg_escape(r->f, s != NULL ? s : "");
}

/* Print printf output to the page, escaped. */
static void __attribute__((format(printf, 2, 3)))
report_textf(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	svg_escape(r->f, s);
	free(s);
}

/* The hue of a condition: cold blue, warm orange, others from a small palette. */
static int
report_hue(const struct report *r, size_t c)
{
	static const int palette[] = { 145, 275, 330, 48, 185, 0 };
	const char *cache = r->a->conds[c].cache;

	if (strcmp(cache, "cold") == 0)
		return 215;
	if (strcmp(cache, "warm") == 0)
		return 24;
	return palette[c % (sizeof palette / sizeof palette[0])];
}

/* The index of a condition by name, or 0. */
static size_t
report_cond(const struct report *r, const char *name)
{
	for (size_t c = 0; c < r->a->nconds; c++) {
		if (strcmp(r->a->conds[c].name, name) == 0)
			return c;
	}
	return 0;
}

/* Whether a run was the latest attempt of its seq, measured and ok: counted in the numbers. */
static int
report_counted(const struct db_plan *p, size_t i)
{
	const struct db_run *run = &p->runs[i];

	return strcmp(run->kind, "measured") == 0 && strcmp(run->state, "ok") == 0 &&
	    (i + 1 == p->nruns || p->runs[i + 1].seq != run->seq);
}

/* Whether a run's cache state contradicts its condition (cold but cached, warm but not). */
static int
report_resident_bad(const struct db_run *run)
{
	return analysis_cache_met(run->cache_policy, run->resident_before_pct) == 0;
}

/* Print the warnings of a condition and metric as list items (named: with the condition). */
static void
report_warnings_li(struct report *r, int cond, int metric, int named)
{
	const struct analysis_warning *w;
	size_t iter = 0;

	while ((w = analysis_next_warning(r->a, cond, metric, &iter)) != NULL) {
		report_printf(r, "<li class=\"warn\">");
		if (named && cond >= 0)
			report_textf(r, "%s: ", r->a->conds[cond].name);
		report_text(r, w->text);
		report_printf(r, "</li>\n");
	}
}

/* Print the warnings of a condition and metric on one line, after the condition's name. */
static void
report_warnings_inline(struct report *r, int cond, int metric)
{
	const struct analysis_warning *w;
	size_t iter = 0;

	while ((w = analysis_next_warning(r->a, cond, metric, &iter)) != NULL) {
		report_printf(r, "<span>");
		report_textf(r, "%s: %s", r->a->conds[cond].name, w->text);
		report_printf(r, "</span>");
	}
}

/* Whether a condition and metric have any warnings. */
static int
report_has_warnings(const struct report *r, int cond, int metric)
{
	size_t iter = 0;

	return analysis_next_warning(r->a, cond, metric, &iter) != NULL;
}

/* The title, the plan's state and the machine. */
static void
report_head(struct report *r)
{
	const struct db_plan *p = r->p;
	const struct analysis *a = r->a;
	const char *governor = NULL, *cpus = NULL, *v;
	char when[32], span[32];

	for (size_t i = 0; i < p->nruns; i++) {
		if (governor == NULL)
			governor = p->runs[i].cpu_governor;
		if (cpus == NULL)
			cpus = p->runs[i].cpus;
	}
	report_printf(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>");
	report_textf(r, "benchd plan %s: %s", p->ref, p->name);
	report_printf(r, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", report_css);
	report_printf(r, "<h1>");
	report_text(r, p->name);
	report_printf(r, " <small>plan ");
	report_text(r, p->ref);
	report_printf(r, "</small></h1>\n");

	fmt_time(p->submitted_at, when, sizeof when);
	report_printf(r, "<p class=\"meta\">");
	report_textf(r, "%s: %zu of %zu measured runs ok; submitted %s", p->state,
	    a->measured_ok, a->measured_total, when);
	if (!isnan(p->finished_at)) {
		fmt_span(p->finished_at - p->submitted_at, span, sizeof span);
		report_textf(r, ", took %s", span);
	}
	report_textf(r, "; %s", p->source_path);
	report_printf(r, "</p>\n<p class=\"meta\">");
	if (a->info_run == NULL)
		report_text(r, "no runtime info printed");
	else {
		for (size_t k = 0, n = 0; k < ANALYSIS_NINFO_KEYS; k++) {
			if ((v = db_run_info(a->info_run, analysis_info_keys[k])) != NULL) {
				report_textf(r, "%s%s %s", n++ > 0 ? ", " : "",
				    analysis_info_keys[k], v);
			}
		}
	}
	report_textf(r, "; cpus %s; governor %s", cpus != NULL ? cpus : "not pinned",
	    governor != NULL ? governor : "unknown");
	report_printf(r, "</p>\n");
}

/* A condition's name, and its device profile's when it has one. */
static void
report_cond_name(struct report *r, size_t c)
{
	const char *profile = profiles_name(&r->profiles[c]);

	report_text(r, r->a->conds[c].name);
	if (profile != NULL && strcmp(profile, "inline") == 0)
		report_printf(r, " (a profile of its own)");
	else if (profile != NULL)
		report_textf(r, " (profile %s)", profile);
}

/* A condition's device profile as the kernel held its runs, and what its group counted. */
static void
report_profile(struct report *r, size_t c)
{
	const struct profiles_cond *pc = &r->profiles[c];
	char *lines[4] = { profiles_limits_text(pc), profiles_counters_text(pc),
	    profiles_differ_text(pc), profiles_oom_text(pc) };

	for (int i = 0; i < 4; i++) {
		if (lines[i] == NULL)
			continue;
		report_printf(r, "<p class=\"%s\">", i < 2 ? "meta" : "warn");
		report_text(r, lines[i]);
		report_printf(r, "</p>\n");
		free(lines[i]);
	}
}

/* The answer first: each pair's medians, difference, interval and p, with warnings. */
static void
report_answer(struct report *r)
{
	const struct analysis *a = r->a;
	char ma[32], mb[32], diff[160], pv[32];
	int any;

	if (a->npairs == 0) {
		report_printf(r, "<div class=\"answer\"><p>One condition only: nothing to "
		    "compare. Its numbers are below.</p></div>\n");
	}
	for (size_t k = 0; k < a->npairs; k++) {
		const struct analysis_pair *pair = &a->pairs[k];
		const char *na = a->conds[pair->a].name, *nb = a->conds[pair->b].name;

		report_printf(r, "<div class=\"answer\">\n<h3>");
		report_cond_name(r, pair->a);
		report_printf(r, " vs ");
		report_cond_name(r, pair->b);
		report_printf(r, "</h3>\n<p class=\"caption\">Medians over measured runs that "
		    "ended ok; the difference of medians; the 95%% confidence interval for "
		    "the shift (Hodges-Lehmann/Moses); Mann-Whitney two-sided p.</p>\n");
		for (size_t m = 0; m < a->nmetrics; m++) {
			const struct stats_compare *c = &pair->cmp[m];

			fmt_medians(c, a->units[m], ma, mb, sizeof ma);
			fmt_diff(c, a->units[m], 0, diff, sizeof diff);
			fmt_p(c->p, pv, sizeof pv);
			report_printf(r, "<p class=\"line\"><b>");
			report_text(r, a->metrics[m]);
			report_printf(r, "</b> ");
			report_textf(r, "%s %s vs %s %s, %s, %s", na, ma, nb, mb, diff, pv);
			report_printf(r, "</p>\n");
			if (report_has_warnings(r, (int)pair->a, (int)m) ||
			    report_has_warnings(r, (int)pair->b, (int)m)) {
				report_printf(r, "<p class=\"warn small\">");
				report_warnings_inline(r, (int)pair->a, (int)m);
				report_warnings_inline(r, (int)pair->b, (int)m);
				report_printf(r, "</p>\n");
			}
		}
		report_printf(r, "</div>\n");
	}
	/* Then what concerns the plan or a whole condition. */
	any = report_has_warnings(r, -1, -1);
	for (size_t c = 0; c < a->nconds && !any; c++)
		any = report_has_warnings(r, (int)c, -1);
	if (any) {
		report_printf(r, "<ul class=\"warnings\">\n");
		report_warnings_li(r, -1, -1, 0);
		for (size_t c = 0; c < a->nconds; c++)
			report_warnings_li(r, (int)c, -1, 1);
		report_printf(r, "</ul>\n");
	}
}

/* Draw a y axis: grid lines, tick labels in the shown unit, and its title. */
static void
report_yaxis(struct svg *svg, const struct svg_scale *sc, double factor, double x0,
    double x1, const char *title)
{
	int n = svg_scale_nticks(sc), dec = svg_scale_decimals(sc);
	double top = svg_scale_map(sc, sc->d1), bottom = svg_scale_map(sc, sc->d0);
	char attrs[160];

	for (int i = 0; i < n; i++) {
		double v = sc->d0 + i * sc->step, y = svg_scale_map(sc, v);

		svg_line(svg, x0, y, x1, y, i == 0 ? "stroke=\"#8c959f\"" :
		    "stroke=\"#eaeef2\"");
		svg_text(svg, x0 - 5, y + 4, "font-size=\"11\" text-anchor=\"end\" "
		    "fill=\"#57606a\"", "%.*f", dec, v * factor);
	}
	svg_line(svg, x0, top, x0, bottom, "stroke=\"#8c959f\"");
	snprintf(attrs, sizeof attrs, "font-size=\"11\" text-anchor=\"middle\" "
	    "fill=\"#57606a\" transform=\"rotate(-90 14 %.1f)\"", (top + bottom) / 2);
	svg_text(svg, 14, (top + bottom) / 2, attrs, "%s", title);
}

/* The fractional part of x, for deterministic jitter. */
static double
report_frac(double x)
{
	return x - floor(x);
}

/* One stage's plot: each condition's runs as jittered points, their median and its 95% CI. */
static void
report_stage_plot(struct report *r, size_t m)
{
	const struct analysis *a = r->a;
	const double left = 58, w = REPORT_PLOT_W, h = REPORT_PLOT_H, bottom = 44;
	/* Two conditions leave room for the medians' labels at the right, more above. */
	const double right = a->nconds <= 2 ? 52 : 12, top = a->nconds <= 2 ? 64 : 78;
	double hi = 0, factor, band;
	const char *shown;
	struct svg_scale sc;
	struct svg *svg;
	char label[64], attrs[160], title[256], buf[32], diff[160], pv[32];
	int decimals;

	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cell *cell = &a->conds[c].cells[m];

		for (size_t i = 0; i < cell->n; i++)
			hi = fmax(hi, cell->values[i]);
		if (cell->s.has_ci)
			hi = fmax(hi, cell->s.ci_hi);
	}
	/* The axis in the unit shown: seconds below one become milliseconds. */
	fmt_scale(hi, a->units[m], &factor, &shown, &decimals);
	svg_scale_nice(&sc, 0, hi * factor, h - bottom, top, 5);
	snprintf(label, sizeof label, "%s, per run (%s)", a->metrics[m], shown);
	svg = svg_open(r->f, w, h, "stage-plot", label);
	svg_text(svg, 8, 18, "font-size=\"14\" font-weight=\"bold\"", "%s", a->metrics[m]);
	if (a->npairs > 0) {
		const struct stats_compare *c = &a->pairs[0].cmp[m];

		fmt_diff(c, a->units[m], 1, diff, sizeof diff);
		fmt_p(c->p, pv, sizeof pv);
		svg_text(svg, 8, 36, "font-size=\"11.5\" fill=\"#1f2328\"", "%s \xe2\x88\x92 %s "
		    "(medians), %s", a->conds[a->pairs[0].a].name,
		    a->conds[a->pairs[0].b].name, pv);
		svg_text(svg, 8, 51, "font-size=\"11.5\" fill=\"#1f2328\"", "%s", diff);
	}
	report_yaxis(svg, &sc, 1, left, w - right, shown);

	band = (w - left - right) / (a->nconds > 0 ? a->nconds : 1);
	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cell *cell = &a->conds[c].cells[m];
		double cx = left + band * (c + 0.5), half = fmin(band * 0.3, 56);
		int hue = report_hue(r, c);

		if (cell->s.has_ci) {
			snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,50%%)\" "
			    "fill-opacity=\"0.13\" stroke=\"hsl(%d,60%%,60%%)\" "
			    "stroke-dasharray=\"3 2\"", hue, hue);
			snprintf(title, sizeof title, "%s: 95%% CI of the median",
			    a->conds[c].name);
			svg_group(svg, NULL, title);
			svg_rect(svg, cx - half, svg_scale_map(&sc, cell->s.ci_hi * factor),
			    2 * half, svg_scale_map(&sc, cell->s.ci_lo * factor) -
			    svg_scale_map(&sc, cell->s.ci_hi * factor), attrs);
			svg_group_end(svg);
		}
		for (size_t i = 0; i < cell->n; i++) {
			double jx = (report_frac(i * 0.618034 + 0.3) - 0.5) * 1.4 * half;
			double y = svg_scale_map(&sc, cell->values[i] * factor);

			fmt_value(cell->values[i], a->units[m], 0, buf, sizeof buf);
			snprintf(title, sizeof title, "run %lld (%s): %s%s", cell->run_ids[i],
			    a->conds[c].name, buf, cell->outlier[i] ?
			    "; outlier, more than 3 MADs from the median" : "");
			svg_group(svg, NULL, title);
			snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,45%%)\" "
			    "fill-opacity=\"0.8\" stroke=\"#fff\" stroke-width=\"0.8\"", hue);
			svg_circle(svg, cx + jx, y, 4, attrs);
			if (cell->outlier[i]) {
				svg_circle(svg, cx + jx, y, 7, "fill=\"none\" stroke=\"#cf222e\" "
				    "stroke-width=\"1.5\"");
			}
			svg_group_end(svg);
		}
		if (!isnan(cell->s.median)) {
			double y = svg_scale_map(&sc, cell->s.median * factor);

			fmt_value(cell->s.median, a->units[m], 0, buf, sizeof buf);
			snprintf(title, sizeof title, "%s: median %s", a->conds[c].name, buf);
			svg_group(svg, NULL, title);
			snprintf(attrs, sizeof attrs, "stroke=\"hsl(%d,75%%,28%%)\" "
			    "stroke-width=\"3\" stroke-linecap=\"round\"", hue);
			svg_line(svg, cx - half, y, cx + half, y, attrs);
			svg_group_end(svg);
			if (a->nconds <= 2) {
				snprintf(attrs, sizeof attrs, "font-size=\"11\" "
				    "fill=\"hsl(%d,75%%,28%%)\"", hue);
				svg_text(svg, cx + half + 3, y + 4, attrs, "%s", buf);
			} else {
				/* No room beside it: above the highest point or interval. */
				double ytop = y;

				for (size_t i = 0; i < cell->n; i++)
					ytop = fmin(ytop, svg_scale_map(&sc, cell->values[i] * factor));
				if (cell->s.has_ci)
					ytop = fmin(ytop, svg_scale_map(&sc, cell->s.ci_hi * factor));
				snprintf(attrs, sizeof attrs, "font-size=\"11\" "
				    "text-anchor=\"middle\" fill=\"hsl(%d,75%%,28%%)\"", hue);
				svg_text(svg, cx, ytop - 11, attrs, "%s", buf);
			}
		}
		snprintf(attrs, sizeof attrs, "font-size=\"12\" text-anchor=\"middle\" "
		    "font-weight=\"bold\" fill=\"hsl(%d,75%%,30%%)\"", hue);
		svg_text(svg, cx, h - bottom + 17, attrs, "%s", a->conds[c].name);
		svg_text(svg, cx, h - bottom + 32, "font-size=\"11\" text-anchor=\"middle\" "
		    "fill=\"#57606a\"", cell->s.has_ci || cell->n == 0 ? "n=%zu" :
		    "n=%zu, no CI (n<6)", cell->n);
	}
	svg_close(svg);
}

/* All the stage plots, with their legend. */
static void
report_plots(struct report *r)
{
	report_printf(r, "<h2>Per stage</h2>\n<p class=\"caption\">Each dot is a measured "
	    "run that ended ok (spread sideways so they do not overlap); the thick line is "
	    "the median, the dashed box its 95%% confidence interval (none below 6 runs), a "
	    "red ring an outlier (more than 3 MADs from the median). Hover for the run "
	    "ids.</p>\n<div class=\"plots\">\n");
	for (size_t m = 0; m < r->a->nmetrics; m++)
		report_stage_plot(r, m);
	report_printf(r, "</div>\n");
}

/*
 * The colour of the timeline's stage k (counting the stages but total): one
 * of a palette of distinct hues (Okabe and Ito's, told apart with the common
 * colour blindnesses too), the same in every condition; the conditions are
 * told apart by the background of their bars and the band under them.
 */
static const char *
report_stage_colour(size_t k)
{
	static const char *const palette[] = { "#0072b2", "#e69f00", "#009e73", "#cc79a7",
	    "#56b4e9", "#d55e00", "#f0e442", "#000000" };

	return palette[k % (sizeof palette / sizeof palette[0])];
}

/* A run's label under the timeline: what it was when it does not count. */
static const char *
report_run_note(const struct db_plan *p, size_t i)
{
	const struct db_run *run = &p->runs[i];

	if (strcmp(run->state, "ok") != 0)
		return run->state;
	if (strcmp(run->kind, "probe") == 0)
		return "probe";
	if (strcmp(run->kind, "warmup") == 0)
		return "warm-up";
	if (!report_counted(p, i))
		return "retried";
	return NULL;
}

/*
 * The timeline's legend: a swatch per stage, each its own colour, then a
 * swatch per condition (its bars' background and band); returns where it
 * ends.
 */
static double
report_timeline_legend(struct report *r, struct svg *svg, double y)
{
	const struct db_plan *p = r->p;
	char attrs[160];
	double x = 58;

	svg_text(svg, x, y + 10, "font-size=\"12\" font-weight=\"bold\" fill=\"#1f2328\"",
	    "stages");
	x += 80;
	for (size_t k = 0, colour = 0; k < p->nstages; k++) {
		if (strcmp(p->stages[k], "total") == 0)
			continue;
		snprintf(attrs, sizeof attrs, "fill=\"%s\"", report_stage_colour(colour++));
		svg_rect(svg, x, y, 12, 12, attrs);
		svg_text(svg, x + 16, y + 10, "font-size=\"11.5\" fill=\"#1f2328\"", "%s",
		    p->stages[k]);
		x += 26 + 7.2 * strlen(p->stages[k]);
	}
	y += 18;
	x = 58;
	svg_text(svg, x, y + 10, "font-size=\"12\" font-weight=\"bold\" fill=\"#1f2328\"",
	    "conditions");
	x += 80;
	for (size_t c = 0; c < r->a->nconds; c++) {
		int hue = report_hue(r, c);

		snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,40%%,91%%)\" stroke=\"hsl(%d,40%%,70%%)\"",
		    hue, hue);
		svg_rect(svg, x, y, 12, 12, attrs);
		snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,42%%)\"", hue);
		svg_rect(svg, x, y + 9, 12, 3, attrs);
		snprintf(attrs, sizeof attrs, "font-size=\"11.5\" font-weight=\"bold\" "
		    "fill=\"hsl(%d,75%%,30%%)\"", hue);
		svg_text(svg, x + 16, y + 10, attrs, "%s", r->a->conds[c].name);
		x += 26 + 7.2 * cli_width(r->a->conds[c].name);
	}
	svg_text(svg, x + 10, y + 10, "font-size=\"11.5\" fill=\"#57606a\"",
	    "(a bar's background: the rest of its total)");
	return y + 18;
}

/* One run's bar: its total, then each stage at its place from the spawn. */
static void
report_timeline_bar(struct report *r, struct svg *svg, const struct svg_scale *sc,
    size_t i, double x, double bw)
{
	const struct db_plan *p = r->p;
	const struct db_run *run = &p->runs[i];
	size_t c = report_cond(r, run->condition);
	int hue = report_hue(r, c), counted = report_counted(p, i);
	double launch = db_run_stage(run, "launch"), total = db_run_stage(run, "total");
	char *title = NULL, *more, attrs[200], buf[32];

	if (isnan(launch))
		launch = 0;
	xasprintf(&title, "seq %lld, run %lld: %s, %s, %s", run->seq, run->id, run->condition,
	    run->kind, run->state);
	if (!isnan(run->resident_before_pct)) {
		xasprintf(&more, "%s; %.1f%% of the footprint cached before", title,
		    run->resident_before_pct);
		free(title);
		title = more;
	}
	for (size_t k = 0; k < run->nstages; k++) {
		fmt_value(run->stages[k].duration_s, "s", 0, buf, sizeof buf);
		xasprintf(&more, "%s\n%s %s", title, run->stages[k].name, buf);
		free(title);
		title = more;
	}
	if (run->error != NULL) {
		xasprintf(&more, "%s\n%s", title, run->error);
		free(title);
		title = more;
	}
	svg_group(svg, counted ? NULL : "opacity=\"0.55\"", title);
	free(title);
	if (!isnan(total)) {
		snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,40%%,91%%)\" "
		    "stroke=\"hsl(%d,40%%,70%%)\"", hue, hue);
		svg_rect(svg, x, svg_scale_map(sc, total), bw,
		    svg_scale_map(sc, 0) - svg_scale_map(sc, total), attrs);
	}
	/* The condition's band under the bar. */
	snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,42%%)\"", hue);
	svg_rect(svg, x, svg_scale_map(sc, 0) + 1, bw, 3, attrs);
	for (size_t k = 0, colour = 0; k < p->nstages; k++) {
		const char *fill;
		double s0, s1;

		if (strcmp(p->stages[k], "total") == 0)
			continue;
		fill = report_stage_colour(colour++);
		for (size_t j = 0; j < run->nstages; j++) {
			const struct db_stage *st = &run->stages[j];

			if (strcmp(st->name, p->stages[k]) != 0)
				continue;
			s0 = isnan(st->start_s) ? 0 : st->start_s + launch;
			s1 = isnan(st->end_s) ? s0 + st->duration_s : st->end_s + launch;
			snprintf(attrs, sizeof attrs, "fill=\"%s\"", fill);
			svg_rect(svg, x, svg_scale_map(sc, s1), bw,
			    svg_scale_map(sc, s0) - svg_scale_map(sc, s1), attrs);
		}
	}
	if (!counted && !isnan(total)) {
		svg_rect(svg, x, svg_scale_map(sc, total), bw,
		    svg_scale_map(sc, 0) - svg_scale_map(sc, total), "fill=\"url(#hatch)\"");
	}
	if (strcmp(run->state, "ok") != 0 && strcmp(run->state, "pending") != 0) {
		double top = isnan(total) ? sc->d1 : total;

		svg_rect(svg, x, svg_scale_map(sc, top), bw,
		    svg_scale_map(sc, 0) - svg_scale_map(sc, top),
		    "fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\"");
	}
	svg_group_end(svg);
}

/* The plan's runs in the order they ran, one stacked bar each, cache share above. */
static void
report_timeline(struct report *r)
{
	const struct db_plan *p = r->p;
	const double left = 58, right = 16, bottom = 52;
	double top, w = REPORT_WIDTH, h, hi = 0, slot, bw;
	size_t every;
	struct svg_scale sc;
	struct svg *svg;
	char attrs[160];

	report_printf(r, "<h2>Timeline</h2>\n<p class=\"caption\">Every run in the order it "
	    "ran, as a bar from its spawn to its exit, each stage where it happened in the "
	    "stage's own colour, on the background and above the band of its condition's "
	    "colour. Above each bar: the share of the plan's "
	    "footprint in the page cache right before it started (cold runs should be near "
	    "0%%, warm ones near 100%%). Hatched, faded bars (probe, warm-ups, retried runs) "
	    "are not counted; a red outline is a run that did not end ok. Hover for "
	    "details.</p>\n");
	/* The highest point of any bar: a stage's end, counted from the spawn. */
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *run = &p->runs[i];
		double launch = db_run_stage(run, "launch");

		for (size_t k = 0; k < run->nstages; k++) {
			const struct db_stage *st = &run->stages[k];

			hi = fmax(hi, isnan(st->end_s) ? st->duration_s : st->end_s +
			    (isnan(launch) ? 0 : launch));
		}
	}
	top = 12 + 18.0 * 2 + 40;
	h = top + REPORT_TIMELINE_H + bottom;
	svg_scale_nice(&sc, 0, hi, top + REPORT_TIMELINE_H, top, 6);
	svg = svg_open(r->f, w, h, "timeline", "every run of the plan in the order it ran");
	svg_raw(svg, "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"2\" height=\"6\" fill=\"#57606a\" fill-opacity=\"0.35\"/>"
	    "</pattern></defs>\n");
	report_timeline_legend(r, svg, 8);
	report_yaxis(svg, &sc, 1, left, w - right, "seconds from spawn");

	slot = (w - left - right) / (p->nruns > 0 ? p->nruns : 1);
	bw = fmin(slot * 0.72, 48);
	every = slot >= 22 ? 1 : (size_t)ceil(22 / slot);
	for (size_t i = 0; i < p->nruns; i++) {
		if (isnan(p->runs[i].resident_before_pct))
			continue;
		svg_text(svg, left - 5, top - 22, "font-size=\"10.5\" text-anchor=\"end\" "
		    "fill=\"#57606a\"", "cached");
		svg_text(svg, left - 5, top - 10, "font-size=\"10.5\" text-anchor=\"end\" "
		    "fill=\"#57606a\"", "before");
		break;
	}
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *run = &p->runs[i];
		double x = left + slot * i + (slot - bw) / 2, pct = run->resident_before_pct;
		const char *note = report_run_note(p, i);
		int bad = report_resident_bad(run);

		report_timeline_bar(r, svg, &sc, i, x, bw);
		if (!isnan(pct)) {
			svg_rect(svg, x, top - 8, bw, 4, "fill=\"#eaeef2\"");
			snprintf(attrs, sizeof attrs, "fill=\"%s\"", bad ? "#cf222e" : "#57606a");
			svg_rect(svg, x, top - 8, bw * fmin(fmax(pct, 0), 100) / 100, 4, attrs);
			if (slot >= 30) {
				snprintf(attrs, sizeof attrs, "font-size=\"10.5\" "
				    "text-anchor=\"middle\" fill=\"%s\"%s", bad ? "#cf222e" :
				    "#57606a", bad ? " font-weight=\"bold\"" : "");
				svg_text(svg, x + bw / 2, top - 13, attrs, "%.0f%%", pct);
			}
		}
		if (i % every == 0) {
			svg_text(svg, x + bw / 2, top + REPORT_TIMELINE_H + 14,
			    "font-size=\"10.5\" text-anchor=\"middle\" fill=\"#57606a\"", "%lld",
			    run->seq);
		}
		if (note != NULL && slot >= 30) {
			snprintf(attrs, sizeof attrs, "font-size=\"10\" text-anchor=\"middle\" "
			    "font-style=\"italic\" fill=\"%s\"",
			    strcmp(run->state, "ok") == 0 ? "#57606a" : "#cf222e");
			svg_text(svg, x + bw / 2, top + REPORT_TIMELINE_H + 27, attrs, "%s", note);
			if (strcmp(run->state, "ok") == 0)
				svg_text(svg, x + bw / 2, top + REPORT_TIMELINE_H + 39, attrs,
				    "not counted");
		}
	}
	svg_text(svg, left - 5, top + REPORT_TIMELINE_H + 14, "font-size=\"10.5\" "
	    "text-anchor=\"end\" fill=\"#57606a\"", "seq");
	svg_close(svg);
}

/* Each condition's statistics per metric, with warnings in the last column. */
static void
report_summary(struct report *r)
{
	static const char *heads[] = { "mean", "sd", "min", "median", "p90", "max" };
	const struct analysis *a = r->a;
	char buf[32], lo[32], hi[32], *stop;

	report_printf(r, "<h2>Summary</h2>\n<p class=\"caption\">Over measured runs that "
	    "ended ok. The median's 95%% interval is distribution-free (order statistics), "
	    "and needs at least 6 runs.</p>\n");
	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cond *cond = &a->conds[c];

		report_printf(r, "<h3>");
		report_textf(r, "%s (cache %s): %zu of %zu measured runs ok", cond->name,
		    cond->cache, cond->ok, cond->measured);
		report_printf(r, "</h3>\n");
		if ((stop = targets_stop_text(a->plan, cond->name)) != NULL) {
			report_printf(r, "<p class=\"stop\">");
			report_text(r, stop);
			report_printf(r, "</p>\n");
			free(stop);
		}
		report_profile(r, c);
		report_printf(r, "<table>\n<tr><th class=\"l\">metric</th>"
		    "<th class=\"l\">unit</th><th>n</th>");
		for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++)
			report_printf(r, "<th>%s</th>", heads[k]);
		report_printf(r, "<th>95%% CI of the median</th><th class=\"l\">notes</th>"
		    "</tr>\n");
		for (size_t m = 0; m < a->nmetrics; m++) {
			const struct stats_summary *s = &cond->cells[m].s;
			const double v[] = { s->mean, s->sd, s->min, s->median, s->p90, s->max };
			const struct analysis_warning *w;
			const char *shown;
			double factor;
			int decimals;
			size_t iter = 0;

			fmt_scale(isnan(s->median) ? 0 : s->median, a->units[m], &factor,
			    &shown, &decimals);
			report_printf(r, "<tr><td class=\"l\">");
			report_text(r, a->metrics[m]);
			report_printf(r, "</td><td class=\"l\">%s</td><td>%zu</td>", shown, s->n);
			for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
				fmt_scaled(v[k], factor, decimals, 0, buf, sizeof buf);
				report_printf(r, "<td>%s</td>", buf);
			}
			if (s->n == 0)
				report_printf(r, "<td>no ok runs</td>");
			else if (!s->has_ci)
				report_printf(r, "<td>n too small for a CI</td>");
			else {
				fmt_scaled(s->ci_lo, factor, decimals, 0, lo, sizeof lo);
				fmt_scaled(s->ci_hi, factor, decimals, 0, hi, sizeof hi);
				report_printf(r, "<td>[%s, %s]</td>", lo, hi);
			}
			report_printf(r, "<td class=\"w\">");
			while ((w = analysis_next_warning(a, (int)c, (int)m, &iter)) != NULL) {
				report_text(r, w->text);
				report_printf(r, " ");
			}
			report_printf(r, "</td></tr>\n");
		}
		report_printf(r, "</table>\n");
		if (report_has_warnings(r, (int)c, -1)) {
			report_printf(r, "<ul class=\"warnings\">\n");
			report_warnings_li(r, (int)c, -1, 0);
			report_printf(r, "</ul>\n");
		}
	}
}

/* A number of a run for the runs table, "-" when missing. */
static void
report_cell(struct report *r, double v, const char *fmt, double scale)
{
	if (isnan(v))
		report_printf(r, "<td>-</td>");
	else {
		report_printf(r, "<td>");
		report_printf(r, fmt, v * scale);
		report_printf(r, "</td>");
	}
}

/* Whether some run printed another python, torch or platform than the first. */
static int
report_info_differs(const struct report *r)
{
	for (size_t w = 0; w < r->a->nwarnings; w++) {
		if (strcmp(r->a->warnings[w].kind, "info_differs") == 0)
			return 1;
	}
	return 0;
}

/* The runtime info and every run's machine state: the evidence behind the numbers. */
static void
report_machine(struct report *r)
{
	const struct db_plan *p = r->p;
	const struct db_run *info = r->a->info_run;
	char when[32];

	report_printf(r, "<h2>Machine and runs</h2>\n");
	if (info != NULL) {
		report_printf(r, "<p class=\"caption\">Runtime info as printed by run %lld",
		    info->id);
		report_printf(r, "%s.</p>\n<table>\n", report_info_differs(r) ? "" :
		    " (the same on every run that printed it)");
		for (size_t i = 0; i < info->ninfo; i++) {
			report_printf(r, "<tr><td class=\"l\">");
			report_text(r, info->info[i].key);
			report_printf(r, "</td><td class=\"l\">");
			report_text(r, info->info[i].value);
			report_printf(r, "</td></tr>\n");
		}
		report_printf(r, "</table>\n");
	}
	if (p->footprint_files > 0) {
		report_printf(r, "<p class=\"caption\">");
		report_textf(r, "Footprint (found by the probe run): %lld files, %.1f MiB; %lld "
		    "of them (%.1f MiB) were mapped by other programs when the probe ran. Right "
		    "before each run benchd looks again: cold runs evict the files other programs "
		    "map then like the rest, but their mapped pages stay cached (no eviction can "
		    "drop them), so those files are left out of that run's residency.",
		    p->footprint_files, p->footprint_bytes / 1048576.0, p->footprint_shared,
		    p->footprint_shared_bytes / 1048576.0);
		report_printf(r, "</p>\n");
	}
	report_printf(r, "<div class=\"wide\"><table>\n<tr><th>seq</th><th>run</th>"
	    "<th class=\"l\">condition</th><th class=\"l\">kind</th><th class=\"l\">state"
	    "</th><th>cached before</th><th>evict/prime</th><th>total</th><th>major faults"
	    "</th><th>read</th><th>CPU</th><th>load 1m</th><th>MemFree</th><th>Cached</th>"
	    "<th class=\"l\">governor</th><th class=\"l\">started</th></tr>\n");
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *run = &p->runs[i];

		report_printf(r, "<tr%s", report_counted(p, i) ? "" : " class=\"nc\"");
		if (run->error != NULL) {
			report_printf(r, " title=\"");
			report_text(r, run->error);
			report_printf(r, "\"");
		}
		report_printf(r, "><td>%lld</td><td>%lld</td><td class=\"l\">", run->seq,
		    run->id);
		report_text(r, run->condition);
		report_printf(r, "</td><td class=\"l\">%s</td><td class=\"l\"%s>%s</td>",
		    run->kind, strcmp(run->state, "ok") == 0 ? "" :
		    " style=\"color:#cf222e\"", run->state);
		if (report_resident_bad(run)) {
			report_printf(r, "<td style=\"color:#cf222e;font-weight:bold\">%.1f%%</td>",
			    run->resident_before_pct);
		} else
			report_cell(r, run->resident_before_pct, "%.1f%%", 1);
		report_cell(r, run->evict_ms, "%.0f ms", 1);
		report_cell(r, db_run_stage(run, "total"), "%.2f s", 1);
		report_cell(r, run->major_faults, "%.0f", 1);
		report_cell(r, run->inblock, "%.1f MiB", 512.0 / 1048576);
		report_cell(r, run->user_cpu_s + run->sys_cpu_s, "%.2f s", 1);
		report_cell(r, run->loadavg_1m, "%.2f", 1);
		report_cell(r, run->mem_free_kb, "%.1f GiB", 1.0 / 1048576);
		report_cell(r, run->mem_cached_kb, "%.1f GiB", 1.0 / 1048576);
		report_printf(r, "<td class=\"l\">");
		report_text(r, run->cpu_governor != NULL ? run->cpu_governor : "unknown");
		fmt_time(run->spawned_at, when, sizeof when);
		report_printf(r, "</td><td class=\"l\">%s</td></tr>\n", when);
	}
	report_printf(r, "</table></div>\n");
}

/*
 * One stage's warming curve: the median at each position of the sequences
 * with its 95% interval as a whisker, and the warm condition's median and
 * interval as a band across; the cache before each position as bars behind.
 */
static void
report_warming_plot(struct report *r, const struct warming *w, const struct warming_curve *c)
{
	const struct analysis *a = r->a;
	const double left = 58, right = 46, top = 52, bottom = 44;
	const double wd = REPORT_PLOT_W, h = REPORT_PLOT_H;
	const struct analysis_cell *warm = w->warm >= 0 ? &a->conds[w->warm].cells[c->metric] :
	    NULL;
	double hi = 0, factor, step, prev_x = NAN, prev_y = NAN;
	const char *shown;
	struct svg_scale sc;
	struct svg *svg;
	char label[96], title[256], buf[32], attrs[160];
	int decimals;

	for (size_t k = 0; k < c->npoints; k++) {
		hi = fmax(hi, c->points[k].s.has_ci ? c->points[k].s.ci_hi : c->points[k].s.median);
		hi = fmax(hi, c->points[k].s.max);
	}
	if (warm != NULL && warm->s.has_ci)
		hi = fmax(hi, warm->s.ci_hi);
	if (!(hi > 0))
		return;
	fmt_scale(hi, a->units[c->metric], &factor, &shown, &decimals);
	svg_scale_nice(&sc, 0, hi * factor, h - bottom, top, 5);
	snprintf(label, sizeof label, "%s of %s by position in the sequence (%s)",
	    a->metrics[c->metric], a->conds[c->cond].name, shown);
	svg = svg_open(r->f, wd, h, "warming-plot", label);
	svg_text(svg, 8, 18, "font-size=\"14\" font-weight=\"bold\"", "%s", a->metrics[c->metric]);
	if (c->warm_from >= 0)
		svg_text(svg, 8, 36, "font-size=\"11.5\" fill=\"#1f2328\"", "as warm from position "
		    "%d on", c->warm_from);
	else {
		int short_ci = 0;

		for (size_t k = 0; k < c->npoints; k++)
			short_ci |= !c->points[k].shift.has_ci;
		svg_text(svg, 8, 36, "font-size=\"11.5\" fill=\"#1f2328\"", "%s",
		    warm == NULL ? "no warm condition to compare with" : short_ci ?
		    "too few runs for an interval against warm" : "not as warm at any position");
	}
	step = (wd - left - right) / (double)c->npoints;
	/* The cache before each position, 0 to 100% of the plot's height, behind. */
	for (size_t k = 0; k < c->npoints; k++) {
		const struct warming_point *pt = &c->points[k];
		double x = left + step * k + step * 0.2, frac = pt->resident_before / 100.0;

		if (isnan(frac))
			continue;
		snprintf(title, sizeof title, "position %d: %.1f%% of the footprint cached before "
		    "it", pt->position, pt->resident_before);
		svg_group(svg, NULL, title);
		svg_rect(svg, x, h - bottom - frac * (h - bottom - top), step * 0.6,
		    frac * (h - bottom - top), "fill=\"#eaeef2\" class=\"cache-bar\"");
		svg_group_end(svg);
	}
	report_yaxis(svg, &sc, 1, left, wd - right, shown);
	if (warm != NULL && warm->s.has_ci) {
		double y0 = svg_scale_map(&sc, warm->s.ci_hi * factor);
		double y1 = svg_scale_map(&sc, warm->s.ci_lo * factor);

		snprintf(title, sizeof title, "%s: median and its 95%% CI", a->conds[w->warm].name);
		svg_group(svg, NULL, title);
		snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,50%%)\" fill-opacity=\"0.18\"",
		    report_hue(r, (size_t)w->warm));
		svg_rect(svg, left, y0, wd - left - right, fmax(y1 - y0, 1), attrs);
		svg_group_end(svg);
		svg_text(svg, wd - right + 3, svg_scale_map(&sc, warm->s.median * factor) + 4,
		    "font-size=\"11\" fill=\"#57606a\"", "%s", a->conds[w->warm].name);
	}
	for (size_t k = 0; k < c->npoints; k++) {
		const struct warming_point *pt = &c->points[k];
		double x = left + step * (k + 0.5), y;
		int hue = report_hue(r, c->cond);

		if (pt->s.n == 0)
			continue;
		y = svg_scale_map(&sc, pt->s.median * factor);
		if (!isnan(prev_x)) {
			snprintf(attrs, sizeof attrs, "stroke=\"hsl(%d,60%%,45%%)\" stroke-width=\"1.5\"",
			    hue);
			svg_line(svg, prev_x, prev_y, x, y, attrs);
		}
		fmt_value(pt->s.median, a->units[c->metric], 0, buf, sizeof buf);
		snprintf(title, sizeof title, "position %d: median %s over %zu runs%s", pt->position,
		    buf, pt->s.n, pt->s.has_ci ? "" : " (too few for a CI)");
		svg_group(svg, NULL, title);
		if (pt->s.has_ci) {
			snprintf(attrs, sizeof attrs, "stroke=\"hsl(%d,60%%,35%%)\" stroke-width=\"1.5\"",
			    hue);
			svg_line(svg, x, svg_scale_map(&sc, pt->s.ci_lo * factor), x,
			    svg_scale_map(&sc, pt->s.ci_hi * factor), attrs);
		}
		snprintf(attrs, sizeof attrs, "fill=\"hsl(%d,70%%,45%%)\" stroke=\"#fff\"", hue);
		svg_circle(svg, x, y, 4.5, attrs);
		svg_group_end(svg);
		svg_text(svg, x, h - bottom + 17, "font-size=\"11\" text-anchor=\"middle\" "
		    "fill=\"#57606a\"", k == 0 ? "0 (cold)" : "%zu", k);
		prev_x = x;
		prev_y = y;
	}
	svg_text(svg, (left + wd - right) / 2, h - bottom + 33, "font-size=\"11\" "
	    "text-anchor=\"middle\" fill=\"#57606a\"", "position; grey bars: cached before it");
	svg_close(svg);
}

/* The warming curves, condition by condition, a plot per stage. */
static void
report_warming(struct report *r)
{
	struct warming *w = warming_create(r->a);

	if (w == NULL)
		return;
	report_printf(r, "<h2>Warming curve</h2>\n<p class=\"caption\">Each sequence evicts "
	    "once, then runs again without touching the cache: the dot is the median of the "
	    "runs at that position, its whisker the 95%% confidence interval, the band the warm "
	    "condition's median and interval; the grey bars, how much of the footprint was "
	    "cached before that position (0 to 100%% of the height).</p>\n");
	for (size_t k = 0; k < w->ncurves;) {
		size_t last = k;

		while (last < w->ncurves && w->curves[last].cond == w->curves[k].cond)
			last++;
		report_printf(r, "<h3>");
		report_textf(r, "%s (then: %zu)", r->a->conds[w->curves[k].cond].name,
		    w->curves[k].npoints - 1);
		report_printf(r, "</h3>\n<div class=\"plots\">\n");
		for (; k < last; k++)
			report_warming_plot(r, w, &w->curves[k]);
		report_printf(r, "</div>\n");
	}
	warming_free(w);
}

/* What the cold conditions' runs read from disk, file by file. */
static void
report_read_in(struct report *r)
{
	const struct db_plan *p = r->p;
	int any = 0;

	for (size_t c = 0; c < r->a->nconds; c++) {
		const char *name = r->a->conds[c].name;
		double total = 0;
		long long runs = 0;
		int pos = -1;

		if (strcmp(r->a->conds[c].cache, "cold") != 0)
			continue;
		for (size_t i = 0; i < p->nruns; i++) {
			if (strcmp(p->runs[i].condition, name) == 0 && p->runs[i].position >= 0)
				pos = 0;
		}
		for (size_t i = 0; i < p->nreads; i++) {
			if (strcmp(p->reads[i].condition, name) == 0 && p->reads[i].position == pos) {
				total += p->reads[i].bytes / (double)(p->reads[i].runs > 0 ?
				    p->reads[i].runs : 1);
				runs = p->reads[i].runs > runs ? p->reads[i].runs : runs;
			}
		}
		if (total <= 0)
			continue;
		if (!any++)
			report_printf(r, "<h2>Read from disk</h2>\n<p class=\"caption\">After each "
			    "run benchd measures the footprint again: what was not cached before and "
			    "is after, the run read from disk. Per run, averaged over the runs that "
			    "read the file.</p>\n");
		report_printf(r, "<h3>");
		report_textf(r, "%s: %.1f MiB per run, the files that make most of it", name,
		    total / 1048576.0);
		report_printf(r, "</h3>\n<div class=\"wide\"><table class=\"read-in\">"
		    "<tr><th class=\"l\">file</th><th>MiB per run</th><th>share</th>"
		    "<th>runs</th></tr>\n");
		for (size_t i = 0, n = 0; i < p->nreads && n < 15; i++) {
			const struct db_read_in *x = &p->reads[i];
			double per;

			if (strcmp(x->condition, name) != 0 || x->position != pos)
				continue;
			per = x->bytes / (double)(x->runs > 0 ? x->runs : 1);
			report_printf(r, "<tr><td class=\"l\">");
			report_text(r, x->path);
			report_printf(r, "</td><td>%.1f</td><td>%.0f%%</td><td>%lld</td></tr>\n",
			    per / 1048576.0, 100 * per / total, x->runs);
			n++;
		}
		report_printf(r, "</table></div>\n");
	}
}

/* The modules whose import costs most more cold than warm. */
static void
report_modules(struct report *r)
{
	struct modules *m = modules_create(r->p);

	if (m == NULL)
		return;
	report_printf(r, "<h2>Import time by module</h2>\n<p class=\"caption\">");
	report_textf(r, "python -X importtime, %zu run%s of %s against %zu of %s: each module's "
	    "median time alone and with what it imports, most costlier cold first.",
	    m->cold_runs, fmt_plural(m->cold_runs), m->cold, m->warm_runs, m->warm);
	report_printf(r, "</p>\n<div class=\"wide\"><table class=\"modules\"><tr>"
	    "<th class=\"l\">module</th><th>cold ms</th><th>warm ms</th><th>difference ms</th>"
	    "<th>cold, with imports</th><th>warm, with imports</th></tr>\n");
	for (size_t i = 0; i < m->nrows && i < 20 && m->rows[i].diff_us > 0; i++) {
		const struct modules_row *row = &m->rows[i];

		report_printf(r, "<tr><td class=\"l\">");
		report_text(r, row->module);
		report_printf(r, "</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td><td>%.1f</td>"
		    "<td>%.1f</td></tr>\n", row->cold_self_us / 1e3, row->warm_self_us / 1e3,
		    row->diff_us / 1e3, row->cold_cumulative_us / 1e3,
		    row->warm_cumulative_us / 1e3);
	}
	report_printf(r, "</table></div>\n");
	modules_free(m);
}

/* Write the whole page. */
static void
report_write(struct report *r)
{
	char when[32];

	report_head(r);
	report_answer(r);
	report_plots(r);
	report_warming(r);
	report_read_in(r);
	report_modules(r);
	report_timeline(r);
	report_summary(r);
	report_machine(r);
	fmt_time((double)time(NULL), when, sizeof when);
	report_printf(r, "<footer>");
	report_textf(r, "benchctl %s, %s, from %s", BENCHD_VERSION, when, r->db_path);
	report_printf(r, "</footer>\n</body>\n</html>\n");
}

/*
 * Write the page for a plan to path: into a temporary file next to it, renamed
 * over path once complete, so a failed write never leaves half a page.
 */
static int
report_to_file(struct report *r, const char *path)
{
	mode_t mask;
	char *tmp;
	int fd;

	if (strcmp(path, "-") == 0) {
		r->f = stdout;
		report_write(r);
		return 0;
	}
	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1 || (r->f = fdopen(fd, "w")) == NULL) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return 1;
	}
	/* mkstemp made it 0600; give it the mode a new file would have had. */
	mask = umask(022);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	report_write(r);
	if (fflush(r->f) != 0 || ferror(r->f) || fclose(r->f) != 0 || rename(tmp, path) != 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return 1;
	}
	free(tmp);
	return 0;
}

/* "benchctl report PLAN_ID -o FILE.html". */
static int
report_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct report r;
	struct db_plan *plan;
	char *pulled;
	int rc;

	if ((plan = planref_load_arg(env, args, 0, &rc)) == NULL)
		return rc;
	memset(&r, 0, sizeof r);
	r.p = plan;
	r.a = analysis_create(plan);
	r.profiles = profiles_create(r.a);
	/* A pulled plan was read from the database of pulled plans. */
	pulled = plan->origin != NULL ? pull_path(env->db) : NULL;
	r.db_path = pulled != NULL ? pulled : env->db;
	rc = report_to_file(&r, cmd_args_get(args, 'o'));
	profiles_free(r.profiles);
	analysis_free((struct analysis *)r.a);
	db_plan_free(plan);
	free(pulled);
	return rc;
}

/* "benchctl report" in the command table. */
const struct cmd_entry report_entry = {
	.name = "report",
	.args = "[PLAN_ID] -o FILE",
	.usage = "[PLAN_ID] -o FILE.html",
	.about = "the plan as one HTML page: plots, timeline, evidence",
	.help = "Write one self-contained HTML page (inline SVG, no scripts, nothing fetched)\n"
	    "with the plan's comparisons, a plot per stage, the timeline of its runs with\n"
	    "the cache's state before each, the summary tables, the warnings and the\n"
	    "machine's state. -o - writes it to standard output. Without PLAN_ID, the\n"
	    "newest plan.\n",
	.shortopts = "o:",
	.longopts = (const struct option[]){
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 1,
	.required = "o",
	.flags = CMD_READS_DB,
	.exec = report_exec,
};
