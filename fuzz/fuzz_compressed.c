/* Compressed run files (lib/result/compress.c): a zstd frame or a gzip
 * member, inflated (bt__run_inflate, with a small cap) and read by both
 * run readers, which inflate by themselves. The first byte of the input
 * picks the magic put in front of the rest (0: none, 1: zstd, 2: gzip),
 * so that the fuzzer need not find the magic to reach the decoders. */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"
#include "internal.h"
#include "result/json_scan.h"

int bt_fuzz_compressed(const uint8_t *data, size_t size)
{
	static const uint8_t zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd }, gzip[2] = { 0x1f, 0x8b };
	if (size < 1)
		return 0;
	int pick = data[0] % 3;
	data++, size--;
	size_t pre = pick == 1 ? sizeof zstd : pick == 2 ? sizeof gzip : 0;
	char *buf = malloc(pre + size + 1);
	if (!buf)
		abort();
	if (pre)
		memcpy(buf, pick == 1 ? zstd : gzip, pre);
	if (size)
		memcpy(buf + pre, data, size);
	size_t n = pre + size;

	char *plain = NULL;
	size_t plen = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt__run_compressed(buf, n)) {
		int rc = bt__run_inflate("fuzz.json.zst", buf, n, 1 << 20, &plain, &plen, &err);
		if (rc == 0 && (!plain || plain[plen] != '\0' || plen > (1 << 20)))
			bt_fuzz_fail("compressed", "inflated text not NUL-terminated or over the cap");
		free(plain);
	}
	struct bt_run a, b;
	if (bt_run_init(&a) || bt_run_init(&b))
		abort();
	int rs = bt_run_from_json(&a, buf, n, "fuzz.json.zst", &err);
	int rf = bt__run_scan(&b, buf, n, BT__SCAN_SAMPLES);
	if (rs != 0 && rf == 0)
		bt_fuzz_fail("compressed", "the fast reader accepts what the strict one refuses");
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&err);
	free(buf);
	return 0;
}
