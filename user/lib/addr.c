// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, peer specifications and the secret file; pure parsing
 * (inet_pton, no getaddrinfo) apart from reading the secret, so that all
 * of it is unit tested.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/util.h"

/* A port: strict decimal 1 .. 65535. */
static int port_parse(const char *s, uint16_t *port)
{
	uint32_t v;

	if (synod_parse_u32(s, &v) || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/*
 * "A.B.C.D:PORT" or "[IPv6]:PORT" into a sockaddr_in or sockaddr_in6.
 * IPv6 needs the brackets, since its colons would hide the port; scope
 * ids (fe80::1%eth0) are not accepted.  Returns 0 or -EINVAL.
 */
int synod_addr_parse(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[SYNOD_ADDR_STR_MAX];
	const char *colon, *start = s;
	uint16_t port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		start = s + 1;
		colon = strchr(start, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		n = (size_t)(colon - start);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host) || port_parse(colon + 1, &port))
		return -EINVAL;
	memcpy(host, start, n);
	host[n] = '\0';
	if (start != s) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return 0;
}

/* Bytes the kernel expects for this address: exactly its sockaddr. */
size_t synod_addr_len(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (ss->ss_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return 0;
}

/* The form synod_addr_parse() reads; "?" for anything else. */
void synod_addr_format(const struct sockaddr_storage *ss, char *buf,
		       size_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)))
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	else if (ss->ss_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)))
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	else
		snprintf(buf, len, "?");
}

/* A node id: 0 .. SYNOD_NODE_MAX.  Returns 0 or -EINVAL. */
int synod_node_parse(const char *s, uint32_t *node)
{
	if (synod_parse_u32(s, node) || *node > SYNOD_NODE_MAX)
		return -EINVAL;
	return 0;
}

/*
 * "ID" or "ID=ADDR:PORT".  Returns 0, -EINVAL for a bad id, or
 * -EADDRNOTAVAIL for a bad address, so the caller can say which.
 */
int synod_peer_parse(const char *s, uint32_t *node,
		     struct sockaddr_storage *ss, bool *has_addr)
{
	const char *eq = strchr(s, '=');
	char id[12];
	size_t n = eq ? (size_t)(eq - s) : strlen(s);

	*has_addr = false;
	memset(ss, 0, sizeof(*ss));
	if (n == 0 || n >= sizeof(id))
		return -EINVAL;
	memcpy(id, s, n);
	id[n] = '\0';
	if (synod_node_parse(id, node))
		return -EINVAL;
	if (!eq)
		return 0;
	if (synod_addr_parse(eq + 1, ss))
		return -EADDRNOTAVAIL;
	*has_addr = true;
	return 0;
}

/* read() until EOF or more than max bytes; returns the count or -errno. */
static ssize_t read_all(int fd, uint8_t *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got <= max) {
		n = read(fd, buf + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * The shared secret: the whole file, less one trailing newline (so that
 * `echo ... > key` works), of which the first SYNOD_SECRET_MAX bytes are
 * used.  *exposed tells the caller the file is readable by group or
 * others, worth a warning.  Returns 0, -errno of open/read, -EFBIG (file
 * larger than SYNOD_SECRET_FILE_MAX) or -EMSGSIZE (shorter than
 * SYNOD_SECRET_MIN bytes).  The bounce buffer is wiped before return.
 */
int synod_secret_read(const char *path, uint8_t secret[SYNOD_SECRET_MAX],
		      size_t *len, bool *exposed)
{
	uint8_t buf[SYNOD_SECRET_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*exposed = !fstat(fd, &st) && (st.st_mode & (S_IRWXG | S_IRWXO));
	n = read_all(fd, buf, SYNOD_SECRET_FILE_MAX);
	close(fd);
	if (n < 0) {
		ret = (int)n;	/* a short read may have left part of it */
		goto out_wipe;
	}
	if (n > SYNOD_SECRET_FILE_MAX) {
		ret = -EFBIG;
		goto out_wipe;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n < SYNOD_SECRET_MIN) {
		ret = -EMSGSIZE;
		goto out_wipe;
	}
	*len = n > SYNOD_SECRET_MAX ? SYNOD_SECRET_MAX : (size_t)n;
	memcpy(secret, buf, *len);
out_wipe:
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
