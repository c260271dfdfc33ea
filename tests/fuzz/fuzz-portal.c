/* The desktop portal's replies (src/xdp/session.c): a Start response's results, a{sv} in
 * GVariant's serialised form, as GDBus would hand them over from any D-Bus peer; the
 * streams parsed, and the devices and restore token looked up as on_response does. Also
 * the AvailableCursorModes and Response codes, from the input's first eight bytes. */
#include <stdlib.h>
#include <string.h>

#include "xdp/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* GVariant reads in place: a copy of its own, aligned as g_malloc aligns */
	GBytes *bytes = g_bytes_new(data, size);
	GVariant *results =
	        g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a{sv}"), bytes, FALSE));
	struct xdp_stream stream;
	GError *error = NULL;
	const char *token = NULL;
	uint32_t devices = 0, word = 0;

	if (xdp_parse_streams(results, &stream, &error)) {
		if (stream.width < 0 || stream.height < 0 ||
		    (stream.width == 0) != (stream.height == 0))
			abort();
	} else if (!error || !error->message[0]) {
		abort();
	}
	g_clear_error(&error);
	g_variant_lookup(results, "devices", "u", &devices);
	if (g_variant_lookup(results, "restore_token", "&s", &token) && !token)
		abort();
	g_variant_unref(results);
	g_bytes_unref(bytes);

	if (size >= 4)
		memcpy(&word, data, 4);
	if (!xdp_response_reason(word) || !xdp_response_reason(word)[0])
		abort();
	xdp_choose_cursor_mode(word);
	return 0;
}
