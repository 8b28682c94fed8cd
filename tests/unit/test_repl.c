// SPDX-License-Identifier: GPL-2.0
/*
 * Replicated volumes on the user side: addresses, peers and the secret
 * file (user/lib/addr.c), the replicated create/up/down/peer grammar
 * (user/parse.c), the replicated status and event output (user/show.c)
 * and the attributes of a replicated VOLUME_CREATE (user/volume.c).
 */
#include "unit.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <synod.h>

#include "synodctl.h"
#include "show.h"

#define ERR_LEN 256
#define ARGV(...) ((char *[]){ "synodctl", __VA_ARGS__, NULL })
#define FAKE_FAMILY 0x20

static char err[ERR_LEN];

static int parse(char **argv, struct synodctl_req *req)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return synodctl_parse(argc, argv, req, err, sizeof(err));
}

static void expect_fail(char **argv, const char *word)
{
	struct synodctl_req req;

	assert_int_equal(parse(argv, &req), -EINVAL);
	if (!strstr(err, word))
		fail_msg("message '%s' does not mention '%s'", err, word);
}

static void addr_roundtrip(const char *in, const char *out)
{
	struct sockaddr_storage ss;
	char buf[SYNOD_ADDR_STR_MAX];

	assert_int_equal(synod_addr_parse(in, &ss), 0);
	synod_addr_format(&ss, buf, sizeof(buf));
	assert_string_equal(buf, out);
}

static void test_addr_parse(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	static const char *const bad[] = {
		"", "10.0.0.2", "10.0.0.2:", "10.0.0.2:0", "10.0.0.2:65536",
		"10.0.0.2:-1", "10.0.0.2:77x", "10.0.0:7790", "host:7790",
		":7790", "fd00::2:7790", "[fd00::2]", "[fd00::2]7790",
		"[fd00::2:7790", "[10.0.0.2]:7790", "[]:7790",
		"[fe80::1%eth0]:7790", "10.0.0.2: 7790", " 10.0.0.2:7790",
	};
	size_t i;

	(void)state;
	assert_int_equal(synod_addr_parse("10.0.0.2:7790", &ss), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 7790);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a000002);
	assert_int_equal(synod_addr_len(&ss), sizeof(struct sockaddr_in));

	assert_int_equal(synod_addr_parse("[fd00::2]:1", &ss), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 1);
	assert_int_equal(sin6->sin6_addr.s6_addr[0], 0xfd);
	assert_int_equal(sin6->sin6_addr.s6_addr[15], 2);
	assert_int_equal(synod_addr_len(&ss), sizeof(struct sockaddr_in6));

	addr_roundtrip("0.0.0.0:65535", "0.0.0.0:65535");
	addr_roundtrip("[::]:7790", "[::]:7790");
	addr_roundtrip("[FD00:0::0:2]:7790", "[fd00::2]:7790");
	addr_roundtrip("[::ffff:10.0.0.1]:9", "[::ffff:10.0.0.1]:9");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (synod_addr_parse(bad[i], &ss) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
}

static void test_peer_parse(void **state)
{
	struct sockaddr_storage ss;
	uint32_t node;
	bool has;

	(void)state;
	assert_int_equal(synod_peer_parse("2=10.0.0.2:7790", &node, &ss, &has),
			 0);
	assert_int_equal(node, 2);
	assert_true(has);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(synod_peer_parse("7=[fd00::7]:7790", &node, &ss,
					  &has), 0);
	assert_int_equal(node, 7);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(synod_peer_parse("0", &node, &ss, &has), 0);
	assert_int_equal(node, 0);
	assert_false(has);

	assert_int_equal(synod_peer_parse("8=10.0.0.2:7790", &node, &ss, &has),
			 -EINVAL);
	assert_int_equal(synod_peer_parse("=10.0.0.2:7790", &node, &ss, &has),
			 -EINVAL);
	assert_int_equal(synod_peer_parse("x", &node, &ss, &has), -EINVAL);
	assert_int_equal(synod_peer_parse("-1", &node, &ss, &has), -EINVAL);
	assert_int_equal(synod_peer_parse("", &node, &ss, &has), -EINVAL);
	assert_int_equal(synod_peer_parse("2=", &node, &ss, &has),
			 -EADDRNOTAVAIL);
	assert_int_equal(synod_peer_parse("2=10.0.0.2", &node, &ss, &has),
			 -EADDRNOTAVAIL);
}

/* Writes a file with mode and content; returns its path (static). */
static const char *secret_file(const void *data, size_t len, mode_t mode)
{
	static char path[] = "/tmp/synod-test-secret-XXXXXX";
	int fd;

	strcpy(path, "/tmp/synod-test-secret-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void test_secret_read(void **state)
{
	uint8_t secret[SYNOD_SECRET_MAX], big[SYNOD_SECRET_FILE_MAX + 1];
	const char *path;
	size_t len = 0;
	bool exposed;

	(void)state;
	/* a trailing newline is not part of the secret */
	path = secret_file("0123456789abcdef\n", 17, 0600);
	assert_int_equal(synod_secret_read(path, secret, &len, &exposed), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(secret, "0123456789abcdef", 16);
	assert_false(exposed);
	unlink(path);

	/* too short once the newline is gone */
	path = secret_file("0123456789abcde\n", 16, 0600);
	assert_int_equal(synod_secret_read(path, secret, &len, &exposed),
			 -EMSGSIZE);
	unlink(path);

	/* binary, longer than 64 bytes: the first 64 are used; 0644 warns */
	memset(big, 0, sizeof(big));
	big[0] = 0xff;
	big[63] = 0x42;
	path = secret_file(big, 100, 0644);
	assert_int_equal(synod_secret_read(path, secret, &len, &exposed), 0);
	assert_int_equal(len, SYNOD_SECRET_MAX);
	assert_int_equal(secret[0], 0xff);
	assert_int_equal(secret[63], 0x42);
	assert_true(exposed);
	unlink(path);

	/* not a key file */
	path = secret_file(big, sizeof(big), 0600);
	assert_int_equal(synod_secret_read(path, secret, &len, &exposed),
			 -EFBIG);
	unlink(path);

	assert_int_equal(synod_secret_read("/nonexistent/key", secret, &len,
					   &exposed), -ENOENT);
}

static void test_parse_replicated_create(void **state)
{
	struct synodctl_req req;
	const struct synodctl_repl *r = &req.repl;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--backing",
				    "/dev/nvme1n1", "--node", "1", "--listen",
				    "10.0.0.1:7790", "--peer", "2=10.0.0.2:7790",
				    "--peer=3=[fd00::3]:7790", "--secret-file",
				    "/etc/synod/r0.key", "--cluster", "c0",
				    "--q1", "2", "--q2=2", "--on-no-quorum",
				    "error", "--auto-promote",
				    "--small-requests"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_CREATE);
	assert_true(r->node_set);
	assert_int_equal(r->node, 1);
	assert_true(r->listen_set);
	assert_int_equal(r->listen.ss_family, AF_INET);
	assert_int_equal(r->npeers, 2);
	assert_int_equal(r->peer[0].node, 2);
	assert_int_equal(r->peer[1].node, 3);
	assert_int_equal(r->peer[1].addr.ss_family, AF_INET6);
	assert_string_equal(r->secret_file, "/etc/synod/r0.key");
	assert_string_equal(r->cluster, "c0");
	assert_int_equal(r->q1, 2);
	assert_int_equal(r->q2, 2);
	assert_true(r->on_no_quorum_set);
	assert_int_equal(r->on_no_quorum, SYNOD_NO_QUORUM_ERROR);
	assert_true(r->auto_promote);
	assert_true(r->small_requests);

	/* single replica: no replication state at all */
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--backing",
				    "/dev/x"), &req), 0);
	assert_false(r->node_set);
	assert_false(r->small_requests);
	assert_int_equal(r->npeers, 0);
}

#define CREATE3 "volume", "create", "r0", "--backing", "/dev/x", \
	"--node", "1", "--listen", "10.0.0.1:7790", "--secret-file", "/k"

static void test_parse_replicated_refusals(void **state)
{
	(void)state;
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--peer", "2=10.0.0.2:7790"), "'--peer' needs '--node");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--auto-promote"), "--node");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--small-requests"), "'--small-requests' needs '--node");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--node", "1", "--peer", "2=10.0.0.2:7790",
			 "--secret-file", "/k"), "--listen");
	expect_fail(ARGV(CREATE3), "--peer");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--node", "1", "--listen", "10.0.0.1:7790",
			 "--peer", "2=10.0.0.2:7790"), "--secret-file");
	expect_fail(ARGV(CREATE3, "--node", "2", "--peer", "2=10.0.0.2:1"),
		    "twice");
	expect_fail(ARGV(CREATE3, "--peer", "8=10.0.0.2:7790"), "'8=");
	expect_fail(ARGV(CREATE3, "--peer", "2"), "needs an address");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:0"),
		    "invalid address in peer '2=10.0.0.2:0'");
	expect_fail(ARGV(CREATE3, "--peer", "1=10.0.0.2:7790"),
		    "this node's own id");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
			 "--peer", "2=10.0.0.3:7790"), "peer 2 given twice");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--node", "9"), "'9'");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--listen", "fd00::1:7790"), "'fd00::1:7790'");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790", "--cluster",
			 "a/b"), "'a/b'");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
			 "--on-no-quorum", "panic"), "'panic'");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790", "--q1", "0"),
		    "'0'");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790", "--q1", "9"),
		    "'9'");
	/* two voters: q1 3 exceeds them; 1 + 1 does not intersect */
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790", "--q1", "3"),
		    "larger than the 2 voters");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
			 "--peer", "3=10.0.0.3:7790", "--q1", "1", "--q2", "2"),
		    "do not intersect");
	expect_fail(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
			 "--peer", "3=10.0.0.3:7790", "--q1", "1"),
		    "do not intersect");
	/* replication options belong to create only, the secret to both */
	expect_fail(ARGV("volume", "attach", "r0", "--backing", "/dev/x",
			 "--node", "1"), "'--node'");
	expect_fail(ARGV("volume", "attach", "r0", "--backing", "/dev/x",
			 "--secret-file", "/k", "--secret-file", "/k"),
		    "given twice");
	expect_fail(ARGV("volume", "attach", "r0", "--backing", "/dev/x",
			 "--secret-file"), "needs a value");
	/* without --node a create takes no secret */
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--secret-file", "/k"), "needs '--node ID'");
}

static void test_parse_quorum_ok(void **state)
{
	struct synodctl_req req;

	(void)state;
	/* 3 voters: 1 + 3 and 3 + 1 intersect (flexible quorums) */
	assert_int_equal(parse(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
				    "--peer", "3=10.0.0.3:7790", "--q1", "3",
				    "--q2", "1"), &req), 0);
	assert_int_equal(req.repl.q1, 3);
	assert_int_equal(req.repl.q2, 1);
}

static void test_parse_up_down_peer(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "up", "r0"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_UP);
	assert_string_equal(req.name, "r0");
	assert_int_equal(parse(ARGV("volume", "down", "r0", "--force"), &req),
			 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_DOWN);
	assert_true(req.force);
	assert_int_equal(parse(ARGV("volume", "down", "r0"), &req), 0);
	assert_false(req.force);
	assert_int_equal(parse(ARGV("volume", "promote", "r0"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_PROMOTE);
	assert_int_equal(parse(ARGV("volume", "demote", "r0"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_DEMOTE);

	assert_int_equal(parse(ARGV("peer", "add", "r0", "4=10.0.0.4:7790"),
			       &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_PEER_ADD);
	assert_string_equal(req.name, "r0");
	assert_true(req.peer_set);
	assert_int_equal(req.peer.node, 4);
	assert_true(req.peer.has_addr);
	assert_int_equal(parse(ARGV("peer", "remove", "r0", "4"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_PEER_REMOVE);
	assert_int_equal(req.peer.node, 4);
	assert_false(req.peer.has_addr);
	assert_int_equal(parse(ARGV("peer", "remove", "r0",
				    "4=[fd00::4]:7790"), &req), 0);

	expect_fail(ARGV("volume", "up", "r0", "--force"),
		    "'--force' does not apply to 'volume up'");
	expect_fail(ARGV("volume", "promote", "r0", "--force"), "'--force'");
	expect_fail(ARGV("volume", "up"), "NAME");
	expect_fail(ARGV("peer", "add", "r0"), "ID=ADDR:PORT");
	expect_fail(ARGV("peer", "add", "r0", "4"), "address");
	expect_fail(ARGV("peer", "add", "r0", "8=10.0.0.8:1"), "'8=");
	expect_fail(ARGV("peer", "remove", "r0"), "missing 'ID'");
	expect_fail(ARGV("peer", "remove", "r0", "4", "5"), "'5'");
	expect_fail(ARGV("peer", "drop", "r0", "4"), "'drop'");
}

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 1, 1, FAKE_FAMILY, 0, 0, cmd,
				    SYNOD_FAMILY_VERSION));
	return msg;
}

static void put_peer(struct nl_msg *msg, uint32_t node, const char *addr,
		     uint32_t st, uint64_t match, bool voter)
{
	struct nlattr *nest = nla_nest_start(msg, SYNOD_A_VOLUME_PEER);
	struct sockaddr_storage ss;

	assert_non_null(nest);
	assert_int_equal(synod_addr_parse(addr, &ss), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_NODE, node), 0);
	assert_int_equal(nla_put(msg, SYNOD_A_PEER_ADDR,
				 (int)synod_addr_len(&ss), &ss), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_STATE, st), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_MATCH, match), 0);
	if (voter)
		assert_int_equal(nla_put_flag(msg, SYNOD_A_PEER_VOTER), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_REFUSED, 1), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_REJECTED_MAC, 3), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_REJECTED_REPLAY, 0), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_REJECTED_ORDER, 0), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_UNBOUND, 1), 0);
	/* told apart by peer: each prints its own */
	assert_int_equal(nla_put_u64(msg, SYNOD_A_PEER_TX_AGAIN, node + 3), 0);
	/* the kernel says what our link runs only while it is up */
	if (st == SYNOD_PEER_CONNECTED) {
		assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_LINK_VERSION,
					     4), 0);
		assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_LINK_MAC,
					     SYNOD_LINK_MAC_POLY1305), 0);
	}
	nla_nest_end(msg, nest);
}

/* A replicated follower of a 3-node volume, as the module reports it. */
static struct nl_msg *repl_volume_msg(bool leader_known)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	static const uint8_t uuid[SYNOD_UUID_LEN] = { 0x8c, 0x4e };

	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_BACKING,
					"/dev/vdb"), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_DEVICE, "synod0"),
			 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_SIZE, 1048576), 0);
	assert_int_equal(nla_put(msg, SYNOD_A_VOLUME_UUID, 16, uuid), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ROLE,
				     SYNOD_ROLE_FOLLOWER), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_FORMAT, 1), 0);
	assert_int_equal(nla_put_flag(msg, SYNOD_A_VOLUME_REPLICATED), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_CLUSTER, "c0"), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_NODE, 1), 0);
	if (leader_known)
		assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_LEADER, 2), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_BALLOT, 0x302), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_COMMIT, 100), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_APPLIED, 99), 0);
	assert_int_equal(nla_put_u8(msg, SYNOD_A_VOLUME_QUORUM, 1), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_EPOCH, 4), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_Q1, 2), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_Q2, 3), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_REFUSED, 2), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_REJECTED, 8), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_CATCHUP, 1), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ON_NO_QUORUM,
				     SYNOD_NO_QUORUM_SUSPEND), 0);
	put_peer(msg, 2, "10.0.0.2:7790", SYNOD_PEER_CONNECTED, 100, true);
	put_peer(msg, 3, "[fd00::3]:7790", SYNOD_PEER_CONNECTING, 80, false);
	return msg;
}

static char *print_volume(const struct synod_volume *v, bool json)
{
	struct synod_out o;
	struct capture c;

	capture_start(&c);
	out_init(&o, c.fp, json, false);
	out_open_array(&o, NULL);
	synod_volume_print(&o, v);
	out_close_array(&o);
	out_end(&o);
	return capture_end(&c);
}

/* Print @v as JSON (unless @json is NULL) and as text: each holds its piece. */
static void expect_printed(const struct synod_volume *v, const char *json,
			   const char *text)
{
	char *got;

	if (json) {
		got = print_volume(v, true);
		if (!strstr(got, json))
			fail_msg("JSON lacks %s:\n%s", json, got);
		free(got);
	}
	got = print_volume(v, false);
	if (!strstr(got, text))
		fail_msg("text lacks %s:\n%s", text, got);
	free(got);
}

static void test_status_replicated(void **state)
{
	struct nl_msg *msg = repl_volume_msg(true);
	struct synod_volume *v = malloc(sizeof(*v));
	char *got;

	(void)state;
	assert_non_null(v);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	assert_true(v->have & SYNOD_VOL_REPL);
	assert_int_equal(v->repl.npeers, 2);
	assert_int_equal(v->repl.peer[1].node, 3);
	assert_false(v->repl.peer[1].voter);

	got = print_volume(v, true);
	assert_string_equal(got,
		"[{\"name\":\"r0\",\"device\":\"/dev/synod0\","
		"\"role\":\"follower\",\"backing\":\"/dev/vdb\","
		"\"size_bytes\":1048576,"
		"\"uuid\":\"8c4e0000-0000-0000-0000-000000000000\","
		"\"format\":1,\"cluster\":\"c0\",\"node\":1,\"leader\":2,"
		"\"ballot\":770,\"epoch\":4,\"q1\":2,\"q2\":3,\"quorum\":true,"
		"\"commit_index\":100,\"applied_index\":99,\"catchup\":1,"
		"\"refused\":2,\"rejected\":8,\"out_of_range\":0,"
		"\"resync\":false,\"resync_from\":null,"
		"\"resync_done\":0,\"resync_total\":0,\"resyncs\":0,"
		"\"old_snapshots\":0,\"fast_reads\":0,"
		"\"on_no_quorum\":\"suspend\","
		"\"auto_promote\":false,\"peers\":["
		"{\"node\":2,\"address\":\"10.0.0.2:7790\","
		"\"state\":\"connected\",\"match_index\":100,\"voter\":true,"
		"\"refused\":1,\"tx_again\":5,\"tx_refused_large\":0,"
		"\"rx_pieces\":0,\"rejected_mac\":3,\"rejected_replay\":0,"
		"\"rejected_order\":0,\"unbound\":1,"
		"\"link_version\":4,\"link_mac\":\"poly1305\"},"
		"{\"node\":3,\"address\":\"[fd00::3]:7790\","
		"\"state\":\"connecting\",\"match_index\":80,\"voter\":false,"
		"\"refused\":1,\"tx_again\":6,\"tx_refused_large\":0,"
		"\"rx_pieces\":0,\"rejected_mac\":3,\"rejected_replay\":0,"
		"\"rejected_order\":0,\"unbound\":1,"
		"\"link_version\":null,\"link_mac\":null}]}]\n");
	free(got);

	got = print_volume(v, false);
	assert_string_equal(got,
		"r0: device /dev/synod0 role follower\n"
		"    backing /dev/vdb size 1048576 (1 MiB)\n"
		"    uuid 8c4e0000-0000-0000-0000-000000000000 format 1\n"
		"    cluster c0 node 1 leader 2 ballot 770 epoch 4 q1 2 q2 3 quorum true\n"
		"    commit 100 applied 99 catchup 1 refused 2 rejected 8 out-of-range 0\n"
		"    resync none, 0 completed\n"
		"    reads past the engine 0\n"
		"    on-no-quorum suspend auto-promote false\n"
		"    peer 2 10.0.0.2:7790 connected match 100 voter refused 1 tx-again 5"
		" refused-large 0 pieces-in 0\n"
		"      rejected mac 3 replay 0 order 0 unbound 1\n"
		"      link v4 mac poly1305\n"
		"    peer 3 [fd00::3]:7790 connecting match 80 learner refused 1 tx-again 6"
		" refused-large 0 pieces-in 0\n"
		"      rejected mac 3 replay 0 order 0 unbound 1\n");
	free(got);
	nlmsg_free(msg);

	/* leader unknown: null in JSON, "none" in text */
	msg = repl_volume_msg(false);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	assert_false(v->repl.has_leader);
	expect_printed(v, "\"leader\":null,", " leader none ");
	nlmsg_free(msg);

	/* writes refused outside the data area are counted */
	msg = repl_volume_msg(true);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_OUT_OF_RANGE, 5), 0);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	expect_printed(v, "\"rejected\":8,\"out_of_range\":5,",
		       " rejected 8 out-of-range 5\n");
	nlmsg_free(msg);

	/* a state transfer running: source and progress */
	msg = repl_volume_msg(true);
	assert_int_equal(nla_put_u8(msg, SYNOD_A_VOLUME_RESYNC, 1), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_RESYNC_FROM, 2), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_RESYNC_DONE, 10), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_RESYNC_TOTAL, 64), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_RESYNCS, 1), 0);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	expect_printed(v, "\"resync\":true,\"resync_from\":2,"
		       "\"resync_done\":10,\"resync_total\":64,\"resyncs\":1,",
		       "\n    resync from 2 done 10 of 64 chunks, 1 completed\n");
	nlmsg_free(msg);

	/*
	 * jumps on an older release's snapshot: shown in text only if any;
	 * reads the leader served past the engine (fastread.c)
	 */
	msg = repl_volume_msg(true);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_RESYNCS, 3), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_OLD_SNAPSHOTS, 2), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_FAST_READS, 77), 0);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	expect_printed(v, "\"resyncs\":3,\"old_snapshots\":2,\"fast_reads\":77,",
		       "\n    resync none, 3 completed, 2 from an older release\n"
		       "    reads past the engine 77\n");
	nlmsg_free(msg);

	/* due but not running yet (found at attach): pending */
	msg = repl_volume_msg(true);
	assert_int_equal(nla_put_u8(msg, SYNOD_A_VOLUME_RESYNC, 1), 0);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	expect_printed(v, NULL, "\n    resync pending, 0 completed\n");
	nlmsg_free(msg);
	free(v);
}

/* Put a histogram as the module does: little-endian u64 per bucket. */
static void put_lat(struct nl_msg *msg, int attr, const uint64_t *bucket)
{
	uint64_t le[SYNOD_LAT_BUCKETS];
	int i;

	for (i = 0; i < SYNOD_LAT_BUCKETS; i++)
		le[i] = htole64(bucket[i]);
	assert_int_equal(nla_put(msg, attr, sizeof(le), le), 0);
}

/*
 * Latency histograms: only non-empty buckets are printed, each with its
 * upper bound 2^(b+1) us; an empty histogram is [] in JSON, "none" in
 * text; the last bucket is bounded like the others.
 */
static void test_status_latency(void **state)
{
	struct nl_msg *msg = repl_volume_msg(true);
	struct synod_volume *v = malloc(sizeof(*v));
	uint64_t wr[SYNOD_LAT_BUCKETS] = { 0 }, rd[SYNOD_LAT_BUCKETS] = { 0 };
	char *got;

	(void)state;
	assert_non_null(v);
	wr[0] = 1;			/* under 2 us */
	wr[7] = 3;			/* [128, 256) us */
	wr[SYNOD_LAT_BUCKETS - 1] = 0x100000000ull;
	put_lat(msg, SYNOD_A_VOLUME_LAT_WRITE, wr);
	put_lat(msg, SYNOD_A_VOLUME_LAT_READ, rd);
	assert_int_equal(synod_volume_parse(msg, v), 0);
	assert_true(v->repl.has_lat);
	assert_true(v->repl.lat_write[7] == 3);

	got = print_volume(v, true);
	assert_non_null(strstr(got,
		"\"auto_promote\":false,\"latency_write_us\":["
		"{\"le_us\":2,\"count\":1},"
		"{\"le_us\":256,\"count\":3},"
		"{\"le_us\":4294967296,\"count\":4294967296}],"
		"\"latency_read_us\":[],\"peers\":["));
	free(got);

	got = print_volume(v, false);
	assert_non_null(strstr(got,
		"    on-no-quorum suspend auto-promote false\n"
		"    latency write <=2us 1 <=256us 3 <=4294967296us 4294967296\n"
		"    latency read none\n"
		"    peer 2 "));
	free(got);
	nlmsg_free(msg);

	/* a histogram of the wrong size makes the reply malformed */
	msg = repl_volume_msg(true);
	assert_int_equal(nla_put(msg, SYNOD_A_VOLUME_LAT_WRITE, 8, wr), 0);
	assert_int_not_equal(synod_volume_parse(msg, v), 0);
	nlmsg_free(msg);
	free(v);
}

/* A peer nest without its node id makes the reply malformed. */
static void test_status_bad_peer(void **state)
{
	struct nl_msg *msg = repl_volume_msg(true);
	struct synod_volume *v = malloc(sizeof(*v));
	struct nlattr *nest;

	(void)state;
	assert_non_null(v);
	nest = nla_nest_start(msg, SYNOD_A_VOLUME_PEER);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_STATE, 0), 0);
	nla_nest_end(msg, nest);
	assert_int_equal(synod_volume_parse(msg, v), -EPROTO);
	nlmsg_free(msg);
	free(v);
}

static char *print_event(struct nl_msg *msg, bool json)
{
	struct synod_event_msg ev;
	struct synod_out o;
	struct capture c;

	assert_int_equal(synod_event_parse(msg, &ev), 0);
	capture_start(&c);
	out_init(&o, c.fp, json, false);
	synod_event_print(&o, &ev);
	out_end(&o);
	return capture_end(&c);
}

static void test_events_replicated(void **state)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_EVENT);
	struct nlattr *nest;
	char *got;

	(void)state;
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT,
				     SYNOD_EVENT_ROLE_CHANGED), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ROLE,
				     SYNOD_ROLE_LEADER), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_LEADER, 1), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_BALLOT, 0x201), 0);
	got = print_event(msg, true);
	assert_string_equal(got,
		"{\"event\":\"role-changed\",\"name\":\"r0\",\"role\":\"leader\","
		"\"leader\":1,\"ballot\":513}\n");
	free(got);
	got = print_event(msg, false);
	assert_string_equal(got, "role-changed r0 role leader leader 1 ballot 513\n");
	free(got);
	nlmsg_free(msg);

	msg = genl_msg(SYNOD_CMD_EVENT);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT,
				     SYNOD_EVENT_PEER_DISCONNECTED), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ROLE,
				     SYNOD_ROLE_FOLLOWER), 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_BALLOT, 7), 0);
	nest = nla_nest_start(msg, SYNOD_A_VOLUME_PEER);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_PEER_NODE, 3), 0);
	nla_nest_end(msg, nest);
	got = print_event(msg, true);
	assert_string_equal(got,
		"{\"event\":\"peer-disconnected\",\"name\":\"r0\",\"node\":3,"
		"\"role\":\"follower\",\"leader\":null,\"ballot\":7}\n");
	free(got);
	got = print_event(msg, false);
	assert_string_equal(got,
		"peer-disconnected r0 node 3 role follower leader none ballot 7\n");
	free(got);
	nlmsg_free(msg);

	msg = genl_msg(SYNOD_CMD_EVENT);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT,
				     SYNOD_EVENT_VOLUME_UP), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	got = print_event(msg, true);
	assert_string_equal(got, "{\"event\":\"up\",\"name\":\"r0\"}\n");
	free(got);
	nlmsg_free(msg);
}

/* What synodctl sends for a replicated create, read back attribute-wise. */
static void test_create_attrs(void **state)
{
	struct nlattr *tb[SYNOD_A_MAX + 1], *nla, *ptb[SYNOD_A_PEER_MAX + 1];
	struct nl_msg *msg = genl_msg(SYNOD_CMD_VOLUME_CREATE);
	struct synodctl_req req;
	struct nlmsghdr *nlh;
	const uint8_t key[16] = "0123456789abcdef";
	int rem, peers = 0;

	(void)state;
	assert_int_equal(parse(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
				    "--peer", "3=[fd00::3]:7790", "--q2", "2"),
			       &req), 0);
	assert_int_equal(synodctl_put_repl(msg, &req.repl, key, 16), 0);
	nlh = nlmsg_hdr(msg);
	assert_true(genlmsg_parse(nlh, 0, tb, SYNOD_A_MAX, NULL) >= 0);
	assert_int_equal(nla_get_u32(tb[SYNOD_A_VOLUME_NODE]), 1);
	assert_int_equal(nla_len(tb[SYNOD_A_VOLUME_LISTEN]),
			 sizeof(struct sockaddr_in));
	assert_int_equal(nla_len(tb[SYNOD_A_VOLUME_SECRET]), 16);
	assert_memory_equal(nla_data(tb[SYNOD_A_VOLUME_SECRET]), key, 16);
	assert_null(tb[SYNOD_A_VOLUME_Q1]);
	assert_int_equal(nla_get_u32(tb[SYNOD_A_VOLUME_Q2]), 2);
	assert_null(tb[SYNOD_A_VOLUME_CLUSTER]);
	assert_null(tb[SYNOD_A_VOLUME_ON_NO_QUORUM]);
	assert_null(tb[SYNOD_A_VOLUME_AUTO_PROMOTE]);
	nla_for_each_attr(nla, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(nla) != SYNOD_A_VOLUME_PEER)
			continue;
		assert_true(nla_parse_nested(ptb, SYNOD_A_PEER_MAX, nla,
					     NULL) >= 0);
		assert_int_equal(nla_get_u32(ptb[SYNOD_A_PEER_NODE]),
				 peers ? 3 : 2);
		assert_int_equal(nla_len(ptb[SYNOD_A_PEER_ADDR]),
				 peers ? sizeof(struct sockaddr_in6) :
					 sizeof(struct sockaddr_in));
		peers++;
	}
	assert_int_equal(peers, 2);
	assert_null(tb[SYNOD_A_VOLUME_SMALL_REQUESTS]);
	nlmsg_free(msg);

	/* --small-requests: the flag, nothing else changes */
	msg = genl_msg(SYNOD_CMD_VOLUME_CREATE);
	assert_int_equal(parse(ARGV(CREATE3, "--peer", "2=10.0.0.2:7790",
				    "--small-requests"), &req), 0);
	assert_int_equal(synodctl_put_repl(msg, &req.repl, key, 16), 0);
	nlh = nlmsg_hdr(msg);
	assert_true(genlmsg_parse(nlh, 0, tb, SYNOD_A_MAX, NULL) >= 0);
	assert_non_null(tb[SYNOD_A_VOLUME_SMALL_REQUESTS]);
	assert_int_equal(nla_len(tb[SYNOD_A_VOLUME_SMALL_REQUESTS]), 0);
	assert_null(tb[SYNOD_A_VOLUME_AUTO_PROMOTE]);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_peer_parse),
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_parse_replicated_create),
		cmocka_unit_test(test_parse_replicated_refusals),
		cmocka_unit_test(test_parse_quorum_ok),
		cmocka_unit_test(test_parse_up_down_peer),
		cmocka_unit_test(test_status_replicated),
		cmocka_unit_test(test_status_latency),
		cmocka_unit_test(test_status_bad_peer),
		cmocka_unit_test(test_events_replicated),
		cmocka_unit_test(test_create_attrs),
	};

	return cmocka_run_group_tests_name("repl", tests, NULL, NULL);
}
