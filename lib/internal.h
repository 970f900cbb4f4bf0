/* Internal interfaces shared between library files (bt__ names). Not
 * installed; nothing outside lib/ and tests/ includes this. */
#ifndef BENCHTRACK_INTERNAL_H
#define BENCHTRACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "benchtrack.h"

/* Arena: bump allocator in chunks; everything is freed at once. */
struct bt_arena *bt__arena_new(void);
void bt__arena_free(struct bt_arena *a);
/* Zeroed, 16-byte aligned; NULL when out of memory. */
void *bt__arena_alloc(struct bt_arena *a, size_t size);
char *bt__arena_strdup(struct bt_arena *a, const char *s);
char *bt__arena_strndup(struct bt_arena *a, const char *s, size_t n);

/* 64-bit FNV-1a, incremental: start with BT__FNV_INIT. */
#define BT__FNV_INIT 0xcbf29ce484222325ULL
uint64_t bt__fnv1a(uint64_t h, const void *data, size_t n);
uint64_t bt__fnv1a_str(uint64_t h, const char *s); /* includes the NUL */

/* splitmix64 step: a good 64-bit mixer for seeds. */
uint64_t bt__mix64(uint64_t x);

/* Reads a whole file with a size cap: *data is malloc'd and NUL-terminated
 * (caller frees). BT_ENOTFOUND, BT_EIO, BT_ETOOBIG with the path in err. */
int bt__read_file(const char *path, size_t cap, char **data, size_t *len,
		  struct bt_strbuf *err);

/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. */
int bt__write_file_atomic(const char *path, const char *data, size_t len,
			  struct bt_strbuf *err);

#endif
