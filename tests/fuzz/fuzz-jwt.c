/* auth_token_verify over any bytes, with a fixed key. */
#include <string.h>

#include "server/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct auth_key key;
	GError *error = NULL;
	uint32_t scope;

	memset(key.bytes, 0x42, sizeof(key.bytes));
	if (auth_token_verify(&key, (const char *)data, size, &scope, &error))
		__builtin_trap(); /* nothing random may pass */
	g_clear_error(&error);
	return 0;
}
