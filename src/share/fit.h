/* A virtual desktop that follows its viewer's window (--size=auto): a controlling viewer's
 * page says the size of its video area in CSS pixels and its device pixel ratio, and the
 * desktop's output takes that many device pixels at an integer scale, so text is drawn
 * for the screen it lands on, pixel for pixel. The last viewer to ask wins. Changes go at
 * most every FIT_INTERVAL_MS, the newest last, so a window dragged across the screen
 * ends at its final size without a mode for every step. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Bounds of what a page may ask for, in device pixels: no side over FIT_MAX_SIDE or under
 * FIT_MIN_SIDE, no more pixels than FIT_MAX_AREA (2560×1600: a software encoder keeps up
 * and a 4K window still gets sharp text at half its pixels), a scale of 1 to FIT_MAX_SCALE. */
#define FIT_MAX_SIDE 4096
#define FIT_MIN_SIDE 240
#define FIT_MAX_AREA (FIT_AREA_WIDTH * FIT_AREA_HEIGHT)
/* a size of FIT_MAX_AREA no wider than FIT_MAX_SIDE allows in macroblocks: the H.264 level
 * offered covers every mode fit_mode gives */
#define FIT_AREA_WIDTH  2560u
#define FIT_AREA_HEIGHT 1600u
#define FIT_MAX_SCALE   3
#define FIT_INTERVAL_MS 250

struct fit_mode {
	unsigned width, height; /* device pixels: even, and whole multiples of the scale */
	unsigned scale;
};

/* The output mode for a video area of css_width × css_height CSS pixels at pixel_ratio
 * device pixels each (pure; any input gives a mode within the bounds). */
void fit_mode(unsigned css_width, unsigned css_height, double pixel_ratio, struct fit_mode *out);

struct fit;

/* For the virtual desktop on `display`; NULL with an error when it cannot change its
 * output's mode. */
struct fit *fit_new(const char *display, GError **error);
void fit_free(struct fit *fit); /* NULL is fine */
void fit_request(struct fit *fit, unsigned css_width, unsigned css_height, double pixel_ratio);
