/* wsguard_feed over any bytes, in pieces of every size, with a small limit: it must
 * never read out of bounds, and splitting the input must not change the verdict. */
#include <string.h>

#include "server/wsguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsguard whole, pieces;
	bool a, b = true;
	size_t step = size ? (size_t)data[0] % 7 + 1 : 1;

	wsguard_init(&whole, 1024);
	wsguard_init(&pieces, 1024);
	a = wsguard_feed(&whole, data, size);
	for (size_t at = 0; at < size; at += step)
		b = wsguard_feed(&pieces, data + at, size - at < step ? size - at : step);
	if (a != b)
		__builtin_trap();
	return 0;
}
