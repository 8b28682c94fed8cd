/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the TCP transport (tcp*.c): the objects and the prototypes
 * its files share.  Nothing outside tcp*.c includes this; the rest of the
 * module sees only struct synod_transport_ops (transport.h).
 *
 * Works and what they own (work items on the host's synod_net_wq,
 * workers.h; no thread of their own, so an idle volume adds none):
 *  - one rx work per transport (t->rx_work) owns the listening socket
 *    and every accepted connection (t->wait[], t->in[]) with its frame
 *    MAC transforms c->mac: it accepts, runs the server side of the
 *    handshake, reads frames and makes every upcall (rx() and
 *    link_event()), so that upcalls of one transport never overlap;
 *  - one tx work per peer (p->tx_work) owns the one outgoing
 *    connection to that peer and its transforms p->mac: it connects with
 *    backoff, runs the client side of the handshake and, while the link
 *    is up, writes the peer's send ring to the socket;
 *  - while the link is up, push() (tcp_tx.c) may write the ring from
 *    the caller's context instead, as far as the socket takes it without
 *    waiting, which saves the wake-up of the tx work on every frame.
 *    Whoever writes frames holds p->send_mutex (push() only tries it),
 *    so frames leave whole and in ring order; a frame left half written
 *    (p->cur_*) is finished by the next writer, before any other.
 * t->hmac, keyed with the secret at create, is only read after that:
 * every work hashes with it through its own descriptor on the stack.
 * Socket callbacks (softirq) only set a bit and queue the owning work.
 * A work item never runs twice at once; stop() sets STCP_STOP, so that
 * kicks queue it no more, then cancels it and waits.
 *
 * Locks: t->lock (mutex) serialises start/stop/set_peer/destroy and is
 * never taken by the works; peer->send_mutex (outer) is held to write
 * frames and to take a link down, so no writer sees the socket close;
 * peer->lock (spinlock, bh) guards the ring and peer->up and is never
 * held across a socket call or an upcall; the ring's memory and size
 * change (tcp_ring.c, by the tx work) only under both send_mutex and
 * peer->lock, so whoever holds either may read them;
 * t->addr_lock (spinlock, bh) guards peers[].addr for the rx work,
 * which must not take t->lock (set_peer() waits for tx works under it).
 */
#ifndef SYNOD_TCP_PRIV_H
#define SYNOD_TCP_PRIV_H

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>

#include "linkkey.h"
#include "transport.h"

/*
 * Accepted connections whose HELLO has shown the secret (tcp_accept.c),
 * each with a receive buffer and a transform: each source address holds
 * at most as many such handshakes as peers live there, and each node one
 * authenticated link, so at most two per peer are in use: t->in_ready
 * of them are set up (two per configured peer, tcp.c).
 */
#define STCP_IN_MAX		(2 * SYNOD_NODES_MAX)
/*
 * Accepted connections from peers' addresses whose HELLO has not been
 * read yet: only a socket each.  STCP_WAIT_PER_PEER per peer living at
 * the source address; the oldest of that address goes when a newer one
 * needs room, so a process at a peer's address that connects in a loop
 * must win that many races inside one round trip of the peer's to push
 * the peer's connection out before its HELLO is read.
 */
#define STCP_WAIT_PER_PEER	4u
#define STCP_WAIT_MAX		(STCP_WAIT_PER_PEER * SYNOD_NODES_MAX)
/* Connections taken from the accept queue per round of the rx work. */
#define STCP_ACCEPT_BUDGET	16u
/* Index of the "unknown node" row of the refusal counters. */
#define STCP_UNKNOWN		SYNOD_NODES_MAX

/*
 * Frame header, little-endian: u32 payload length, u32 flags (zero),
 * u64 sequence number, then the tag: the connection's frame MAC (link
 * v2 HMAC-SHA256, v3 keyed BLAKE2b-256, either cut to 16 bytes; v4
 * Poly1305 under a one-time key, keyed BLAKE2b-256 of the 16 bytes)
 * under its frame key over the 16 bytes before it and the payload
 * (tcp_link.c, linkkey.c; in a test build with test_frame_mac_off, a
 * crc32c).
 * A READY record's key confirmation is a tag over 16 bytes that begin
 * "synod-re", a length no frame has (tcp_link.c).
 */
#define STCP_FRAME_HDR		32u
#define STCP_TAGGED		16u	/* header bytes the tag covers */
/*
 * Send ring sizes (tcp_ring.c): a power of two from STCP_RING_MIN to
 * SYNOD_SENDQ_BYTES.  A ring starts at the least: three largest frames
 * by copy or hundreds of records by reference, more than a link holds
 * between two push()es at queue depth 1, and below its half (the grow
 * mark) one largest frame always fits, so the frame that passes the
 * mark is never refused for want of room.  A batch of frames queued all
 * or none (a payload's pieces by copy, up to 1 MiB: queue_pieces()) may
 * be: it is refused once, and the growth it asks for makes room for all
 * of it (synod_tcp_ring_mark()); a 3-replica volume's two
 * rings per node pin 128 KiB, not 8 MiB.  Past the mark the tx work
 * doubles the ring before it fills.  A ring whose fill stayed at most
 * a quarter of a smaller size for STCP_RING_IDLE_MS shrinks to that
 * size: longer than the replica's resends (~100 ms) and heartbeats, so
 * a bursty load does not allocate and free megabytes at each pause,
 * short enough that a finished burst gives them back within seconds.
 * After a failed allocation no growth is tried for STCP_RING_RETRY_MS.
 */
#define STCP_RING_MIN		(64u * 1024)
#define STCP_RING_IDLE_MS	5000u
#define STCP_RING_RETRY_MS	1000u
/* Bytes a frame of @len payload bytes takes in a send ring (tcp_ring.c). */
#define stcp_rec_len(len)	(sizeof(u32) + ALIGN((u32)(len), 4))
/*
 * A send ring record whose frame ends in bytes the ring only refers to
 * (queue_page(), tcp_queue.c) has this bit in its first word, the
 * frame's payload length; a length never has it (SYNOD_FRAME_MAX).  Its
 * second word is the number of bytes it holds itself (the frame's
 * first), then comes a struct stcp_ref, then those bytes, padded to 4.
 */
#define STCP_REC_REF		BIT(31)

/*
 * The referred-to tail of a frame in a send ring: bytes of a page the
 * caller owns (never slab), which the ring keeps a reference on until
 * the frame is written or dropped; the socket takes its own references
 * on what it has not yet had acknowledged (transport.h, queue_page()).
 */
struct stcp_ref {
	struct page *page;	/* the caller's page; one reference ours */
	u32 off;		/* offset of the bytes from page_address() */
	u32 len;		/* bytes, inside the (compound) page */
};

/* A send ring record as read back (synod_tcp_rec_read(), tcp_ring.c). */
struct stcp_rec {
	u32 len;		/* the frame's payload length */
	u32 held;		/* of which the record holds, at its start */
	u32 rec;		/* bytes the record takes in the ring */
	struct stcp_ref ref;	/* the rest, by reference; len 0: none */
};

/* Bytes a record of @inl held bytes and a reference takes in a ring. */
#define stcp_ref_rec_len(inl)	(2 * sizeof(u32) + sizeof(struct stcp_ref) + \
				 ALIGN((u32)(inl), 4))
/* Receive buffer of one accepted connection: a whole largest frame. */
#define STCP_IN_BUF		(STCP_FRAME_HDR + SYNOD_FRAME_MAX)
/*
 * A frame whose bytes still to come are at least this many is offered
 * to the receiver's rx_place() (tcp_rx.c): below, the copy saved is
 * worth less than the extra read a placed frame costs.
 */
#define STCP_PLACE_MIN		4096u

/* A link timeout of @ms scaled by the transport's time_scale, in jiffies. */
#define stcp_ms(t, ms)	msecs_to_jiffies((ms) * ((t)->cfg.time_scale ?: 1))

/*
 * The crypto API's names of the link v3 frame MAC, keyed with the frame
 * key (on v4 it makes the one-time keys), and of the v4 one, keyless.
 */
#define STCP_B2_ALG		"blake2b-256"
#define STCP_POLY_ALG		"poly1305"

/* Handshake records are fixed-size; see tcp_link.c for the layout. */
#define STCP_HS_LEN		128u
#define STCP_HS_SIGNED		96u	/* bytes of a HELLO its tag covers */
#define STCP_NONCE_LEN		SYNOD_LINK_NONCE_LEN
#define STCP_PROOF_LEN		SHA256_DIGEST_SIZE
#define STCP_HELLO_TAG_LEN	SHA256_DIGEST_SIZE
#define STCP_TH_LEN		SHA256_DIGEST_SIZE	/* transcript hash */
#define STCP_HS_MAGIC		0x4c4e5953u	/* "SYNL" */

/*
 * Timing.  A peer cut off must be noticed within about 5 s: keepalive
 * probes an idle link after 1 s, every 1 s, and TCP_USER_TIMEOUT kills a
 * link whose sent data or probes stay unacknowledged for 3 s.  Connect,
 * handshake, stall, keepalive and user timeout are multiplied by the
 * configured time_scale (stcp_ms()), as the replica's timeouts are.
 */
#define STCP_BACKOFF_MIN_MS	50u
#define STCP_BACKOFF_MAX_MS	2000u
#define STCP_CONNECT_MS		2000u
#define STCP_HANDSHAKE_MS	3000u
/*
 * An accepted connection must bring its HELLO within this (times
 * time_scale): a peer sends it at once after connecting, so one round
 * trip; 1 s leaves room for a TCG guest descheduled for hundreds of
 * milliseconds on a loaded host (the tests' VMs) and is a third of the
 * old whole-handshake slot.  Only peers' addresses get a slot at all.
 */
#define STCP_HELLO_MS		1000u
#define STCP_USER_TIMEOUT_MS	3000u
#define STCP_KEEPIDLE_S		1
#define STCP_KEEPINTVL_S		1
#define STCP_KEEPCNT		2
#define STCP_STALL_MS		4000u	/* no byte of a frame left: drop */
#define STCP_DRAIN_MS		500u	/* stop(force=false) grace period */
#define STCP_RX_BUDGET		32u	/* frames per connection per round */
#define STCP_TX_BUDGET		64u	/* frames per run of a tx work */
#define STCP_LISTEN_BACKLOG	16

/* Handshake record types. */
enum tcp_hs_type {
	STCP_HS_HELLO = 1,	/* identities, versions, a nonce; tagged */
	STCP_HS_PROOF = 2,	/* HMAC over the hash of both HELLOs */
	STCP_HS_READY = 3,	/* client accepted; tag under the frame key */
	STCP_HS_REFUSE = 4,	/* sender refuses; reason is enum synod_refusal */
};

/* A decoded handshake record (the wire form is only in tcp_link.c). */
struct tcp_hs {
	u8 type;			/* enum tcp_hs_type */
	u8 reason;			/* REFUSE: enum synod_refusal */
	u16 ver_min, ver_max;		/* HELLO: link versions spoken */
	u32 from, to;			/* sender and intended receiver ids */
	u64 features;			/* HELLO: SYNOD_LINK_FEATURES bits */
	char cluster[SYNOD_NAME_MAX + 1];	/* HELLO: NUL-padded */
	/* HELLO: nonce; PROOF: the HMAC; READY: key confirmation tag */
	u8 blob[STCP_NONCE_LEN];
};

/* Callbacks a socket had before we installed ours, restored at close. */
struct tcp_cbs {
	void (*data_ready)(struct sock *sk);
	void (*state_change)(struct sock *sk);
	void (*write_space)(struct sock *sk);
};

/* What tcp_forge.c may make a tx work do (test build only). */
enum stcp_forge {
	STCP_FORGE_NONE,
	STCP_FORGE_STEPDOWN,	/* a keyless one-byte STEPDOWN frame */
	STCP_FORGE_REPLAY,	/* the last frame again, byte for byte */
	STCP_FORGE_CORRUPT,	/* flip a payload bit of the next frame */
	STCP_FORGE_SKIP,	/* skip a sequence number */
	STCP_FORGE_PLANT,	/* relay a payload under its next ref */
	STCP_FORGE_RESEQ,	/* the last frame, seq rewritten, old tag */
	STCP_FORGE_FLAGS,	/* flip a flags bit of the next frame */
	STCP_FORGE_LEN,		/* next frame: header len - 1, byte dropped */
	STCP_FORGE_PREV,	/* reconnect, replay a frame of the old link */
	STCP_FORGE_UNBOUND,	/* relay a message naming others' refs */
	STCP_FORGE_REPAY_KEEP,	/* keep our next payload, bytes inverted */
	STCP_FORGE_REPAY,	/* send what REPAY_KEEP kept */
	STCP_FORGE_ALG,		/* tag the next frame with the other MAC */
	STCP_FORGE_PLANT_PIECES,	/* PLANT for a payload in pieces */
	STCP_FORGE_MAX,
};

/* Longest frame (header included) kept for REPLAY, RESEQ and PREV. */
#define STCP_LAST_MAX		256u

/* tcp_forge.c's t->plant_state */
enum stcp_plant {
	STCP_PLANT_IDLE,
	STCP_PLANT_ARMED,	/* PLANT: doctor the next payload received */
	STCP_PLANT_READY,	/* t->plant holds a frame for the tx work */
	STCP_PLANT_RELAY,	/* UNBOUND: keep the next message with writes */
	STCP_PLANT_HELD,	/* UNBOUND: kept; send at the next such one */
	STCP_PLANT_OWN,		/* REPAY_KEEP: kept; send on REPAY */
	STCP_PLANT_PIECES,	/* PLANT_PIECES: doctor the next pieces */
};

/* Frames t->plant holds: a payload of up to 2 pieces (PLANT_PIECES). */
#define STCP_PLANT_FRAMES	2u

/*
 * The frame MAC of one connection: one transform per algorithm, all
 * allocated with its peer or slot (tcp.c), and the MAC its handshake
 * keyed for the link version both ends agreed on (tcp_link.c).  Owned
 * like the connection: by the tx work (p->mac) or the rx work (c->mac).
 */
struct tcp_mac {
	struct crypto_shash *hmac;	/* hmac(sha256): link version 2 */
	/* STCP_B2_ALG: v3's MAC, v4's one-time keys; NULL if unavailable */
	struct crypto_shash *b2;
	/* STCP_POLY_ALG: v4, never keyed; NULL if unavailable or unused */
	struct crypto_shash *poly;
	u16 version;			/* its link version; 0: not keyed */
	/* enum synod_link_mac of its frames; NONE: not keyed (or no MAC) */
	u8 alg;
};

/* peer->flags and t->rx_flags bits */
#define STCP_KICK		0	/* socket event or queued frame */
/* stopping: kicks queue the work no more, and a queued run does nothing */
#define STCP_STOP		3
/* peer->flags only: a write failed mid-stream, the link must drop */
#define STCP_BROKEN		1
/* peer->flags only: the ring passed its grow mark (tcp_ring.c) */
#define STCP_GROW		2

/* Where a peer's tx work is (tcp_tx.c); its own, or stop()'s once it is cancelled. */
enum stcp_tx_state {
	STCP_TX_IDLE,		/* no socket: dial when the work runs */
	STCP_TX_DIAL,		/* connecting, until tx_deadline */
	STCP_TX_UP,		/* authenticated: frames go out */
};

/* The outgoing side of one peer: ring, link state, tx work. */
struct tcp_peer {
	struct synod_transport *t;
	u32 node;
	struct sockaddr_storage addr;	/* t->lock */
	/*
	 * The tx work, on the host's synod_net_wq (workers.h): dials,
	 * runs the client handshake, writes the ring.  Never runs twice
	 * at once (one work item); kicked by socket callbacks, queuers
	 * and push(); once a second while frames wait or the ring is
	 * above its least size (tcp_tx.c, out_up()).
	 */
	struct delayed_work tx_work;
	u8 tx_state;			/* enum stcp_tx_state; the tx work */
	u32 backoff_ms;			/* the tx work: the next redial wait */
	unsigned long redial_at;	/* the tx work: IDLE dials from then */
	unsigned long tx_deadline;	/* the tx work: DIAL ends (jiffies) */
	/*
	 * jiffies after which a link whose socket took no byte of a frame
	 * is dead (STCP_STALL_MS); moved on by every byte sent (under
	 * send_mutex) and by a queuer that finds the ring empty (under
	 * lock): WRITE_ONCE/READ_ONCE.
	 */
	unsigned long stall_at;
	wait_queue_head_t wq;		/* the handshake's waits */
	/* STCP_KICK, STCP_BROKEN, STCP_GROW, STCP_STOP */
	unsigned long flags;
	/* tx work; push() uses it only while up, under send_mutex */
	struct socket *sock;
	struct tcp_cbs cbs;		/* of sock */

	/* frame writers: the tx work, or push() (tcp_tx.c); outer */
	struct mutex send_mutex;
	spinlock_t lock;		/* ring, head, tail, up, link */
	/* ring_size bytes from the first time the node is a peer to destroy */
	u8 *ring;
	/* a power of two, STCP_RING_MIN..SYNOD_SENDQ_BYTES (tcp_ring.c) */
	u32 ring_size;
	u32 head, tail;			/* free-running byte counters */
	/*
	 * Bytes of the pages the ring's records refer to (STCP_REC_REF),
	 * whole pages (a reference keeps all of one), bounded by the
	 * largest ring: SYNOD_SENDQ_BYTES, whatever the ring's size now.
	 */
	u32 ref_bytes;
	u32 ring_peak;			/* most bytes queued since ring_since */
	/* the largest batch refused since the last growth (tcp_ring.c) */
	u32 ring_need;
	/* tx work: jiffies the shrink window began, no growth before */
	unsigned long ring_since, ring_retry;
	bool up;			/* authenticated: send() may queue */
	struct synod_link_info link;	/* what it runs while up; lock */
	/* odd while up; bumped at each up and down, read by the rx work */
	atomic_t link_gen;
	unsigned long remote_logged;	/* refusal reasons the peer sent us */

	atomic64_t tx_frames, tx_bytes, tx_nobufs, tx_notconn, links_up;
	/* frames push() wrote whole; frames it left half written */
	atomic64_t tx_inline, tx_handed;
	/* bytes the socket took by reference (pages spliced, not copied) */
	atomic64_t tx_spliced;
	/* ring resizes, and allocations for one that failed (tcp_ring.c) */
	atomic64_t ring_grows, ring_shrinks, ring_nomem;

	/*
	 * Frame MAC keyed at each handshake, the sequence number and the
	 * frame being written: the tx work during the handshake, then
	 * whoever holds send_mutex.
	 */
	struct tcp_mac mac;
	u64 tx_seq;			/* sequence number of the next frame */
	u8 cur_hdr[STCP_FRAME_HDR];	/* header of the frame at tail */
	u32 cur_plen;			/* its payload length */
	u32 cur_len;			/* its bytes to write; 0: not begun */
	u32 cur_sent;			/* of which written */
	u32 cur_rec;			/* bytes its record takes in the ring */
	u32 cur_held;			/* payload bytes the record holds */
	/*
	 * Where in the frame the referred-to bytes begin (sent by
	 * reference from there on); cur_len if it has none or they go by
	 * copy (not sendpage_ok()).
	 */
	u32 cur_splice;
	struct stcp_ref cur_ref;	/* its referred-to bytes; len 0: none */

	/*
	 * Test build only (tcp_forge.c): under send_mutex, or by the tx
	 * work while the link is not up (no push() then).
	 */
	u8 forge_mut;			/* CORRUPT/FLAGS/LEN for the next frame */
	bool prev_armed;		/* PREV: inject prev at seq prev_seq */
	bool repay_armed;		/* REPAY_KEEP: keep the next payload */
	u32 last_len;			/* bytes in last, 0: none kept */
	u8 last[STCP_LAST_MAX];		/* last small frame as sent */
	u32 first_len;			/* first small frame of this link */
	u64 first_seq;
	u8 first[STCP_LAST_MAX];
	u32 prev_len;			/* first[] of the previous link */
	u64 prev_seq;
	u8 prev[STCP_LAST_MAX];
	bool bind_logged;		/* a bind failure was logged */
};

/*
 * An accepted connection from a peer's address whose HELLO has not been
 * read; rx work only.  No buffer: the HELLO is read whole from the
 * socket once all of it is there (MSG_PEEK).
 */
struct tcp_wait {
	struct socket *sock;		/* NULL: entry free */
	struct tcp_cbs cbs;
	u32 src_mask;			/* peers configured at its source */
	unsigned long accepted_at;	/* jiffies; the oldest goes first */
};

/* Handshake progress of a connection whose HELLO showed the secret. */
enum tcp_in_state {
	STCP_IN_FREE,
	STCP_IN_PROOF,		/* sent our HELLO, waiting for its PROOF */
	STCP_IN_READY,		/* sent our PROOF, waiting for READY */
	STCP_IN_FRAMES,		/* authenticated: frames from c->node */
};

/* One accepted connection past its HELLO; rx work only. */
struct tcp_in {
	enum tcp_in_state state;
	struct socket *sock;
	struct tcp_cbs cbs;
	u32 node;			/* tagged in HELLO, proven in PROOF */
	u32 src_mask;			/* peers configured at its source */
	unsigned long accepted_at;	/* jiffies; the oldest goes first */
	unsigned long deadline;		/* jiffies: handshake must end */
	u8 nonce_c[STCP_NONCE_LEN];
	u8 nonce_s[STCP_NONCE_LEN];
	u8 th[STCP_TH_LEN];		/* SHA-256 of both HELLOs */
	u16 version;			/* link version both HELLOs agree on */
	u8 *buf;			/* STCP_IN_BUF bytes, t->in_pairs[] */
	u32 have;			/* bytes in buf */
	/*
	 * The frame at buf[0] continues at @tail, the receiver's memory
	 * (cfg.rx_place(), tcp_rx.c), NULL: no frame is placed.  buf holds
	 * its header and first @tail_at bytes, then the next frame's first
	 * bytes; @tail_have of its @tail_len bytes are at @tail so far.
	 */
	u8 *tail;
	u32 tail_at, tail_len, tail_have;
	struct tcp_mac mac;		/* keyed when the client proved itself */
	u64 rx_seq;			/* sequence number expected next */
};

struct synod_transport {
	struct synod_transport_cfg cfg;	/* copy; peer fields under lock */
	struct crypto_shash *hmac;	/* keyed with cfg.secret at create */
	struct mutex lock;		/* start/stop/set_peer/destroy */
	bool started;			/* lock */
	unsigned long peer_mask;	/* bit n: node n is a peer */
	/* link versions offered in HELLO; fixed at create (tcp.c) */
	u16 ver_min, ver_max;
	u64 features;			/* offered and required; fixed at create */
	/* test build: versions from this on find no MAC transform; 0 none */
	u16 hide_from;
	bool pinned;		/* the test knob fixed the versions (create) */
	/* connections' transforms include blake2b-256, poly1305 (tcp.c) */
	bool mac_b2, mac_poly;

	struct tcp_peer peers[SYNOD_NODES_MAX];
	/* peers[].addr for the rx work, which may not take t->lock */
	spinlock_t addr_lock;

	/*
	 * The rx work, on the host's synod_net_wq, and everything it owns.
	 * One work item, so rounds never overlap: upcalls never run
	 * concurrently.  Kicked by socket callbacks and link changes, and
	 * runs every 500 ms while a handshake deadline is ahead.
	 */
	struct delayed_work rx_work;
	unsigned long rx_flags;		/* STCP_KICK, STCP_STOP */
	struct socket *listen;
	struct tcp_cbs listen_cbs;
	struct tcp_wait wait[STCP_WAIT_MAX];
	struct tcp_in in[STCP_IN_MAX];
	/*
	 * in[0..in_ready) have their buffers and transforms
	 * (tcp_alloc.c: two per peer, at create or set_peer); the rx work
	 * uses no other.  Grows only, under t->lock; read with acquire.
	 */
	u32 in_ready;
	u8 *in_pairs[STCP_IN_MAX / 2];	/* vmalloc: two slots' buffers each */
	unsigned long in_up;		/* bit n: authenticated conn from n */
	int reported_gen[SYNOD_NODES_MAX];	/* link_gen last reported */

	/* counters, read by refused() and the debug hook */
	atomic64_t refused[SYNOD_NODES_MAX + 1][SYNOD_REFUSED_MAX];
	unsigned long logged[SYNOD_NODES_MAX];	/* reasons logged */
	/* refusals of sources that are no peer's: the last one logged */
	struct sockaddr_storage stranger_src;
	u32 stranger_why;
	struct ratelimit_state stranger_rs;	/* other sources: rate */
	atomic64_t rejected[SYNOD_NODES_MAX][SYNOD_REJECT_MAX];
	unsigned long rejected_logged[SYNOD_NODES_MAX];	/* reasons logged */
	atomic64_t rx_frames[SYNOD_NODES_MAX];
	atomic64_t rx_placed;		/* of those, placed (cfg.rx_place()) */
	atomic64_t rx_reads;		/* recvmsg() calls on frame links */
	atomic64_t rx_bad;		/* bad length or flags: link dropped */
	atomic64_t in_overflow;		/* accepted with no free slot */
	atomic64_t hs_failed;		/* handshake I/O error or timeout */

	/* test build only (tcp_forge.c): on its list while started */
	struct list_head forge_node;
	/* test build only (tcp_forge.c): STCP_FORGE_PLANT and _UNBOUND */
	atomic_t plant_state;		/* enum stcp_plant */
	u32 plant_to, plant_len;	/* peer to plant on, frame bytes */
	/* PLANT_PIECES: frames kept, each at SYNOD_FRAME_MAX * i, bytes */
	u32 plant_n, plant_lens[STCP_PLANT_FRAMES];
	/* STCP_PLANT_FRAMES * SYNOD_FRAME_MAX bytes, or NULL */
	u8 *plant;
};

/* tcp.c: socket plumbing shared by both works */
int synod_tcp_sock_new(struct synod_transport *t, int family,
		       struct socket **res);
void synod_tcp_sock_tune(struct socket *sock, u32 time_scale);
void synod_tcp_sock_attach(struct socket *sock, void *owner,
			   struct tcp_cbs *saved,
			   void (*wake)(struct sock *sk),
			   void (*write_space)(struct sock *sk));
void synod_tcp_sock_close(struct socket *sock, const struct tcp_cbs *saved);
int synod_tcp_addr_len(const struct sockaddr_storage *ss);
bool synod_tcp_same_host(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b);
int synod_tcp_bind_source(struct synod_transport *t, struct socket *sock,
			  int family);

/* tcp_link.c: handshake records, proofs, refusals; no socket */
bool synod_tcp_link_versions(u16 *min, u16 *max);
u16 synod_tcp_link_hidden(void);
u64 synod_tcp_link_features(void);
int synod_tcp_link_key(struct synod_transport *t, struct tcp_mac *mac,
		       u16 version, const u8 *nonce_c, const u8 *nonce_s,
		       u32 id_c, u32 id_s, const u8 *th);
void synod_tcp_link_unkey(struct tcp_mac *mac);
int synod_tcp_ready_tag(struct synod_transport *t, struct tcp_mac *mac,
			u8 *out);
int synod_tcp_frame_tag(struct synod_transport *t, struct tcp_mac *mac,
			const u8 *hdr, const struct kvec *vec,
			unsigned int nvec, u8 *tag);
int synod_tcp_forge_alg_tag(struct synod_transport *t, struct tcp_mac *mac,
			    u8 *hdr, const struct kvec *vec,
			    unsigned int nvec);
void synod_tcp_reject(struct synod_transport *t, u32 node,
		      enum synod_reject why);
void synod_tcp_hs_encode(u8 *out, const struct tcp_hs *m);
int synod_tcp_hs_decode(const u8 *in, struct tcp_hs *m);
int synod_tcp_hello(struct synod_transport *t, u8 *rec, u32 to,
		    const u8 *nonce);
int synod_tcp_hello_check(struct synod_transport *t, const u8 *rec,
			  const struct tcp_hs *m, u32 expect_from,
			  u16 *version);
void synod_tcp_transcript(const u8 *hello_c, const u8 *hello_s, u8 *th);
int synod_tcp_proof(struct synod_transport *t, u8 *out, bool client,
		    const u8 *th);
bool synod_tcp_proof_ok(struct synod_transport *t, const u8 *proof,
			bool client, const u8 *th);
void synod_tcp_refuse(struct synod_transport *t, u32 node,
		      enum synod_refusal why, const char *dir,
		      const struct sockaddr_storage *src);
void synod_tcp_refuse_stranger(struct synod_transport *t,
			       enum synod_refusal why,
			       const struct sockaddr_storage *src, u32 claim);
void synod_tcp_refused_by_peer(struct tcp_peer *p, u8 reason);
void synod_tcp_logged_reset(struct synod_transport *t, u32 node);

/* tcp_alloc.c: transforms, receive slots, a peer's needs */
void synod_tcp_crypto_load(void);
int synod_tcp_slots_grow(struct synod_transport *t, u32 peers);
int synod_tcp_peer_alloc(struct synod_transport *t, u32 node);
void synod_tcp_macs_free(struct synod_transport *t);

/* tcp_rx.c: the rx work, frames on authenticated links */
void synod_tcp_rx_work(struct work_struct *work);
void synod_tcp_rx_kick(struct synod_transport *t);
void synod_tcp_rx_close_all(struct synod_transport *t);
void synod_tcp_in_close(struct synod_transport *t, struct tcp_in *c);

/* tcp_accept.c: the server side of a link, for the rx work */
void synod_tcp_listen_ready(struct sock *sk);
bool synod_tcp_accept(struct synod_transport *t, bool *ahead);
void synod_tcp_wait_service(struct synod_transport *t, struct tcp_wait *w);
void synod_tcp_wait_close(struct tcp_wait *w, bool rst);
int synod_tcp_accept_proof(struct synod_transport *t, struct tcp_in *c,
			   const struct tcp_hs *m);
int synod_tcp_accept_ready(struct synod_transport *t, struct tcp_in *c,
			   const struct tcp_hs *m);

/* tcp_ring.c: a peer's ring, its records and its size */
int synod_tcp_ring_alloc(struct tcp_peer *p);
void synod_tcp_ring_free(struct tcp_peer *p);
void synod_tcp_ring_put(struct tcp_peer *p, u32 pos, const void *src,
			u32 len);
void synod_tcp_ring_get(const struct tcp_peer *p, u32 pos, void *dst, u32 len);
int synod_tcp_rec_read(const struct tcp_peer *p, u32 pos, u32 head,
		       struct stcp_rec *r);
void synod_tcp_ring_drop(struct tcp_peer *p);
bool synod_tcp_ring_mark(struct tcp_peer *p, bool refused, u32 need);
bool synod_tcp_ring_growing(const struct tcp_peer *p);
int synod_tcp_ring_swap(struct tcp_peer *p, u8 **ring, u32 size);
int synod_tcp_ring_resize(struct tcp_peer *p, u32 size);
void synod_tcp_ring_adjust(struct tcp_peer *p);
void synod_tcp_ring_reset(struct tcp_peer *p);

/* tcp_queue.c */
int synod_tcp_send(struct synod_transport *t, u32 to, const struct kvec *iov,
		   unsigned int niov);
int synod_tcp_queue_page(struct synod_transport *t, u32 to,
			 const struct kvec *hdr, struct page *page, u32 off,
			 u32 len);
int synod_tcp_queue(struct synod_transport *t, u32 to,
		    const struct kvec *iov, unsigned int niov);
int synod_tcp_queue_pieces(struct synod_transport *t, u32 to,
			   const struct synod_tx_piece *pc, unsigned int n,
			   bool copy);
int synod_tcp_queue_frames(struct synod_transport *t, u32 to,
			   const struct kvec *f, unsigned int n);
void synod_tcp_push(struct synod_transport *t);

/* Is @p's tx work being stopped?  Then it ends what it does at once. */
static inline bool stcp_tx_stopping(const struct tcp_peer *p)
{
	return test_bit(STCP_STOP, &p->flags);
}

/* tcp_dial.c: the client side of a link, for the tx work */
int synod_tcp_dial(struct tcp_peer *p);
int synod_tcp_dialed(struct tcp_peer *p);
int synod_tcp_dial_wait(struct tcp_peer *p, unsigned long deadline);
int synod_tcp_dial_handshake(struct tcp_peer *p);

/* tcp_tx.c */
void synod_tcp_tx_work(struct work_struct *work);
void synod_tcp_tx_kick(struct tcp_peer *p);
void synod_tcp_tx_end(struct tcp_peer *p);
bool synod_tcp_tx_inline(struct tcp_peer *p);
int synod_tcp_sendv(struct tcp_peer *p, struct kvec *vec, unsigned int nvec,
		    size_t len, int flags, u32 *sent, bool nowait, bool splice);

/* tcp_forge.c: test build only */
void synod_tcp_forge_started(struct synod_transport *t, bool started);
enum stcp_forge synod_tcp_forge_take(struct tcp_peer *p);
bool synod_tcp_forge_busy(struct tcp_peer *p);
void synod_tcp_forge_rx(struct synod_transport *t, u32 from, const u8 *f,
			u32 flen, const u8 *tail, u32 tail_len);
void synod_tcp_forge_rx_tail(struct synod_transport *t, u32 from, u8 *tail,
			     u32 len);
void synod_tcp_forge_plant(struct tcp_peer *p);
u32 synod_tcp_forge_keep(struct tcp_peer *p, struct kvec *vec,
			 unsigned int nvec, u32 len);
int synod_tcp_forge_run(struct tcp_peer *p);
void synod_tcp_forge_repay_keep(struct tcp_peer *p, const struct kvec *vec,
				unsigned int nvec, u32 len);

/* tcp_debugfs.c, only in a -DSYNOD_TCP_DEBUGFS build */
struct synod_tcp_peer_stats {
	u64 tx_frames, tx_bytes, tx_nobufs, tx_notconn, links_up, rx_frames;
	u64 tx_inline, tx_handed, tx_spliced;
	u64 ring_grows, ring_shrinks, ring_nomem;
	u32 queued;
	u32 ring_size;		/* bytes the ring pins now */
};
void synod_tcp_peer_stats(struct synod_transport *t, u32 node,
			  struct synod_tcp_peer_stats *s);

#endif /* SYNOD_TCP_PRIV_H */
