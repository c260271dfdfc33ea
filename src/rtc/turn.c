/* TURN REST credentials and URLs (see turn.h). */
#include "rtc/turn.h"

#include <string.h>

bool rtc_turn_credentials(const char *secret, int64_t expiry, const char *name, char **username,
                          char **password)
{
	g_autoptr(GHmac) hmac = NULL;
	guint8 digest[20];
	gsize len = sizeof(digest);

	*username = *password = NULL;
	if (!secret || !*secret || !name || strchr(name, ':') || expiry <= 0)
		return false;
	*username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry, name);
	hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
	g_hmac_update(hmac, (const guchar *)*username, (gssize)strlen(*username));
	g_hmac_get_digest(hmac, digest, &len);
	*password = g_base64_encode(digest, len);
	return true;
}

char **rtc_turn_urls(const char *host, unsigned port, unsigned tls_port)
{
	g_autoptr(GPtrArray) urls = g_ptr_array_new();
	/* a URI carries an IPv6 literal in brackets (RFC 7064 section 3.1) */
	g_autofree char *h = strchr(host, ':') ? g_strdup_printf("[%s]", host) : g_strdup(host);

	g_ptr_array_add(urls, g_strdup_printf("turn:%s:%u?transport=udp", h, port));
	g_ptr_array_add(urls, g_strdup_printf("turn:%s:%u?transport=tcp", h, port));
	if (tls_port)
		g_ptr_array_add(urls, g_strdup_printf("turns:%s:%u?transport=tcp", h, tls_port));
	g_ptr_array_add(urls, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&urls), FALSE);
}
