/* KeyboardEvent.code → evdev: the table is sorted, complete for the keys a browser sends
 * on a PC keyboard, one code per key, and the lookup finds exactly what is in it. */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "input/keymap.h"

static void test_sorted_and_distinct(void)
{
	size_t n;
	const struct input_keymap_entry *t = input_keymap_table(&n);
	g_autoptr(GHashTable) owner = g_hash_table_new(g_direct_hash, g_direct_equal);

	g_assert_cmpuint(n, >, 150);
	for (size_t i = 0; i < n; i++) {
		const char *prev;

		if (i > 0)
			g_assert_cmpint(strcmp(t[i - 1].code, t[i].code), <, 0);
		g_assert_cmpuint(t[i].evdev, >, 0);
		g_assert_cmpuint(t[i].evdev, <, KEY_CNT);
		g_assert_cmpuint(input_keymap_lookup(t[i].code), ==, t[i].evdev);
		if (t[i].alias_of) {
			/* an alias means the same key as the name it stands for */
			g_assert_cmpuint(input_keymap_lookup(t[i].alias_of), ==, t[i].evdev);
			continue;
		}
		prev = g_hash_table_lookup(owner, GUINT_TO_POINTER(t[i].evdev));
		if (prev)
			g_error("%s and %s both map to %u", prev, t[i].code, t[i].evdev);
		g_hash_table_insert(owner, GUINT_TO_POINTER(t[i].evdev), (gpointer)t[i].code);
	}
}

static void test_spot_checks(void)
{
	static const struct {
		const char *code;
		uint32_t evdev;
	} want[] = {
	        {"KeyA", 30},
	        {"KeyQ", KEY_Q},
	        {"KeyZ", 44},
	        {"KeyY", 21},
	        {"Digit1", KEY_1},
	        {"Digit0", KEY_0},
	        {"Backquote", KEY_GRAVE},
	        {"IntlBackslash", KEY_102ND},
	        {"IntlRo", KEY_RO},
	        {"IntlYen", KEY_YEN},
	        {"MetaLeft", KEY_LEFTMETA},
	        {"MetaRight", KEY_RIGHTMETA},
	        {"OSLeft", KEY_LEFTMETA},
	        {"NumpadEnter", KEY_KPENTER},
	        {"Numpad7", KEY_KP7},
	        {"NumpadDecimal", KEY_KPDOT},
	        {"Enter", KEY_ENTER},
	        {"ShiftLeft", KEY_LEFTSHIFT},
	        {"ShiftRight", KEY_RIGHTSHIFT},
	        {"AltRight", KEY_RIGHTALT},
	        {"ArrowUp", KEY_UP},
	        {"F1", KEY_F1},
	        {"F11", KEY_F11},
	        {"F13", KEY_F13},
	        {"F24", KEY_F24},
	        {"Lang1", KEY_HANGEUL},
	        {"Lang2", KEY_HANJA},
	        {"ContextMenu", KEY_COMPOSE},
	        {"PrintScreen", KEY_SYSRQ},
	        {"AudioVolumeUp", KEY_VOLUMEUP},
	        {"BrowserBack", KEY_BACK},
	        {"LaunchApp1", KEY_FILE},
	        {"LaunchApp2", KEY_CALC},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpuint(input_keymap_lookup(want[i].code), ==, want[i].evdev);
}

static void test_every_f_key(void)
{
	for (int i = 1; i <= 24; i++) {
		g_autofree char *name = g_strdup_printf("F%d", i);
		uint32_t code = input_keymap_lookup(name);

		g_assert_cmpuint(code, ==,
		                 i <= 10   ? KEY_F1 + i - 1
		                 : i <= 12 ? KEY_F11 + i - 11
		                           : KEY_F13 + i - 13);
	}
	for (char c = 'A'; c <= 'Z'; c++) {
		char name[5] = {'K', 'e', 'y', c, '\0'};

		g_assert_cmpuint(input_keymap_lookup(name), !=, 0);
	}
}

static void test_unknown(void)
{
	g_assert_cmpuint(input_keymap_lookup("keya"), ==, 0);
	g_assert_cmpuint(input_keymap_lookup("KeyA "), ==, 0);
	g_assert_cmpuint(input_keymap_lookup("Key"), ==, 0);
	g_assert_cmpuint(input_keymap_lookup(""), ==, 0);
	g_assert_cmpuint(input_keymap_lookup("F25"), ==, 0);
	g_assert_cmpuint(input_keymap_lookup("Unidentified"), ==, 0);
	g_assert_cmpuint(input_keymap_lookup(NULL), ==, 0);
	/* before the first and after the last entry */
	g_assert_cmpuint(input_keymap_lookup("AAA"), ==, 0);
	g_assert_cmpuint(input_keymap_lookup("zzz"), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/keymap/sorted-distinct", test_sorted_and_distinct);
	g_test_add_func("/keymap/spot-checks", test_spot_checks);
	g_test_add_func("/keymap/f-keys-letters", test_every_f_key);
	g_test_add_func("/keymap/unknown", test_unknown);
	return g_test_run();
}
