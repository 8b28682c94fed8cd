// SPDX-License-Identifier: GPL-2.0
/*
 * clockprobe: maps a VM's CLOCK_MONOTONIC onto the host's, for checking
 * one history written on several VMs (tests/crash, contract9 section 5).
 *
 *   clockprobe probe SOCKET LOG [--owner PID] [--life S]
 *       Connect to SOCKET (the host end of the VM's virtio-serial port, a
 *       QEMU chardev socket in server mode; the guest runs `synod-load
 *       clock-serve` on its end) and once a second append a sample
 *       "T1 GUEST T2" to LOG: host time before the probe, the guest's
 *       answer, host time after it (ns).  Reconnects when the VM dies or
 *       reboots; a line "# connect" marks each connection.  Exits when
 *       process PID is gone or after S seconds (default 3600).
 *   clockprobe now
 *       Print the host's CLOCK_MONOTONIC in ns (the clock of LOG).
 *   clockprobe map NAME LOG [FROM_NS TO_NS]
 *       Print the lincheck --clock-map line "NAME OFFSET_NS ERROR_NS" for
 *       the samples of LOG taken in [FROM_NS, TO_NS] host time (default
 *       all): host = guest + OFFSET, within ERROR.
 *
 * Probe: see probe_once.  A sample bounds the offset: the guest read its
 * clock between T1 and T2, so host - guest lies in [T1 - G, T2 - G],
 * that is (T1 + T2) / 2 - G within RTT / 2.
 *
 * Map: per window of ten samples the one with the smallest RTT is the
 * best estimate of that window.  The offset is the median of the
 * windows'; the error covers every window (its distance from the median
 * plus its RTT / 2), so a guest clock that drifts from the host's widens
 * the error rather than going unseen.  A guest clock that goes backwards
 * (the VM rebooted inside the interval) is an error: one boot is one
 * clock domain.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 10		/* samples per window of the map */
#define REPLY_MS 500		/* a probe not answered by then is lost */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Drop whatever is queued on fd (late answers to lost probes). */
static int drain(int fd)
{
	char buf[256];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, 0) > 0) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			return -1;
	}
	return 0;
}

/*
 * One probe on fd (synod-load clock-serve's protocol): send an 8-byte
 * token, read 16 bytes back, the token then the guest's CLOCK_MONOTONIC
 * as a little-endian u64.  1 and *guest set if answered in time, 0 if
 * lost or stale (another token), -1 if the connection is gone.
 */
static int probe_once(int fd, uint64_t seq, uint64_t *guest)
{
	unsigned char req[8], ans[16];
	size_t len = 0;
	uint64_t deadline, g = 0;

	if (drain(fd))
		return -1;
	for (int i = 0; i < 8; i++)
		req[i] = (unsigned char)(seq >> (8 * i));
	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		return -1;
	deadline = now_ns() + REPLY_MS * 1000000ull;
	while (len < sizeof(ans)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();
		ssize_t r;

		if (t >= deadline ||
		    poll(&p, 1, (int)((deadline - t) / 1000000) + 1) <= 0)
			return 0;
		r = recv(fd, ans + len, sizeof(ans) - len, 0);
		if (r <= 0)
			return -1;
		len += (size_t)r;
	}
	if (memcmp(ans, req, sizeof(req)))
		return 0;
	for (int i = 0; i < 8; i++)
		g |= (uint64_t)ans[8 + i] << (8 * i);
	*guest = g;
	return 1;
}

static bool owner_alive(pid_t owner)
{
	return owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH;
}

static int cmd_probe(const char *sock, const char *log, pid_t owner,
		     unsigned life)
{
	uint64_t end = now_ns() + (uint64_t)life * 1000000000ull;
	uint64_t seq = 0;
	FILE *f = fopen(log, "a");
	int fd = -1;

	if (!f) {
		perror(log);
		return 1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	while (now_ns() < end && owner_alive(owner)) {
		uint64_t t1, t2, g;
		int r;

		if (fd < 0) {
			fd = connect_to(sock);
			if (fd >= 0)
				fprintf(f, "# connect\n");
		}
		if (fd >= 0) {
			t1 = now_ns();
			r = probe_once(fd, ++seq, &g);
			t2 = now_ns();
			if (r > 0)
				fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64
					"\n", t1, g, t2);
			if (r < 0) {
				close(fd);
				fd = -1;
			}
		}
		usleep(1000000);
	}
	if (fd >= 0)
		close(fd);
	fclose(f);
	return 0;
}

struct sample {
	int64_t off;		/* (t1 + t2) / 2 - guest */
	uint64_t rtt;		/* t2 - t1 */
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmd_map(const char *name, const char *log, uint64_t from,
		   uint64_t to)
{
	struct sample best[4096];
	int64_t offs[4096], off;
	size_t nw = 0, in_w = 0;
	uint64_t err = 0, last_g = 0;
	char line[256];
	FILE *f = fopen(log, "r");

	if (!f) {
		perror(log);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long t1, g, t2;
		struct sample s;

		if (sscanf(line, "%llu %llu %llu", &t1, &g, &t2) != 3 ||
		    t2 < t1 || t1 < from || t2 > to)
			continue;
		if (g < last_g) {
			fprintf(stderr, "clockprobe: %s: the guest clock went "
				"back (a reboot inside the interval)\n", log);
			fclose(f);
			return 2;
		}
		last_g = g;
		s.off = (int64_t)((t1 + t2) / 2) - (int64_t)g;
		s.rtt = t2 - t1;
		if (in_w == 0 || s.rtt < best[nw].rtt)
			best[nw] = s;
		if (++in_w == WINDOW) {
			in_w = 0;
			if (++nw == sizeof(best) / sizeof(best[0]))
				break;
		}
	}
	fclose(f);
	if (in_w)
		nw++;
	if (!nw) {
		fprintf(stderr, "clockprobe: %s: no samples in the interval\n",
			log);
		return 2;
	}
	for (size_t i = 0; i < nw; i++)
		offs[i] = best[i].off;
	qsort(offs, nw, sizeof(offs[0]), cmp_i64);
	off = offs[nw / 2];
	for (size_t i = 0; i < nw; i++) {
		int64_t d = best[i].off - off;
		uint64_t e = (uint64_t)(d < 0 ? -d : d) + best[i].rtt / 2 + 1;

		if (e > err)
			err = e;
	}
	printf("%s %" PRId64 " %" PRIu64 "\n", name, off, err);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: clockprobe probe SOCKET LOG [--owner PID] "
		"[--life S]\n"
		"       clockprobe now\n"
		"       clockprobe map NAME LOG [FROM_NS TO_NS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%" PRIu64 "\n", now_ns());
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "probe")) {
		pid_t owner = 0;
		unsigned life = 3600;

		/*
		 * Hold none of the caller's descriptors: bats waits for every
		 * copy of its pipes, and we outlive the test that started us.
		 */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);

		for (int i = 4; i < argc; i += 2) {
			if (i + 1 >= argc)
				return usage();
			if (!strcmp(argv[i], "--owner"))
				owner = (pid_t)atoi(argv[i + 1]);
			else if (!strcmp(argv[i], "--life"))
				life = (unsigned)strtoul(argv[i + 1], NULL, 10);
			else
				return usage();
		}
		signal(SIGPIPE, SIG_IGN);
		return cmd_probe(argv[2], argv[3], owner, life);
	}
	if (!strcmp(argv[1 < argc ? 1 : 0], "map") &&
	    (argc == 4 || argc == 6))
		return cmd_map(argv[2], argv[3],
			       argc == 6 ? strtoull(argv[4], NULL, 10) : 0,
			       argc == 6 ? strtoull(argv[5], NULL, 10) :
					   UINT64_MAX);
	return usage();
}
