#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/strbuf.h"

void bt_strbuf_init(struct bt_strbuf *sb)
{
	if (sb)
		memset(sb, 0, sizeof *sb);
}

void bt_strbuf_release(struct bt_strbuf *sb)
{
	if (!sb)
		return;
	free(sb->buf);
	memset(sb, 0, sizeof *sb);
}

void bt_strbuf_reset(struct bt_strbuf *sb)
{
	if (!sb)
		return;
	sb->len = 0;
	sb->failed = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static int grow(struct bt_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (sb->failed || need < sb->len) {
		sb->failed = 1;
		return BT_ENOMEM;
	}
	if (need <= sb->alloc)
		return 0;
	size_t cap = sb->alloc ? sb->alloc : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(sb->buf, cap);
	if (!p) {
		sb->failed = 1;
		return BT_ENOMEM;
	}
	sb->buf = p;
	sb->alloc = cap;
	return 0;
}

int bt_strbuf_add(struct bt_strbuf *sb, const char *s, size_t n)
{
	if (!sb)
		return 0;
	if (grow(sb, n))
		return BT_ENOMEM;
	if (n)
		memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int bt_strbuf_adds(struct bt_strbuf *sb, const char *s)
{
	return bt_strbuf_add(sb, s, strlen(s));
}

int bt_strbuf_addc(struct bt_strbuf *sb, char c)
{
	return bt_strbuf_add(sb, &c, 1);
}

int bt_strbuf_vaddf(struct bt_strbuf *sb, const char *fmt, va_list ap)
{
	if (!sb)
		return 0;
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return BT_EINVAL;
	if (grow(sb, (size_t)n))
		return BT_ENOMEM;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int bt_strbuf_addf(struct bt_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

const char *bt_strbuf_str(const struct bt_strbuf *sb)
{
	return sb && sb->buf ? sb->buf : "";
}

char *bt_strbuf_detach(struct bt_strbuf *sb)
{
	if (!sb)
		return NULL;
	char *p = sb->buf;
	if (sb->failed) {
		free(p);
		p = NULL;
	} else if (!p) {
		p = calloc(1, 1);
	}
	memset(sb, 0, sizeof *sb);
	return p;
}

int bt_error(struct bt_strbuf *err, int code, const char *fmt, ...)
{
	if (err) {
		bt_strbuf_reset(err);
		va_list ap;
		va_start(ap, fmt);
		bt_strbuf_vaddf(err, fmt, ap);
		va_end(ap);
	}
	return code;
}
