/* signal_parse over any bytes. */
#include "server/signaling.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signal_msg msg;
	GError *error = NULL;

	if (signal_parse((const char *)data, size, &msg, &error))
		signal_msg_clear(&msg);
	g_clear_error(&error);
	return 0;
}
