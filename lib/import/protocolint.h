/* What the metric protocol's two files share (protocol.c reads the
 * lines, protocol_emit.c makes the results): the accumulator inside.
 * Internal to lib/import/; the contract is protocol.h. */
#ifndef BENCHTRACK_PROTOCOLINT_H
#define BENCHTRACK_PROTOCOLINT_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "protocol.h"

/* The caps (docs/PROTOCOL.md "Limits"): a runaway script cannot make
 * benchtrack use more than a bounded amount of memory. */
#define MAX_LINE ((size_t)1 << 20)     /* bytes of one line */
#define MAX_LINES 100000               /* lines read of one run */
#define MAX_SAMPLES 1000000            /* samples kept per command */
#define MAX_ENTITIES 1000              /* benchmarks (name and params) */
#define MAX_SERIES 10000               /* metrics of all benchmarks */
#define MAX_PARAMS 64                  /* params of one line */
#define MAX_NAME 256                   /* bytes of a name, key or value */
#define MAX_UNIT 64                    /* bytes of a unit */
#define MAX_MESSAGE 4096               /* bytes of a status message kept */
#define MAX_WARNED 20                  /* malformed lines shown per run */

/* A benchmark the lines name: name and params (entity 0 is the
 * command's own, no name and no params), what its lines said. */
struct entity {
	const char *name;       /* NULL: the command's own */
	struct bt_kv *params;   /* sorted by key */
	size_t n_params;
	const char *key;        /* its hash key */
	enum bt_status status;  /* ok, failed or skipped */
	const char *message;
	struct bt_validation val;
	size_t bad;             /* malformed lines counted against it */
	int seen;               /* a valid line named it */
};

/* A metric of an entity with its pooled samples. */
struct series {
	size_t entity;
	const char *metric;
	const char *unit;       /* after conversion: "s" for time units */
	enum bt_direction dir;
	const char *key;
	double *v;
	size_t n, alloc;
};

/* An open-addressing hash table of indexes, keyed by their text. */
struct map {
	size_t *slot;           /* index + 1; 0 empty */
	size_t cap;             /* a power of two, or 0 */
};

/* The accumulator: entities, series, their tables, per-feed state. */
struct bt__proto {
	struct bt_run scratch;  /* its arena holds the strings */
	struct entity *ent;
	size_t n_ent, a_ent;
	struct series *ser;
	size_t n_ser, a_ser;
	struct map ent_map, ser_map;
	size_t n_samples;       /* kept, all series */
	/* per feed */
	size_t warned;          /* malformed lines shown */
	size_t unshown;         /* malformed lines past MAX_WARNED */
	int capped;             /* the sample cap was announced */
};

/* bt_kv by key, for qsort. */
static inline int bt__proto_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bt_kv *)a)->key, ((const struct bt_kv *)b)->key);
}

/* The larger of a running maximum m (NaN: none yet) and x (NaN: not
 * given); lower: the smaller. */
static inline double bt__proto_fold(double m, double x, int lower)
{
	if (isnan(x))
		return m;
	return isnan(m) || (lower ? x < m : x > m) ? x : m;
}

#endif
