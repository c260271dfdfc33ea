/* A virtual pointer (zwlr_virtual_pointer_v1) on a seat of wayrtc's connection, mapped to
 * an output where the compositor can (manager v2). Made without waiting for the
 * compositor. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

#include "wayland/conn.h"

struct wayland_vpointer;

/* `output` may be NULL (the compositor chooses). NULL with an error a person can act on
 * when the compositor offers no virtual pointer. */
struct wayland_vpointer *wayland_vpointer_new(struct wayland_conn *conn, struct wayland_seat *seat,
                                              struct wayland_output *output, GError **error);
void wayland_vpointer_free(struct wayland_vpointer *pointer); /* NULL is fine */
uint32_t wayland_vpointer_version(const struct wayland_vpointer *pointer);
/* x < width, y < height: a point of an area of that size the compositor maps to the output */
void wayland_vpointer_motion_absolute(struct wayland_vpointer *pointer, uint32_t x, uint32_t y,
                                      uint32_t width, uint32_t height);
void wayland_vpointer_button(struct wayland_vpointer *pointer, uint32_t button, bool pressed);
/* One wheel event: `value` in surface pixels, `steps` whole notches (may be 0). */
void wayland_vpointer_wheel(struct wayland_vpointer *pointer, enum wl_pointer_axis axis,
                            double value, int32_t steps);
void wayland_vpointer_frame(struct wayland_vpointer *pointer);
