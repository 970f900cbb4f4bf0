/* Small helpers shared by benchtrack's own benchmarks (the bench/ suites).
 * Header-only: each benchmark is its own executable. */
#ifndef BT_BENCH_UTIL_H
#define BT_BENCH_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <benchtrack.h>

/* seeded numbers: bt_test_rng_next (splitmix64), bt_test_unif, bt_test_gauss */
#include "../tests/rng.h"

/* A malloc'd formatted path; NULL when out of memory. */
static inline char *bench_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *bench_pathf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	return p;
}

/* Opens the store at dir with flags (BT_STORE_*) and reindexes it; 0, or
 * the error code after bt_fail(s, "reindex DIR: ..."). */
static inline int bench_reindex(bt_state *s, const char *dir, int flags)
{
	struct bt_store *bs;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&bs, dir, flags, &err);
	if (!rc) {
		rc = bt_store_reindex(bs, NULL, NULL, &err);
		bt_store_close(bs);
	}
	if (rc)
		bt_fail(s, "reindex %s: %s", dir, bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return rc;
}

/* n doubles, malloc'd; NULL after bt_oom(s) when out of memory. */
static inline double *bench_doubles(bt_state *s, size_t n)
{
	double *v = malloc(n * sizeof *v);
	if (!v)
		bt_oom(s);
	return v;
}

#endif
