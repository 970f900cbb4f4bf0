/* The allocation counter of the torture test (docs/internals/TORTURE.md):
 * every allocation the library makes goes through it, and while armed it
 * counts them and makes the Nth one fail (return NULL, as malloc does
 * when memory runs out). Covered: malloc, calloc, realloc, strdup,
 * strndup and asprintf called from the objects linked with
 * -Wl,--wrap=... (libbenchtrack.a's, the test's), and every allocation
 * of jansson (json_set_alloc_funcs) and SQLite (SQLITE_CONFIG_MALLOC).
 * Not covered: what libc allocates inside other calls (fopen, opendir,
 * scandir, realpath, getline, pthread_create), libarchive, zlib, zstd.
 * Only the test links this file; the library itself is never changed. */
#ifndef BT_TEST_ALLOC_FAIL_H
#define BT_TEST_ALLOC_FAIL_H

/* Routes jansson's and SQLite's allocations through the counter; call
 * once, before either is used. 0, or -1 when SQLite refuses. */
int bt_torture_install(void);

/* Starts counting from 0; the nth counted allocation fails (n >= 1), or
 * none (n == 0: a count only). Safe while other threads allocate. */
void bt_torture_arm(long n);

/* Stops counting; returns how many allocations were counted since
 * bt_torture_arm. */
long bt_torture_disarm(void);

/* 1 when the armed allocation was made (and failed). */
int bt_torture_injected(void);

#endif
