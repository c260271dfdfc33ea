/* A viewer's life: hello + offer on admission, answer and candidates in, candidates out,
 * keyframe requests to the encoder, NACKs to the hub's history. Bad messages get an error
 * reply and the session goes on. */
#define LOG_MODULE "viewer"
#include "viewer.h"

#include <string.h>

#include "app.h"
#include "log.h"
#include "media/encoder.h"
#include "media/hub.h"
#include "rtc/dtls.h"
#include "rtc/peer.h"
#include "server/server.h"
#include "server/signaling.h"

/* A browser that loses packets may ask for many keyframes; each costs a big frame. */
#define KEYFRAME_MIN_INTERVAL_US (300 * 1000)

struct viewer {
	struct app *app;
	struct server_client *client;
	struct rtc_peer *peer;
	uint32_t scope;
	int64_t last_keyframe_us;
};

static void send_json(struct viewer *viewer, char *json)
{
	server_client_send(viewer->client, json);
	g_free(json);
}

static void on_candidate(void *data, const char *candidate)
{
	struct viewer *viewer = data;

	send_json(viewer, signal_build_candidate(candidate));
}

static void request_keyframe(struct viewer *viewer)
{
	int64_t now = g_get_monotonic_time();

	if (now - viewer->last_keyframe_us < KEYFRAME_MIN_INTERVAL_US)
		return;
	viewer->last_keyframe_us = now;
	encoder_request_keyframe(viewer->app->encoder);
}

static void on_state(void *data, enum rtc_peer_state state, const char *reason)
{
	struct viewer *viewer = data;

	switch (state) {
	case RTC_PEER_CONNECTED:
		log_info("%s: connected", server_client_get_address(viewer->client));
		request_keyframe(viewer);
		break;
	case RTC_PEER_FAILED:
		log_warn("%s: %s", server_client_get_address(viewer->client),
		         reason ? reason : "connection failed");
		send_json(viewer, signal_build_error("connection-failed",
		                                     reason ? reason : "the connection failed"));
		break;
	default:
		break;
	}
}

static void on_keyframe(void *data)
{
	request_keyframe(data);
}

static void on_nack(void *data, uint16_t seq)
{
	struct viewer *viewer = data;

	hub_retransmit(viewer->app->hub, viewer->peer, seq);
}

static const struct rtc_peer_listener peer_listener = {
        .candidate = on_candidate,
        .state = on_state,
        .keyframe = on_keyframe,
        .nack = on_nack,
};

struct viewer *viewer_new(struct app *app, struct server_client *client, uint32_t scope)
{
	struct config *config = &app->config;
	struct rtc_peer_config pc = {
	        .cert = app->dtls_cert,
	        .codec = config->codec,
	        .video_ssrc = app->video_ssrc,
	        .stun_host = config->stun_host,
	        .stun_port = config->stun_port,
	        .turn_host = config->turn_host,
	        .turn_port = config->turn_port,
	        .turn_user = config->turn_user,
	        .turn_pass = config->turn_pass,
	};
	g_autoptr(GError) error = NULL;
	g_autofree char *offer = NULL;
	struct viewer *viewer = g_new0(struct viewer, 1);

	viewer->app = app;
	viewer->client = client;
	viewer->scope = scope;
	send_json(viewer, signal_build_hello(scope, app->width, app->height,
	                                     rtc_codec_name(config->codec)));
	viewer->peer = rtc_peer_new(&pc, &peer_listener, viewer, &error);
	if (viewer->peer)
		offer = rtc_peer_create_offer(viewer->peer, &error);
	if (!offer) {
		log_error("%s: %s", server_client_get_address(client), error->message);
		send_json(viewer, signal_build_error("internal", error->message));
		server_client_close(client, 1011, "the server could not start a connection");
		return viewer;
	}
	hub_add_peer(app->hub, viewer->peer);
	send_json(viewer, signal_build_offer(offer));
	return viewer;
}

void viewer_free(struct viewer *viewer)
{
	if (!viewer)
		return;
	if (viewer->peer) {
		hub_remove_peer(viewer->app->hub, viewer->peer);
		rtc_peer_free(viewer->peer);
	}
	g_free(viewer);
}

void viewer_handle_message(struct viewer *viewer, const char *text, size_t len)
{
	g_autoptr(GError) error = NULL;
	struct signal_msg msg = {0};
	bool ok = true;

	if (!signal_parse(text, len, &msg, &error)) {
		send_json(viewer, signal_build_error("bad-message", error->message));
		return;
	}
	if (!viewer->peer) {
		signal_msg_clear(&msg);
		return;
	}
	switch (msg.type) {
	case SIGNAL_ANSWER:
		ok = rtc_peer_set_answer(viewer->peer, msg.sdp, strlen(msg.sdp), &error);
		break;
	case SIGNAL_CANDIDATE:
		ok = rtc_peer_add_candidate(viewer->peer, msg.candidate ? msg.candidate : "",
		                            &error);
		break;
	case SIGNAL_KEYFRAME:
		request_keyframe(viewer);
		break;
	case SIGNAL_PING:
		server_client_send(viewer->client, "{\"type\":\"pong\"}");
		break;
	}
	if (!ok) {
		log_warn("%s: %s", server_client_get_address(viewer->client), error->message);
		send_json(viewer, signal_build_error("bad-message", error->message));
	}
	signal_msg_clear(&msg);
}

void viewer_say_bye(struct viewer *viewer, const char *reason)
{
	send_json(viewer, signal_build_bye(reason));
	server_client_close(viewer->client, 1001, reason);
}
