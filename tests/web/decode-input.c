/* The server's own decoder (src/input/message.c) as a filter for the browser encoder's
 * tests: each stdin line is one message in hex, each stdout line what it decoded to, or
 * "invalid". Text is printed in hex, since it may hold any character. */
#include <stdio.h>
#include <string.h>

#include "input/message.h"

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void print_event(const struct input_event *ev)
{
	switch (ev->type) {
	case INPUT_EVENT_POINTER_MOVE:
		printf("move %u %u\n", ev->move.x, ev->move.y);
		return;
	case INPUT_EVENT_BUTTON:
		printf("button %d %d\n", ev->button.button, ev->button.pressed);
		return;
	case INPUT_EVENT_WHEEL:
		printf("wheel %d %d %d\n", ev->wheel.dx, ev->wheel.dy, ev->wheel.mode);
		return;
	case INPUT_EVENT_KEY:
		printf("key %d %s\n", ev->key.pressed, ev->key.code);
		return;
	case INPUT_EVENT_TEXT:
		printf("text %zu ", ev->text.len);
		for (size_t i = 0; i < ev->text.len; i++)
			printf("%02x", (unsigned char)ev->text.utf8[i]);
		printf("\n");
		return;
	case INPUT_EVENT_RELEASE_ALL:
		printf("release-all\n");
		return;
	}
	printf("unknown\n");
}

int main(void)
{
	static char line[4 * INPUT_MESSAGE_MAX];
	static uint8_t buf[2 * INPUT_MESSAGE_MAX];

	while (fgets(line, sizeof(line), stdin)) {
		size_t len = 0;
		struct input_event ev;
		int hi, lo;

		for (size_t i = 0; line[i] && line[i + 1] && len < sizeof(buf); i += 2) {
			hi = hex_value(line[i]);
			lo = hex_value(line[i + 1]);
			if (hi < 0 || lo < 0)
				break;
			buf[len++] = (uint8_t)(hi << 4 | lo);
		}
		if (input_message_decode(buf, len, &ev))
			print_event(&ev);
		else
			printf("invalid\n");
	}
	return 0;
}
