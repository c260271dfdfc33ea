/* Signaling messages: strict JSON in (every field typed and bounded), JSON out. */
#include "server/signaling.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "server/auth.h"

#define SDP_MAX       (64 * 1024)
#define CANDIDATE_MAX 1024
#define MESSAGE_MAX   (SDP_MAX + 1024) /* an answer with its SDP escaped, and room to spare */
#define DEPTH_MAX     8                /* our messages are flat; the parser recurses */

static bool bad(GError **error, const char *msg)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, msg);
	return false;
}

/* Nesting depth of arrays and objects, outside strings, stopping early past `max`: a
 * message of 64 KiB of "[" should cost a scan, not the parser's stack. */
static bool depth_ok(const char *buf, size_t len, unsigned max)
{
	unsigned depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return false;
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return true;
}

/* A string member, or NULL when absent or of another type. */
static const char *string_member(JsonObject *obj, const char *name)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/* An integer member within [min, max]; false when absent, of another type or outside. */
static bool int_member(JsonObject *obj, const char *name, int64_t min, int64_t max, int64_t *out)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return false;
	*out = json_node_get_int(node);
	return *out >= min && *out <= max;
}

/* A number member (an integer or not) within [min, max]. */
static bool number_member(JsonObject *obj, const char *name, double min, double max, double *out)
{
	JsonNode *node = json_object_get_member(obj, name);
	GType type;

	if (!node || !JSON_NODE_HOLDS_VALUE(node))
		return false;
	type = json_node_get_value_type(node);
	if (type == G_TYPE_INT64)
		*out = (double)json_node_get_int(node);
	else if (type == G_TYPE_DOUBLE)
		*out = json_node_get_double(node);
	else
		return false;
	return *out >= min && *out <= max; /* false for NaN too */
}

static bool parse_size(JsonObject *obj, struct signal_msg *msg, GError **error)
{
	int64_t w, h;

	if (!int_member(obj, "width", 1, SIGNAL_SIZE_MAX, &w) ||
	    !int_member(obj, "height", 1, SIGNAL_SIZE_MAX, &h))
		return bad(error, "size needs integer \"width\" and \"height\" from 1 to 16384");
	msg->pixel_ratio = 1.0;
	if (json_object_has_member(obj, "pixelRatio") &&
	    !number_member(obj, "pixelRatio", SIGNAL_PIXEL_RATIO_MIN, SIGNAL_PIXEL_RATIO_MAX,
	                   &msg->pixel_ratio))
		return bad(error, "size's \"pixelRatio\" is not a number from 0.25 to 8");
	msg->type = SIGNAL_SIZE;
	msg->width = (unsigned)w;
	msg->height = (unsigned)h;
	return true;
}

bool signal_parse(const char *buf, size_t len, struct signal_msg *msg, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonObject *obj;
	const char *type, *s;

	memset(msg, 0, sizeof(*msg));
	if (len > MESSAGE_MAX)
		return bad(error, "message too long");
	if (len == 0)
		return bad(error, "message is empty");
	if (memchr(buf, '\0', len))
		return bad(error, "message contains a NUL byte");
	if (!depth_ok(buf, len, DEPTH_MAX))
		return bad(error, "message is nested too deeply");
	if (!json_parser_load_from_data(parser, buf, (gssize)len, NULL))
		return bad(error, "message is not JSON");
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return bad(error, "message is not a JSON object");
	obj = json_node_get_object(root);
	type = string_member(obj, "type");
	if (!type)
		return bad(error, "message has no \"type\"");
	if (!strcmp(type, "answer")) {
		s = string_member(obj, "sdp");
		if (!s)
			return bad(error, "answer has no \"sdp\" string");
		if (strlen(s) > SDP_MAX)
			return bad(error, "answer's SDP is too long");
		msg->type = SIGNAL_ANSWER;
		msg->sdp = g_strdup(s);
	} else if (!strcmp(type, "candidate")) {
		JsonNode *node = json_object_get_member(obj, "candidate");
		JsonNode *mid = json_object_get_member(obj, "sdpMid");

		/* one BUNDLE group: a mid is a string or absent/null, and tells us nothing */
		if (mid && !JSON_NODE_HOLDS_NULL(mid) && !string_member(obj, "sdpMid"))
			return bad(error, "candidate's \"sdpMid\" is not a string");
		msg->type = SIGNAL_CANDIDATE;
		if (node && JSON_NODE_HOLDS_NULL(node)) {
			msg->candidate = g_strdup("");
			return true;
		}
		s = string_member(obj, "candidate");
		if (!s)
			return bad(error, "candidate has no \"candidate\" string");
		if (strlen(s) > CANDIDATE_MAX)
			return bad(error, "candidate is too long");
		msg->candidate = g_strdup(s);
	} else if (!strcmp(type, "keyframe")) {
		msg->type = SIGNAL_KEYFRAME;
	} else if (!strcmp(type, "ping")) {
		msg->type = SIGNAL_PING;
	} else if (!strcmp(type, "size")) {
		return parse_size(obj, msg, error);
	} else {
		return bad(error, "unknown message type");
	}
	return true;
}

void signal_msg_clear(struct signal_msg *msg)
{
	g_clear_pointer(&msg->sdp, g_free);
	g_clear_pointer(&msg->candidate, g_free);
}

static char *finish(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	g_object_unref(b);
	return json_generator_to_data(gen, NULL);
}

static JsonBuilder *start(const char *type)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	return b;
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

char *signal_build_offer(const char *sdp)
{
	JsonBuilder *b = start("offer");

	add_string(b, "sdp", sdp);
	return finish(b);
}

char *signal_build_candidate(const char *candidate)
{
	JsonBuilder *b = start("candidate");

	add_string(b, "candidate", candidate);
	add_string(b, "sdpMid", "0");
	return finish(b);
}

char *signal_build_hello(uint32_t scope, unsigned width, unsigned height, const char *codec,
                         const struct signal_ice_server *ice, bool resize)
{
	JsonBuilder *b = start("hello");
	g_autofree char *rights = auth_scope_format(scope);
	g_auto(GStrv) words = g_strsplit(rights, ",", 0);

	json_builder_set_member_name(b, "scope");
	json_builder_begin_array(b);
	for (size_t i = 0; words[i]; i++) {
		if (*words[i])
			json_builder_add_string_value(b, words[i]);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "width");
	json_builder_add_int_value(b, width);
	json_builder_set_member_name(b, "height");
	json_builder_add_int_value(b, height);
	add_string(b, "codec", codec);
	if (resize) {
		json_builder_set_member_name(b, "resize");
		json_builder_add_boolean_value(b, true);
	}
	if (ice) {
		json_builder_set_member_name(b, "iceServers");
		json_builder_begin_array(b);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "urls");
		json_builder_begin_array(b);
		for (size_t i = 0; ice->urls && ice->urls[i]; i++)
			json_builder_add_string_value(b, ice->urls[i]);
		json_builder_end_array(b);
		add_string(b, "username", ice->username);
		add_string(b, "credential", ice->credential);
		json_builder_end_object(b);
		json_builder_end_array(b);
	}
	return finish(b);
}

char *signal_build_error(const char *code, const char *message)
{
	JsonBuilder *b = start("error");

	add_string(b, "code", code);
	add_string(b, "message", message);
	return finish(b);
}

char *signal_build_bye(const char *reason)
{
	JsonBuilder *b = start("bye");

	add_string(b, "reason", reason);
	return finish(b);
}

char *signal_build_no_picture(unsigned seconds, const char *message)
{
	JsonBuilder *b = start("no-picture");

	json_builder_set_member_name(b, "seconds");
	json_builder_add_int_value(b, seconds);
	add_string(b, "message", message);
	return finish(b);
}

char *signal_build_picture(void)
{
	return finish(start("picture"));
}
