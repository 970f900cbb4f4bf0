/* The allocation counter (alloc_fail.h). The test is linked with
 * -Wl,--wrap=malloc,... so that the library's calls land in __wrap_*,
 * which count and pass on to __real_* (the C library's functions, or
 * the sanitizer's when it interposes them). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "alloc_fail.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static atomic_int armed;
static atomic_long counted, fail_at, injected;

/* Called where the armed allocation fails: a breakpoint for a debugger
 * (gdb -ex 'break bt_torture_hit', with BT_TORTURE_FROM=N). */
void bt_torture_hit(void);
__attribute__((noinline)) void bt_torture_hit(void)
{
	__asm__ volatile("");
}

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
	if (!atomic_load_explicit(&armed, memory_order_relaxed))
		return 0;
	long n = atomic_fetch_add(&counted, 1) + 1;
	if (n != atomic_load(&fail_at))
		return 0;
	atomic_store(&injected, 1);
	bt_torture_hit();
	return 1;
}

void bt_torture_arm(long n)
{
	atomic_store(&counted, 0);
	atomic_store(&injected, 0);
	atomic_store(&fail_at, n);
	atomic_store(&armed, 1);
}

long bt_torture_disarm(void)
{
	atomic_store(&armed, 0);
	return atomic_load(&counted);
}

int bt_torture_injected(void)
{
	return (int)atomic_load(&injected);
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n);
void *__wrap_calloc(size_t k, size_t n)
{
	return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n);
char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

int __wrap_asprintf(char **out, const char *fmt, ...);
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	if (fail_now())
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(out, fmt, ap);
	va_end(ap);
	return rc;
}

/* --- jansson and SQLite ------------------------------------------------ */

static void *json_alloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
	return fail_now() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
	return fail_now() ? NULL : sqlite_default.xRealloc(p, n);
}

int bt_torture_install(void)
{
	json_set_alloc_funcs(json_alloc, free);
	/* SQLite's own allocator (set when it initialises), wrapped */
	if (sqlite3_initialize() != SQLITE_OK || sqlite3_shutdown() != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK ||
	    !sqlite_default.xMalloc)
		return -1;
	sqlite3_mem_methods m = sqlite_default;
	m.xMalloc = sqlite_malloc;
	m.xRealloc = sqlite_realloc;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK &&
	       sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}
