/* serve's request path (serve_decode_path, cli/serve/path.c): the input
 * is a raw request target. A path it accepts starts with '/', is no
 * longer than the target, and has no control character, backslash, or
 * empty, "." or ".." segment (a trailing '/' aside): nothing that could
 * leave the dashboard's directory. */
#include <string.h>

#include "fuzz.h"
#ifndef BT_FUZZ_NO_SERVE
#include "serve/serve.h"
#endif

int bt_fuzz_serve_path(const uint8_t *data, size_t size)
{
#ifdef BT_FUZZ_NO_SERVE
	/* a build without serve: nothing to fuzz */
	(void)data, (void)size;
	return 0;
#else
	char *raw = bt_fuzz_str(data, size);
	size_t len = strlen(raw);
	char *out = malloc(len + 1);
	if (!out)
		abort();
	if (serve_decode_path(raw, out) == 0) {
		size_t n = strlen(out);
		if (out[0] != '/' || n > len)
			bt_fuzz_fail("serve_path", "a path not starting with '/' or too long");
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];
			if (c < 0x20 || c == 0x7f || c == '\\')
				bt_fuzz_fail("serve_path", "a control character or backslash kept");
		}
		for (const char *s = out + 1; *s;) {
			const char *e = strchr(s, '/');
			size_t sl = e ? (size_t)(e - s) : strlen(s);
			if ((sl == 0 && e) || (sl == 1 && s[0] == '.') ||
			    (sl == 2 && s[0] == '.' && s[1] == '.'))
				bt_fuzz_fail("serve_path", "an empty, '.' or '..' segment kept");
			if (!e)
				break;
			s = e + 1;
		}
	}
	free(out);
	free(raw);
	return 0;
#endif
}
