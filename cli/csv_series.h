/* The CSV series reader of `benchtrack history --input` (csv_series.c). */
#ifndef BENCHTRACK_CLI_CSV_SERIES_H
#define BENCHTRACK_CLI_CSV_SERIES_H

#include <stddef.h>

#include "benchtrack.h"

/* --input FILE.csv: reads column (default "value") of the CSV at path
 * ("-": stdin) with a header line into *v (malloc'd), *n values, as
 * history.md says: every line after the header holds a finite decimal
 * number in that column (spaces and tabs around it ignored); an empty
 * line or field, hex, inf, nan or text is BT_EPARSE with err naming the
 * file, the line and the column (*v NULL, *n 0). */
int cli_read_csv_series(const char *path, const char *column, double **v, size_t *n,
			struct bt_strbuf *err);

#endif
