/* Compressed run files (docs/STORE.md "Compressed run files"): the JSON
 * text in one gzip member (RFC 1952, zlib), told from plain text by its
 * first two bytes; inflated with a cap, so that no file expands past
 * what a plain one may hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "internal.h"

/* The compression level: zlib's default (6). Level 1 writes about a
 * third faster and its files are about an eighth larger; reading is the
 * same speed (docs/STORE.md). */
#define GZ_LEVEL Z_DEFAULT_COMPRESSION

int bt__gz_is(const char *data, size_t n)
{
	return data && n >= 2 && (unsigned char)data[0] == 0x1f &&
	       (unsigned char)data[1] == 0x8b;
}

int bt__gz_inflate(const char *name, const char *data, size_t n, size_t cap,
		   char **out, size_t *outlen, struct bt_strbuf *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	*out = NULL;
	*outlen = 0;
	if (!name)
		name = "<input>";
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	/* the trailer's length (mod 2^32) sizes the buffer when plausible */
	size_t size = 1 << 16;
	if (n >= 18) {
		const unsigned char *t = (const unsigned char *)data + n - 4;
		size_t hint = (size_t)t[0] | (size_t)t[1] << 8 |
			      (size_t)t[2] << 16 | (size_t)t[3] << 24;
		if (hint >= size && hint <= cap && hint / 1024 <= n)
			size = hint + 1;
	}
	if (size > cap + 1)
		size = cap + 1;
	char *buf = malloc(size + 1);
	int rc = 0, zr = Z_OK;
	if (!buf) {
		inflateEnd(&z);
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)size;
	for (;;) {
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK && z.avail_out == 0) {
			if (z.total_out > cap) {
				rc = bt_error(err, BT_ETOOBIG,
					      "%s: compressed run file larger than %zu "
					      "bytes inflated", name, cap);
				break;
			}
			size_t nsize = size * 2 > cap + 1 ? cap + 1 : size * 2;
			char *nb = realloc(buf, nsize + 1);
			if (!nb) {
				rc = bt_error(err, BT_ENOMEM, "%s: out of memory", name);
				break;
			}
			buf = nb;
			z.next_out = (Bytef *)buf + z.total_out;
			z.avail_out = (uInt)(nsize - z.total_out);
			size = nsize;
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0)
			rc = bt_error(err, BT_EPARSE,
				      "%s: compressed run file truncated (%zu bytes, the "
				      "gzip stream does not end)", name, n);
		else if (zr == Z_MEM_ERROR)
			rc = bt_error(err, BT_ENOMEM, "%s: out of memory", name);
		else
			rc = bt_error(err, BT_EPARSE, "%s: damaged compressed run file: %s",
				      name, z.msg ? z.msg : "gzip stream error");
		break;
	}
	if (!rc && z.total_out > cap)
		rc = bt_error(err, BT_ETOOBIG,
			      "%s: compressed run file larger than %zu bytes inflated",
			      name, cap);
	if (!rc && (z.avail_in || n > UINT32_MAX))
		rc = bt_error(err, BT_EPARSE,
			      "%s: damaged compressed run file: %zu bytes after the "
			      "gzip stream", name, (size_t)z.avail_in);
	size_t got = z.total_out;
	inflateEnd(&z);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

/* data[0..n) deflated into a gzip member (no name, time 0: the same text
 * gives the same bytes). malloc'd. */
static int gz_deflate(const char *data, size_t n, char **out, size_t *outlen,
		      struct bt_strbuf *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (n > UINT32_MAX)
		return bt_error(err, BT_ETOOBIG, "run file too large to compress");
	if (deflateInit2(&z, GZ_LEVEL, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return bt_error(err, BT_ENOMEM, "out of memory compressing a run file");
	uLong bound = deflateBound(&z, (uLong)n);
	char *buf = malloc(bound);
	if (!buf) {
		deflateEnd(&z);
		return bt_error(err, BT_ENOMEM, "out of memory compressing a run file");
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)bound;
	int zr = deflate(&z, Z_FINISH);
	size_t got = z.total_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(buf);
		return bt_error(err, BT_EIO, "compressing a run file: zlib error %d", zr);
	}
	*out = buf;
	*outlen = got;
	return 0;
}

int bt__run_file_write(const char *path, const char *data, size_t len,
		       int form, struct bt_strbuf *err)
{
	if (form == BT_RUN_FILE_STORE)
		form = len >= BT_RUN_GZIP_MIN ? BT_RUN_FILE_GZIP : BT_RUN_FILE_PLAIN;
	if (form != BT_RUN_FILE_GZIP)
		return bt__write_file_atomic(path, data, len, err);
	char *z = NULL;
	size_t zlen = 0;
	int rc = gz_deflate(data, len, &z, &zlen, err);
	if (rc)
		return rc;
	rc = bt__write_file_atomic(path, z, zlen, err);
	free(z);
	return rc;
}
