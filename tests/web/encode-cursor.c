/* The server's cursor encoder (src/cursor.c) as a filter for the page's decoder tests, the
 * reverse of decode-input: each stdin line asks for one message, each stdout line is it in
 * hex, or "invalid" when the server would not send it.
 *   position X Y VISIBLE
 *   image FOURCC W H HOT_X HOT_Y   (a bitmap in that DRM format, through the conversion)
 * Pixel i of an image's bitmap is R = i, G = 3i, B = 7i, A = 255 - i (each mod 256; opaque
 * for the X formats, whose padding byte is set to 0x5a to show that it is ignored), taken
 * as premultiplied, as the server takes every bitmap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/cursor.h"

#define PADDING 8 /* bytes after each row: a stride wider than the image */

static void print_hex(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", buf[i]);
	printf("\n");
}

/* Where R, G, B and A sit in memory for a fourcc (alpha -1: an X format). */
static bool layout(const char *fourcc, int *r, int *b, int *a)
{
	if (!strcmp(fourcc, "AR24") || !strcmp(fourcc, "XR24"))
		*r = 2, *b = 0;
	else if (!strcmp(fourcc, "AB24") || !strcmp(fourcc, "XB24"))
		*r = 0, *b = 2;
	else
		return false;
	*a = fourcc[0] == 'A' ? 3 : -1;
	return true;
}

static void image(const char *fourcc, unsigned w, unsigned h, int hx, int hy)
{
	static uint8_t msg[CURSOR_MESSAGE_MAX];
	uint32_t format = (uint32_t)fourcc[0] | (uint32_t)fourcc[1] << 8 |
	                  (uint32_t)fourcc[2] << 16 | (uint32_t)fourcc[3] << 24;
	size_t stride = (size_t)w * 4 + PADDING;
	uint8_t *bitmap = calloc(stride * (h ? h : 1), 1);
	uint8_t *rgba = calloc((size_t)w * (h ? h : 1) * 4 + 4, 1);
	size_t len = 0;
	int r, b, a;

	if (strlen(fourcc) == 4 && layout(fourcc, &r, &b, &a) && w <= 1024 && h <= 1024) {
		for (unsigned y = 0; y < h; y++) {
			for (unsigned x = 0; x < w; x++) {
				unsigned i = y * w + x;
				uint8_t *p = bitmap + y * stride + x * 4;

				p[r] = (uint8_t)i;
				p[1] = (uint8_t)(3 * i);
				p[b] = (uint8_t)(7 * i);
				p[3] = a < 0 ? 0x5a : (uint8_t)(255 - i);
			}
		}
		if (cursor_convert_rgba(rgba, bitmap, w, h, (uint32_t)stride, format))
			len = cursor_encode_image(msg, sizeof(msg), w, h, hx, hy, rgba);
	}
	if (len)
		print_hex(msg, len);
	else
		printf("invalid\n");
	free(bitmap);
	free(rgba);
}

int main(void)
{
	char line[256], fourcc[8];
	uint8_t msg[CURSOR_POSITION_LEN];
	long x, y, v;
	unsigned w, h;
	int hx, hy;

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "position %ld %ld %ld", &x, &y, &v) == 3)
			print_hex(msg, cursor_encode_position(msg, sizeof(msg), (int32_t)x,
			                                      (int32_t)y, v != 0));
		else if (sscanf(line, "image %4s %u %u %d %d", fourcc, &w, &h, &hx, &hy) == 5)
			image(fourcc, w, h, hx, hy);
		else
			printf("invalid\n");
	}
	return 0;
}
