/* wayrtc-net-delay: a test-only stand-in for netem's delay, which the kernels of our test
 * machines lack. It opens a TUN device and writes every IP packet it reads back into the
 * same device DELAY_MS later, in order. The router namespace of tests/net/netns.sh routes
 * the traffic between its veths through that device (policy routing by input interface),
 * so each packet crossing the router is held once, in either direction.
 *   wayrtc-net-delay TUN_NAME DELAY_MS
 * Prints "ready" once the device exists; ends on SIGTERM/SIGINT or when its parent dies.
 * The queue is bounded (packets beyond it are dropped and counted, as a router would). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 65536
/* 4096 × 1500 bytes at 40 ms is ~1.2 Gbit/s: far above any link the tests shape. */
#define QUEUE_LEN 4096

struct packet {
	int64_t due_us;
	uint16_t len;
	uint8_t *data;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int tun_open(const char *name)
{
	struct ifreq ifr = {0};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct packet queue[QUEUE_LEN];
	static uint8_t buf[MAX_PACKET];
	size_t head = 0, count = 0;
	unsigned long long relayed = 0, dropped = 0;
	int64_t delay_us;
	char *end;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TUN_NAME DELAY_MS\n", argv[0]);
		return 2;
	}
	delay_us = (int64_t)(strtod(argv[2], &end) * 1000);
	if (*end || delay_us < 0 || delay_us > 10000000) {
		fprintf(stderr, "wayrtc-net-delay: DELAY_MS must be 0 to 10000\n");
		return 2;
	}
	/* A test that dies must not leave a relay behind. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* The machines that run the tests are busy (builds, browsers, encoders): a relay that
	 * waits for a time slice adds delay it was not asked for. Best effort. */
	sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){.sched_priority = 10});
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = tun_open(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "wayrtc-net-delay: cannot open TUN %s: %s\n", argv[1],
		        strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < QUEUE_LEN; i++)
		queue[i].data = malloc(MAX_PACKET);
	printf("ready\n");
	fflush(stdout);

	while (!stopping) {
		int64_t now = now_us();
		struct timespec wait, *timeout = NULL;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		/* Everything due goes out first: a constant delay keeps the order. */
		while (count && queue[head].due_us <= now) {
			if (write(fd, queue[head].data, queue[head].len) < 0)
				dropped++; /* as a router whose output queue is full would */
			else
				relayed++;
			head = (head + 1) % QUEUE_LEN;
			count--;
		}
		if (count) {
			int64_t left = queue[head].due_us - now;

			wait.tv_sec = left / 1000000;
			wait.tv_nsec = (left % 1000000) * 1000;
			timeout = &wait;
		}
		if (ppoll(&pfd, 1, timeout, NULL) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf));
			struct packet *p;

			if (n <= 0)
				break;
			if (count == QUEUE_LEN) {
				dropped++;
				continue;
			}
			p = &queue[(head + count) % QUEUE_LEN];
			p->due_us = now_us() + delay_us;
			p->len = (uint16_t)n;
			memcpy(p->data, buf, (size_t)n);
			count++;
		}
	}
	fprintf(stderr, "wayrtc-net-delay: %llu packets relayed, %llu dropped\n", relayed, dropped);
	close(fd);
	return 0;
}
