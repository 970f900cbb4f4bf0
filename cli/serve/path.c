/* The request path of `benchtrack serve` (serve.h): decoded from the raw
 * request target, refused when it could name anything outside the
 * dashboard's copy. Nothing here calls libmicrohttpd, so that the fuzzing
 * harness (fuzz/fuzz_serve_path.c) links this file alone. */
#include <string.h>

#include "serve.h"

int serve_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int serve_decode_path(const char *raw, char *out)
{
	size_t n = 0;
	const char *p = raw;
	if (*p != '/')
		return -1;
	for (; *p && *p != '?' && *p != '#'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '%') {
			int hi = serve_hexval(p[1]), lo = hi < 0 ? -1 : serve_hexval(p[2]);
			if (hi < 0 || lo < 0)
				return -1;
			ch = (unsigned char)(hi * 16 + lo);
			if (ch == '/' || ch == '\\' || ch == 0)
				return -1;
			p += 2;
		}
		if (ch == '\\' || ch < 0x20 || ch == 0x7f)
			return -1;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	/* segments */
	for (const char *s = out + 1; *s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}
