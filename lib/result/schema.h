/* The run document ("benchtrack.run/1", docs/FORMAT.md) as one table of
 * fields (lib/result/schema.c) that the writer and the strict reader (lib/result/json.c)
 * and the fast reader (lib/result/json_scan.c) all walk: what a member is called,
 * its JSON type, where it lives in struct bt_run, whether it is required,
 * its bounds. A new field is one line in the table; none of the three
 * changes. Internal to lib/ and tests/; not installed.
 *
 * The rules every reader applies to a field of type T (the strict reader
 * says why it refuses, the fast one only refuses):
 *   absent       keeps the default, or "missing required field" (REQ)
 *   null         keeps the default (STR, INT, I64, SIZE, U64, BOOL, ENUM,
 *                OBJ, LIST, MAP); NAN for NUM; -1 for TRI; the wrong type
 *                when the field is REQ ("expected a string, got null")
 *   other types  "expected a string" / "a number" / "an integer" / "an
 *                unsigned integer" / "a boolean" / "an object" / "an array"
 *   unknown keys are ignored. */
#ifndef BENCHTRACK_SCHEMA_H
#define BENCHTRACK_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum bt__ftype {
	BT__T_STR,   /* const char *, any string (copied into the run's arena) */
	BT__T_NUM,   /* double, any number; written null when not finite */
	BT__T_INT,   /* int, an integer in [lo, hi] */
	BT__T_I64,   /* int64_t, an integer in [lo, hi] */
	BT__T_SIZE,  /* size_t, an integer in [lo, hi]; written as U64 */
	BT__T_U64,   /* uint64_t: an integer >= 0, or a decimal string of a
		      * value above INT64_MAX (as the writer writes those) */
	BT__T_BOOL,  /* int 0 or 1 */
	BT__T_TRI,   /* int 1, 0, or -1 unknown (null) */
	BT__T_ENUM,  /* int, a string that en->parse knows */
	BT__T_CONST, /* const char *, exactly the string cval (the schema) */
	BT__T_OBJ,   /* an object: the fields of sub, at base + off */
	BT__T_LIST,  /* an array of elements of esize bytes, each the value
		      * val (at the element), into a pointer at off and a
		      * size_t count at n_off (NULL and 0 when empty) */
	BT__T_MAP,   /* an object with any keys: elements as LIST, each key
		      * (const char *) at key_off in its element */
};

enum {
	BT__F_REQ = 1,     /* required (see above) */
	BT__F_LATE = 2,    /* strict reader: the type is checked in its pass,
			    * the content read after every other field (a
			    * document without results says so first) */
	BT__F_OMIT = 4,    /* writer: no member at all when absent (pres),
			    * else null (documents older than the field);
			    * a BOOL: no member when 0 */
	BT__F_SAMPLES = 8, /* raw samples: the fast reader keeps them only
			    * with BT__SCAN_SAMPLES */
};

/* OBJ: when is it there? ALWAYS; FLAG: the int at pres_off is nonzero
 * (the readers set it to 1 when the object is there); PTR: the pointer at
 * pres_off is not NULL. */
enum { BT__P_ALWAYS, BT__P_FLAG, BT__P_PTR };

struct bt__enum {
	int (*parse)(const char *s, int *out); /* 0, or -1 unknown */
	const char *(*name)(int v);  /* what the writer writes */
	const char *what;            /* "unknown WHAT \"TEXT\"HINT" */
	const char *hint;
};

struct bt__obj;

struct bt__field {
	const char *key;     /* NULL: the value of a LIST or MAP element */
	unsigned char klen;  /* strlen(key) */
	unsigned char type;  /* enum bt__ftype */
	unsigned char flags; /* BT__F_* */
	unsigned char pass;  /* the strict reader reads the fields of an
			      * object pass by pass (0 first), each pass in
			      * table order: the error of a document with
			      * several faults names the same field as ever */
	unsigned char pres;  /* OBJ: BT__P_* */
	size_t off;          /* the value, from the object's base */
	size_t n_off;        /* LIST, MAP: the count */
	size_t pres_off;     /* OBJ with FLAG or PTR */
	int64_t lo, hi;      /* INT, I64, SIZE */
	const struct bt__obj *sub;   /* OBJ */
	const struct bt__field *val; /* LIST, MAP: the element's value */
	size_t esize, key_off;       /* LIST, MAP */
	const struct bt__enum *en;   /* ENUM */
	const char *cval;            /* CONST */
	void (*init)(void *elem);    /* LIST, MAP: a new element's defaults
				      * (else zeros) */
	void (*post)(void *base);    /* after the field was read, given the
				      * object's base (orders, counts) */
	const char *(*check)(const void *value); /* after the field was read:
				      * NULL, or what is wrong with it */
};

struct bt__obj {
	const struct bt__field *f;
	size_t n;
	size_t n_req; /* how many of them are BT__F_REQ (tests/unit/
		       * test_json.c counts them) */
};

/* The document: an object whose base is a struct bt_run (the readers
 * check the series identities, bt__run_check_identity, after it). */
extern const struct bt__field bt__schema_run;
/* One result, whose base is a struct bt_result (bt_result_to_json,
 * bt_result_from_json; the elements of "results"). */
extern const struct bt__field bt__schema_result;

#endif
