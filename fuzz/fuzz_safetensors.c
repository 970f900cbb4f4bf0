/* Model-file headers: the safetensors reader of the inference suite
 * (st_parse, examples/inference/safetensors.c) on a file image. What it
 * accepts lies inside the image: every tensor's data is read whole
 * (ASan sees a byte outside), and st_find finds each tensor by name. */
#include <string.h>

#include "fuzz.h"
#include "safetensors.h"

int bt_fuzz_safetensors(const uint8_t *data, size_t size)
{
	/* 4-byte aligned, as st_parse wants (malloc aligns more) */
	void *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	struct st_file f;
	char err[512];
	memset(&f, 0, sizeof f);
	if (st_parse(&f, buf, size, "fuzz.safetensors", err, sizeof err) == 0) {
		volatile float sum = 0;
		for (size_t i = 0; i < f.n_tensors; i++) {
			const struct st_tensor *t = &f.tensors[i];
			if (t->end < t->begin || t->end > f.data_size)
				bt_fuzz_fail("safetensors", "a tensor outside the data section");
			size_t n = (size_t)(t->end - t->begin) / sizeof(float);
			for (size_t k = 0; k < n; k++)
				sum += t->data[k];
			if (st_find(&f, t->name) == NULL)
				bt_fuzz_fail("safetensors", "a tensor not found by its name");
		}
		(void)sum;
	} else if (!err[0]) {
		bt_fuzz_fail("safetensors", "refused without a message");
	}
	st_close(&f);
	free(buf);
	return 0;
}
