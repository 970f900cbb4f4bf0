/* The CSV series of `benchtrack history --input FILE.csv` (csv_series.h):
 * one column of numbers under a header line. Nothing here prints; the
 * fuzzing harness fuzz/fuzz_csv_series.c links this file alone. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_series.h"

/* Spaces and tabs around a CSV field (or header name) are not part of it:
 * strips them from both ends of s in place and returns its first
 * character that is not one. */
static char *csv_trim(char *s)
{
	size_t n;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* 1 when s is a decimal number as history.md allows: an optional sign,
 * digits with at most one '.' (at least one digit), an optional exponent
 * (e or E, an optional sign, digits); 0 for anything else (hex, inf, nan,
 * text, an empty string). */
static int csv_is_decimal(const char *s)
{
	int digits = 0;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

int cli_read_csv_series(const char *path, const char *column, double **v, size_t *n,
			struct bt_strbuf *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0, lineno = 0;
	ssize_t len;
	int col = -1, rc = 0;

	*v = NULL;
	*n = 0;
	if (!fp)
		return bt_error(err, BT_ENOTFOUND, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (lineno == 1) {
			int k = 0;
			for (char *tok = line, *next; tok; tok = next, k++) {
				next = strchr(tok, ',');
				if (next)
					*next++ = '\0';
				if (col < 0 && strcmp(csv_trim(tok), column) == 0)
					col = k;
			}
			if (col < 0) {
				rc = bt_error(err, BT_EPARSE, "%s:1: no column '%s' in the "
					      "header (use --column NAME)", path, column);
				break;
			}
			continue;
		}
		if (*csv_trim(line) == '\0') {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: empty line: no value in "
				      "column '%s'", path, lineno, column);
			break;
		}
		char *tok = line;
		int k;
		for (k = 0; k < col && tok; k++) {
			tok = strchr(tok, ',');
			if (tok)
				tok++;
		}
		if (!tok) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d) is "
				      "missing: the line has %d field%s", path, lineno,
				      column, col + 1, k, k == 1 ? "" : "s");
			break;
		}
		tok[strcspn(tok, ",")] = '\0';
		tok = csv_trim(tok);
		if (!*tok) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d) is "
				      "empty", path, lineno, column, col + 1);
			break;
		}
		double x = csv_is_decimal(tok) ? strtod(tok, NULL) : NAN;
		if (!isfinite(x)) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d): "
				      "'%s' is not a finite decimal number", path, lineno,
				      column, col + 1, tok);
			break;
		}
		if (*n == alloc) {
			size_t na = alloc ? 2 * alloc : 256;
			double *nv = realloc(*v, na * sizeof *nv);
			if (!nv) {
				rc = BT_ENOMEM;
				break;
			}
			*v = nv;
			alloc = na;
		}
		(*v)[(*n)++] = x;
	}
	if (!rc && ferror(fp))
		rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	if (!rc && lineno == 0)
		rc = bt_error(err, BT_EPARSE, "%s: empty file (expected a header such as "
			      "index,value)", path);
	if (!rc && *n == 0)
		rc = bt_error(err, BT_EPARSE, "%s: the series is empty", path);
	if (fp != stdin)
		fclose(fp);
	free(line);
	if (rc) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}
