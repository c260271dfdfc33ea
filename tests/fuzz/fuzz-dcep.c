/* rtc_dcep_parse over any bytes; what parses must build back to the same bytes. */
#include <string.h>

#include "rtc/dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_dcep_open o;
	uint8_t again[12 + 2 * RTC_DCEP_MAX_LABEL];

	if (rtc_dcep_parse(data, size, &o) == RTC_DCEP_OPEN) {
		size_t n = rtc_dcep_build_open(again, sizeof(again), &o);

		if (n != size || memcmp(again + 2, data + 2, size - 2) != 0)
			__builtin_trap();
	}
	return 0;
}
