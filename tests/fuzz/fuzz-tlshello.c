/* door_hello_check over any bytes and every prefix of them: never out of bounds, and a
 * prefix never says READY or BAD where the whole would say otherwise about that prefix's
 * record (a verdict, once given, stays as more bytes come). */
#include "server/door.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t need = 0, need_whole = 0;
	enum door_hello whole = door_hello_check(data, size, &need_whole);

	for (size_t n = 0; n <= size; n++) {
		enum door_hello v = door_hello_check(data, n, &need);

		if (need < 5 || need > 5 + DOOR_HELLO_MAX)
			__builtin_trap();
		if (v != DOOR_HELLO_MORE && v != whole)
			__builtin_trap();
		if (v == DOOR_HELLO_READY && n < need)
			__builtin_trap();
	}
	return 0;
}
