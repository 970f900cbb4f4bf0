/* Growable string buffer, used for error detail and for rendering.
 *
 * A zeroed struct (BT_STRBUF_INIT) is a valid empty buffer. Every function
 * accepts a NULL buffer and then does nothing (so an optional `err` argument
 * can be passed straight through). The owner calls bt_strbuf_release().
 */
#ifndef BENCHTRACK_STRBUF_H
#define BENCHTRACK_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bt_strbuf {
	char *buf;    /* NUL-terminated when len > 0 or after any add */
	size_t len;   /* bytes used, excluding the NUL */
	size_t alloc; /* bytes allocated */
	int failed;   /* an add ran out of memory: the contents are cut
			 short, every later add fails too (BT_ENOMEM) and
			 bt_strbuf_detach gives NULL, until reset or release;
			 so a renderer that ignores the adds' returns checks
			 this once at the end */
};
#define BT_STRBUF_INIT { 0, 0, 0, 0 }

void bt_strbuf_init(struct bt_strbuf *sb);
/* Frees the storage and leaves sb empty and reusable. */
void bt_strbuf_release(struct bt_strbuf *sb);
/* Empties sb, keeping its storage (and clears failed). */
void bt_strbuf_reset(struct bt_strbuf *sb);
/* Append bytes / a C string / formatted text. Return 0 or BT_ENOMEM. */
int bt_strbuf_add(struct bt_strbuf *sb, const char *s, size_t n);
int bt_strbuf_adds(struct bt_strbuf *sb, const char *s);
int bt_strbuf_addc(struct bt_strbuf *sb, char c);
int bt_strbuf_addf(struct bt_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int bt_strbuf_vaddf(struct bt_strbuf *sb, const char *fmt, va_list ap);
/* The contents, "" when empty or sb is NULL; owned by sb. */
const char *bt_strbuf_str(const struct bt_strbuf *sb);
/* Takes the storage out of sb (caller frees); sb becomes empty. Never NULL
 * unless out of memory (now, or failed set: the cut contents are freed). */
char *bt_strbuf_detach(struct bt_strbuf *sb);

/* Error helper: replaces the contents of err (if not NULL) with the
 * formatted message and returns code. Used as
 *     return bt_error(err, BT_EPARSE, "%s:%d: unexpected '%c'", file, line, c);
 */
int bt_error(struct bt_strbuf *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
