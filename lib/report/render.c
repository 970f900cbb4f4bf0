/* Renderers of the table model: terminal text, Markdown, CSV.
 *
 * One driver walks the table; a format supplies only its primitives:
 * header, row, (optional) group break and escape. Contracts in
 * include/benchtrack/report.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/report.h"
#include "internal.h"

struct render;

struct format {
	int machine; /* 1: CSV-only columns are shown */
	int (*header)(struct render *r);
	int (*row)(struct render *r, const struct bt_table_row *row);
	int (*group_break)(struct render *r); /* NULL: breaks not shown */
	/* Appends s escaped for the format. */
	int (*escape)(struct bt_strbuf *out, const char *s);
};

struct render {
	const struct bt_table *t;
	const struct format *fmt;
	struct bt_strbuf *out;
	size_t *cols;   /* visible column indices */
	size_t n_cols;
	size_t *width;  /* text: display width per visible column */
	int color;
};

/* --- driver ------------------------------------------------------------ */

static int render(const struct bt_table *t, const struct format *fmt,
		  int color, struct bt_strbuf *out)
{
	struct render r;
	int rc;

	if (!t || !out)
		return BT_EINVAL;
	memset(&r, 0, sizeof r);
	r.t = t;
	r.fmt = fmt;
	r.out = out;
	r.color = color;
	r.cols = calloc(t->n_columns ? t->n_columns : 1, sizeof *r.cols);
	r.width = calloc(t->n_columns ? t->n_columns : 1, sizeof *r.width);
	if (!r.cols || !r.width) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < t->n_columns; k++)
		if (fmt->machine ? t->columns[k].csv_only >= 0
				 : t->columns[k].csv_only <= 0)
			r.cols[r.n_cols++] = k;

	rc = fmt->header(&r);
	for (size_t i = 0; !rc && i < t->n_rows; i++) {
		if (i > 0 && t->rows[i].group_start && fmt->group_break)
			rc = fmt->group_break(&r);
		if (!rc)
			rc = fmt->row(&r, &t->rows[i]);
	}
out:
	free(r.cols);
	free(r.width);
	return rc;
}

static int pad(struct bt_strbuf *out, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bt_strbuf_addc(out, c))
			return BT_ENOMEM;
	return 0;
}

/* --- text ---------------------------------------------------------------- */

static int text_escape(struct bt_strbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (bt_strbuf_addc(out, (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch))
			return BT_ENOMEM;
	}
	return 0;
}

/* Display width: UTF-8 code points (escaping keeps one byte per control
 * character, so the count is the same before and after). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static const char *sgr(enum bt_cell_style st)
{
	switch (st) {
	case BT_STYLE_GOOD:
		return "\033[32m";
	case BT_STYLE_WARN:
		return "\033[33m";
	case BT_STYLE_BAD:
		return "\033[31m";
	case BT_STYLE_PLAIN:
		break;
	}
	return NULL;
}

static int text_cell(struct render *r, size_t v, const char *s,
		     enum bt_cell_style st)
{
	const struct bt_table_column *col = &r->t->columns[r->cols[v]];
	size_t w = text_width(s), fill = r->width[v] > w ? r->width[v] - w : 0;
	const char *on = r->color ? sgr(st) : NULL;

	if (v > 0 && bt_strbuf_adds(r->out, "  "))
		return BT_ENOMEM;
	if (col->align == BT_ALIGN_RIGHT && pad(r->out, ' ', fill))
		return BT_ENOMEM;
	if (on && bt_strbuf_adds(r->out, on))
		return BT_ENOMEM;
	if (text_escape(r->out, s))
		return BT_ENOMEM;
	if (on && bt_strbuf_adds(r->out, "\033[0m"))
		return BT_ENOMEM;
	if (col->align == BT_ALIGN_LEFT && pad(r->out, ' ', fill))
		return BT_ENOMEM;
	return 0;
}

static int text_header(struct render *r)
{
	const struct bt_table *t = r->t;

	for (size_t v = 0; v < r->n_cols; v++) {
		size_t k = r->cols[v];
		r->width[v] = text_width(t->columns[k].name);
		for (size_t i = 0; i < t->n_rows; i++) {
			size_t w = text_width(t->rows[i].cells[k].text);
			if (w > r->width[v])
				r->width[v] = w;
		}
	}
	for (size_t v = 0; v < r->n_cols; v++)
		if (text_cell(r, v, t->columns[r->cols[v]].name, BT_STYLE_PLAIN))
			return BT_ENOMEM;
	if (bt_strbuf_addc(r->out, '\n'))
		return BT_ENOMEM;
	for (size_t v = 0; v < r->n_cols; v++) {
		if (v > 0 && bt_strbuf_adds(r->out, "  "))
			return BT_ENOMEM;
		if (pad(r->out, '-', r->width[v]))
			return BT_ENOMEM;
	}
	return bt_strbuf_addc(r->out, '\n');
}

static int text_row(struct render *r, const struct bt_table_row *row)
{
	for (size_t v = 0; v < r->n_cols; v++) {
		const struct bt_table_cell *c = &row->cells[r->cols[v]];
		if (text_cell(r, v, c->text, c->style))
			return BT_ENOMEM;
	}
	return bt_strbuf_addc(r->out, '\n');
}

static int text_group_break(struct render *r)
{
	return bt_strbuf_addc(r->out, '\n');
}

static const struct format text_format = {
	.machine = 0,
	.header = text_header,
	.row = text_row,
	.group_break = text_group_break,
	.escape = text_escape,
};

int bt_table_render_text(const struct bt_table *t, int color,
			 struct bt_strbuf *out)
{
	return render(t, &text_format, color, out);
}

/* --- Markdown ------------------------------------------------------------ */

int bt__md_escape(struct bt_strbuf *out, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		int rc;
		if (c < 0x20 || c == 0x7f)
			rc = bt_strbuf_addc(out, ' ');
		else if (strchr("\\`*_[]<>|#!&~", c))
			rc = bt_strbuf_addc(out, '\\') || bt_strbuf_addc(out, (char)c);
		else
			rc = bt_strbuf_addc(out, (char)c);
		if (rc)
			return BT_ENOMEM;
	}
	return 0;
}

static int md_line(struct render *r, const struct bt_table_row *row)
{
	if (bt_strbuf_addc(r->out, '|'))
		return BT_ENOMEM;
	for (size_t v = 0; v < r->n_cols; v++) {
		size_t k = r->cols[v];
		const char *s = row ? row->cells[k].text : r->t->columns[k].name;
		if (bt_strbuf_addc(r->out, ' ') || r->fmt->escape(r->out, s) ||
		    bt_strbuf_adds(r->out, " |"))
			return BT_ENOMEM;
	}
	return bt_strbuf_addc(r->out, '\n');
}

static int md_header(struct render *r)
{
	if (md_line(r, NULL) || bt_strbuf_addc(r->out, '|'))
		return BT_ENOMEM;
	for (size_t v = 0; v < r->n_cols; v++) {
		int right = r->t->columns[r->cols[v]].align == BT_ALIGN_RIGHT;
		if (bt_strbuf_adds(r->out, right ? " ---: |" : " --- |"))
			return BT_ENOMEM;
	}
	return bt_strbuf_addc(r->out, '\n');
}

static int md_row(struct render *r, const struct bt_table_row *row)
{
	return md_line(r, row);
}

static const struct format markdown_format = {
	.machine = 0,
	.header = md_header,
	.row = md_row,
	.group_break = NULL,
	.escape = bt__md_escape,
};

int bt_table_render_markdown(const struct bt_table *t, struct bt_strbuf *out)
{
	return render(t, &markdown_format, 0, out);
}

/* --- CSV ----------------------------------------------------------------- */

int bt_csv_field(struct bt_strbuf *out, const char *s)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL ||
		    (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));

	if (!quote)
		return bt_strbuf_add(out, s, n);
	if (bt_strbuf_addc(out, '"'))
		return BT_ENOMEM;
	for (; *s; s++)
		if ((*s == '"' && bt_strbuf_addc(out, '"')) ||
		    bt_strbuf_addc(out, *s))
			return BT_ENOMEM;
	return bt_strbuf_addc(out, '"');
}

/* Shortest "%.*g" text (15 to 17 digits) that reads back as v
 * (internal.h). */
int bt__csv_number(struct bt_strbuf *out, double v)
{
	char tmp[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return bt_strbuf_adds(out, tmp);
}

static int csv_header(struct render *r)
{
	for (size_t v = 0; v < r->n_cols; v++)
		if ((v > 0 && bt_strbuf_addc(r->out, ',')) ||
		    r->fmt->escape(r->out, r->t->columns[r->cols[v]].csv_name))
			return BT_ENOMEM;
	return bt_strbuf_adds(r->out, "\r\n");
}

static int csv_row(struct render *r, const struct bt_table_row *row)
{
	for (size_t v = 0; v < r->n_cols; v++) {
		const struct bt_table_cell *c = &row->cells[r->cols[v]];
		int rc = 0;
		if (v > 0 && bt_strbuf_addc(r->out, ','))
			return BT_ENOMEM;
		if (c->has_value && isfinite(c->value))
			rc = bt__csv_number(r->out, c->value);
		else if (c->raw)
			rc = r->fmt->escape(r->out, c->raw);
		if (rc)
			return BT_ENOMEM;
	}
	return bt_strbuf_adds(r->out, "\r\n");
}

static const struct format csv_format = {
	.machine = 1,
	.header = csv_header,
	.row = csv_row,
	.group_break = NULL,
	.escape = bt_csv_field,
};

int bt_table_render_csv(const struct bt_table *t, struct bt_strbuf *out)
{
	return render(t, &csv_format, 0, out);
}
