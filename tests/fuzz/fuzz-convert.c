/* convert_rect over any geometry: the rectangle, stride, size and length come from the
 * compositor, so whatever they say it reads only the source's bytes and writes only the
 * picture's. Input: a 32-byte header (below, little-endian), then the source pixels. */
#include <stdlib.h>
#include <string.h>

#include "media/convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER   32
#define MAX_SIDE 256 /* of the picture: enough for every path, small enough to be quick */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t formats[] = {0x34325258, 0x34325241, 0x34324258, 0x34324241,
	                                   0x36314752};
	struct convert_source src;
	struct convert_i420 dst;
	struct capture_rect rect;
	uint32_t width, height;
	uint8_t *pixels, *i420;
	size_t len, picture;

	if (size < HEADER)
		return 0;
	width = le16(data) % (MAX_SIDE + 1); /* 0..256: odd and zero too */
	height = le16(data + 2) % (MAX_SIDE + 1);
	src = (struct convert_source){
	        .width = le16(data + 4),
	        .height = le16(data + 6),
	        .stride = le32(data + 8),
	        .format = formats[data[12] % (sizeof(formats) / sizeof(formats[0]))],
	        .y_invert = data[13] & 1,
	};
	rect = (struct capture_rect){(int32_t)le32(data + 16), (int32_t)le32(data + 20),
	                             le32(data + 24), le32(data + 28)};
	/* exact allocations, so a read or write past either end is caught by ASan */
	len = size - HEADER;
	pixels = malloc(len ? len : 1);
	picture = convert_i420_size(width, height);
	i420 = malloc(picture ? picture : 1);
	if (!pixels || !i420)
		abort();
	memcpy(pixels, data + HEADER, len);
	src.data = pixels;
	src.len = len;
	convert_i420_init(&dst, i420, width, height);
	if (convert_rect(&dst, &src, data[14] & 1 ? CONVERT_BT709 : CONVERT_BT601, &rect)) {
		/* it took the source: it had to fit */
		if (width % 2 || height % 2 || src.width < width || src.height < height ||
		    src.stride / 4 < src.width)
			abort();
	}
	free(pixels);
	free(i420);
	return 0;
}
