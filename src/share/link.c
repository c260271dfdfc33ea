/* The printed link's host: the listen address if one was given, else the first
 * non-loopback IPv4 address (the viewer is usually another device), else localhost. */
#include "share/link.h"

#include <arpa/inet.h>
#include <glib.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "share/config.h"

static char *link_host(const struct config *config)
{
	struct ifaddrs *ifa, *it;
	char buf[INET6_ADDRSTRLEN];
	char *host = NULL;

	if (config->listen_host && strcmp(config->listen_host, "0.0.0.0") &&
	    strcmp(config->listen_host, "::")) {
		if (strchr(config->listen_host, ':'))
			return g_strdup_printf("[%s]", config->listen_host);
		return g_strdup(config->listen_host);
	}
	if (getifaddrs(&ifa) == 0) {
		for (it = ifa; it && !host; it = it->ifa_next) {
			if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET ||
			    (it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP))
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)it->ifa_addr)->sin_addr, buf,
			          sizeof(buf));
			host = g_strdup(buf);
		}
		freeifaddrs(ifa);
	}
	return host ? host : g_strdup("localhost");
}

void link_print(const struct config *config, unsigned port, const struct auth_key *key,
                uint32_t scope, int64_t ttl_s)
{
	g_autofree char *host = link_host(config);
	g_autofree char *token = auth_token_mint(key, scope, ttl_s);

	/* stdout carries exactly this line: scripts rely on it. */
	printf("URL https://%s:%u/#token=%s\n", host, port, token);
	fflush(stdout);
}
