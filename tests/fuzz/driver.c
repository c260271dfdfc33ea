/* Runs a libFuzzer target without libFuzzer: every seed file in the given folders,
 * then a fixed number of deterministic mutations of each, so CI exercises the parsers
 * under the sanitizers on every run. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUTATIONS 2000 /* per seed; FUZZ_MUTATIONS overrides it for a slow target */

static void run_mutations(const uint8_t *seed, size_t len, GRand *rand, int mutations)
{
	uint8_t *buf = g_malloc(len + 64);

	for (int i = 0; i < mutations; i++) {
		size_t n = len;

		memcpy(buf, seed, len);
		switch (g_rand_int_range(rand, 0, 4)) {
		case 0: /* flip bytes */
			for (int k = 0; k < 4 && n; k++)
				buf[g_rand_int_range(rand, 0, n)] = g_rand_int_range(rand, 0, 256);
			break;
		case 1: /* truncate */
			n = n ? g_rand_int_range(rand, 0, n) : 0;
			break;
		case 2: /* extend with noise */
			for (int k = 0; k < 64; k++)
				buf[n++] = g_rand_int_range(rand, 0, 256);
			break;
		default: /* boundary values */
			if (n)
				buf[g_rand_int_range(rand, 0, n)] = g_rand_boolean(rand) ? 0xff : 0;
			break;
		}
		/* A tight copy, so a read past the end is caught by ASan. */
		uint8_t *exact = g_memdup2(buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		g_free(exact);
	}
	g_free(buf);
}

int main(int argc, char **argv)
{
	GRand *rand = g_rand_new_with_seed(0x77617972);
	const char *env = g_getenv("FUZZ_MUTATIONS");
	int mutations = env ? atoi(env) : MUTATIONS;
	unsigned runs = 0;

	for (int i = 1; i < argc; i++) {
		GDir *dir = g_dir_open(argv[i], 0, NULL);
		const char *name;

		if (!dir) {
			fprintf(stderr, "no seeds in %s\n", argv[i]);
			return 1;
		}
		while ((name = g_dir_read_name(dir))) {
			g_autofree char *path = g_build_filename(argv[i], name, NULL);
			g_autofree char *seed = NULL;
			gsize len;

			if (!g_file_get_contents(path, &seed, &len, NULL))
				continue;
			LLVMFuzzerTestOneInput((const uint8_t *)seed, len);
			run_mutations((const uint8_t *)seed, len, rand, mutations);
			runs += 1 + mutations;
		}
		g_dir_close(dir);
	}
	g_rand_free(rand);
	printf("%u inputs ran\n", runs);
	return runs ? 0 : 1;
}
