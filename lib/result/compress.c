/* Compressed run files (docs/STORE.md "Compressed run files"): the JSON
 * text in one zstd frame with its checksum, as the store writes large
 * runs, or in one gzip member (RFC 1952), as gzip writes it; both told
 * from plain text by their first bytes and inflated with a cap, so that
 * no file expands past what a plain one may hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "internal.h"

/* zstd's level 1: on the store benchmark's runs it made the smallest
 * files of levels 1-6 (and than gzip -6), and the fastest (docs/STORE.md). */
#define ZSTD_LEVEL 1

int bt__run_compressed(const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	if (!data || n < 4)
		return n >= 2 && data && p[0] == 0x1f && p[1] == 0x8b ? BT__RUN_GZIP : 0;
	if (p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return BT__RUN_ZSTD;
	return p[0] == 0x1f && p[1] == 0x8b ? BT__RUN_GZIP : 0;
}

/* The first size of the output buffer: the size the stream says (gzip's
 * trailer, mod 2^32; zstd's frame header), when plausible, else 64 KiB. */
static size_t first_size(size_t said, size_t n, size_t cap)
{
	size_t size = 1 << 16;
	if (said >= size && said <= cap && said / 1100 <= n)
		size = said + 1;
	return size > cap + 1 ? cap + 1 : size;
}

/* buf grown to twice its size, at most cap + 1 (+1 for the NUL). */
static int grow(char **buf, size_t *size, size_t cap)
{
	size_t nsize = *size * 2 > cap + 1 ? cap + 1 : *size * 2;
	char *nb = realloc(*buf, nsize + 1);
	if (!nb)
		return BT_ENOMEM;
	*buf = nb;
	*size = nsize;
	return 0;
}

static int too_big(const char *name, size_t cap, struct bt_strbuf *err)
{
	return bt_error(err, BT_ETOOBIG, "%s: compressed run file larger than %zu "
			"bytes inflated", name, cap);
}

static int gz_inflate(const char *name, const char *data, size_t n, size_t cap,
		      char **out, size_t *outlen, struct bt_strbuf *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (n > UINT32_MAX)
		return too_big(name, cap, err);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	const unsigned char *t = (const unsigned char *)data + n - 4;
	size_t size = first_size(n >= 18 ? (size_t)t[0] | (size_t)t[1] << 8 |
					       (size_t)t[2] << 16 | (size_t)t[3] << 24
					 : 0, n, cap);
	char *buf = malloc(size + 1);
	int rc = 0, zr;
	if (!buf) {
		inflateEnd(&z);
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)size;
	while ((zr = inflate(&z, Z_NO_FLUSH)) != Z_STREAM_END) {
		if (zr == Z_OK && z.avail_out == 0) {
			if (z.total_out > cap) {
				rc = too_big(name, cap, err);
				break;
			}
			if (grow(&buf, &size, cap)) {
				rc = bt_error(err, BT_ENOMEM, "%s: out of memory", name);
				break;
			}
			z.next_out = (Bytef *)buf + z.total_out;
			z.avail_out = (uInt)(size - z.total_out);
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0)
			rc = bt_error(err, BT_EPARSE, "%s: compressed run file truncated "
				      "(%zu bytes, the gzip stream does not end)", name, n);
		else if (zr == Z_MEM_ERROR)
			rc = bt_error(err, BT_ENOMEM, "%s: out of memory", name);
		else
			rc = bt_error(err, BT_EPARSE, "%s: damaged compressed run file "
				      "(gzip): %s", name, z.msg ? z.msg : "stream error");
		break;
	}
	if (!rc && z.total_out > cap)
		rc = too_big(name, cap, err);
	if (!rc && z.avail_in)
		rc = bt_error(err, BT_EPARSE, "%s: damaged compressed run file: %zu "
			      "bytes after the gzip stream", name, (size_t)z.avail_in);
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

static int zstd_inflate(const char *name, const char *data, size_t n, size_t cap,
			char **out, size_t *outlen, struct bt_strbuf *err)
{
	unsigned long long said = ZSTD_getFrameContentSize(data, n);
	size_t size = first_size(said == ZSTD_CONTENTSIZE_UNKNOWN ||
				 said == ZSTD_CONTENTSIZE_ERROR || said > cap
				 ? 0 : (size_t)said, n, cap);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	char *buf = malloc(size + 1);
	int rc = 0;
	if (!dc || !buf) {
		ZSTD_freeDCtx(dc);
		free(buf);
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	}
	/* the frame says its size (as the store writes it) and is all of
	 * data: in one call, straight into buf */
	if (size == (size_t)said + 1 && ZSTD_findFrameCompressedSize(data, n) == n) {
		size_t zr = ZSTD_decompressDCtx(dc, buf, size, data, n);
		if (!ZSTD_isError(zr) && zr == (size_t)said) {
			ZSTD_freeDCtx(dc);
			buf[zr] = '\0';
			*out = buf;
			*outlen = zr;
			return 0;
		}
		/* else the stream below says what is wrong */
	}
	ZSTD_inBuffer in = { data, n, 0 };
	ZSTD_outBuffer ob = { buf, size, 0 };
	size_t zr;
	for (;;) {
		zr = ZSTD_decompressStream(dc, &ob, &in);
		if (ZSTD_isError(zr)) {
			ZSTD_ErrorCode e = ZSTD_getErrorCode(zr);
			rc = e == ZSTD_error_memory_allocation
				? bt_error(err, BT_ENOMEM, "%s: out of memory", name)
				: bt_error(err, BT_EPARSE, "%s: damaged compressed run file "
					   "(zstd): %s", name,
					   e == ZSTD_error_checksum_wrong
						   ? "checksum mismatch"
						   : ZSTD_getErrorName(zr));
			break;
		}
		if (zr == 0)
			break; /* the frame ended, flushed */
		if (ob.pos == ob.size) {
			if (ob.pos > cap) {
				rc = too_big(name, cap, err);
				break;
			}
			if (grow(&buf, &size, cap)) {
				rc = bt_error(err, BT_ENOMEM, "%s: out of memory", name);
				break;
			}
			ob.dst = buf;
			ob.size = size;
			continue;
		}
		if (in.pos == in.size) {
			rc = bt_error(err, BT_EPARSE, "%s: compressed run file truncated "
				      "(%zu bytes, the zstd frame does not end)", name, n);
			break;
		}
	}
	if (!rc && ob.pos > cap)
		rc = too_big(name, cap, err);
	if (!rc && in.pos < in.size)
		rc = bt_error(err, BT_EPARSE, "%s: damaged compressed run file: %zu "
			      "bytes after the zstd frame", name, in.size - in.pos);
	ZSTD_freeDCtx(dc);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[ob.pos] = '\0';
	*out = buf;
	*outlen = ob.pos;
	return 0;
}

int bt__run_inflate(const char *name, const char *data, size_t n, size_t cap,
		    char **out, size_t *outlen, struct bt_strbuf *err)
{
	*out = NULL;
	*outlen = 0;
	if (!name)
		name = "<input>";
	switch (bt__run_compressed(data, n)) {
	case BT__RUN_ZSTD:
		return zstd_inflate(name, data, n, cap, out, outlen, err);
	case BT__RUN_GZIP:
		return gz_inflate(name, data, n, cap, out, outlen, err);
	}
	return bt_error(err, BT_EPARSE, "%s: not a compressed run file", name);
}

/* data[0..n) in one zstd frame (its size and checksum in it) or one gzip
 * member (no name, time 0): the same text gives the same bytes. */
static int deflate_run(int zstd, const char *data, size_t n, char **out,
		       size_t *outlen, struct bt_strbuf *err)
{
	if (zstd) {
		size_t bound = ZSTD_compressBound(n);
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		char *buf = cc ? malloc(bound) : NULL;
		size_t zr = 0;
		if (buf && (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel,
								 ZSTD_LEVEL)) ||
			    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
			    ZSTD_isError(zr = ZSTD_compress2(cc, buf, bound, data, n)))) {
			free(buf);
			ZSTD_freeCCtx(cc);
			return bt_error(err, BT_EIO, "compressing a run file: %s",
					ZSTD_getErrorName(zr));
		}
		ZSTD_freeCCtx(cc);
		if (!buf)
			return bt_error(err, BT_ENOMEM, "out of memory compressing a run file");
		*out = buf;
		*outlen = zr;
		return 0;
	}
	z_stream z;
	memset(&z, 0, sizeof z);
	if (n > UINT32_MAX)
		return bt_error(err, BT_ETOOBIG, "run file too large to compress");
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
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

int bt__run_deflate(int form, const char *data, size_t n, char **out,
		    size_t *outlen, struct bt_strbuf *err)
{
	return deflate_run(form == BT_RUN_FILE_ZSTD, data, n, out, outlen, err);
}

int bt__run_file_write(const char *path, const char *data, size_t len,
		       int form, struct bt_strbuf *err)
{
	if (form == BT_RUN_FILE_STORE)
		form = len >= BT_RUN_ZSTD_MIN ? BT_RUN_FILE_ZSTD : BT_RUN_FILE_PLAIN;
	if (form != BT_RUN_FILE_GZIP && form != BT_RUN_FILE_ZSTD)
		return bt__write_file_atomic(path, data, len, err);
	char *z = NULL;
	size_t zlen = 0;
	int rc = deflate_run(form == BT_RUN_FILE_ZSTD, data, len, &z, &zlen, err);
	if (rc)
		return rc;
	rc = bt__write_file_atomic(path, z, zlen, err);
	free(z);
	return rc;
}
