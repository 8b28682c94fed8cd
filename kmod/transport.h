/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport between the replicas of one volume: opaque frames to and
 * from peers by node id.  The replica glue (replica.c) decides what a
 * frame holds; the transport carries it whole, in order per peer, each
 * frame authenticated (a MAC under a key of its connection and a
 * sequence number, Documentation/transport.rst), or not at all.
 *
 * An ops table so that the UDP control path and the XDP fast path can sit
 * beside TCP later; today there is one implementation, tcp.c.
 *
 * Contract:
 *  - send() never sleeps and never allocates: it copies the frame into
 *    the peer's bounded send queue (allocated at create, resized only by
 *    the transport's own work) or returns -ENOBUFS (queue full at
 *    its largest, or unable to grow for now) / -EAGAIN (queue full at
 *    a size it is about to grow from: the caller may resend soon) /
 *    -ENOTCONN (no authenticated link), and the transport's own work
 *    writes it.  Losing a frame is fine: Paxos retransmits.  Frames to
 *    one peer leave in the order they were queued.
 *  - queue() is send() without waking anyone: frames wait for the next
 *    push(), which the caller must make before it waits for anything
 *    (the replica: when it lets go of its lock, or before a synchronous
 *    disk wait that keeps it, replica.c).
 *    push() writes queued frames from the caller's context, as far as
 *    the sockets take them without waiting, and leaves the rest to the
 *    transport's work.  Process context only: it may sleep on a socket
 *    lock, never waits for the network, and allocates only as the
 *    transport's own work would (GFP_NOIO: never waits for I/O).  A run
 *    of frames queued and then pushed leaves with no work queued, which
 *    at queue depth 1 is most of a round trip's hops.
 *  - queue_page() is queue() of a frame that ends in @len bytes at @off
 *    from page_address(@page), which the transport does not copy: it
 *    takes a reference on @page while its queue holds the frame, and
 *    the socket takes its own on what it has not had acknowledged (or
 *    the transport copies them, where the socket cannot take the page).
 *    @page is the caller's, from the page allocator, never slab, and
 *    the head of a compound page if the bytes cross a page (@off is
 *    from the head, the whole page counts against the queue's
 *    budget); the caller must not change those
 *    bytes while anyone else holds a reference (page_ref_count() > 1,
 *    payload.c), and only frees its own reference: the last one frees
 *    the page.  -ENOSPC: the queue's budget of such pages is spent,
 *    not its room (queue() may still take a copy).  This is how a
 *    payload leaves the leader uncopied.
 *  - queue_pieces() is @n frames of queue_page()'s form at once (at most
 *    SYNOD_TX_PIECES_MAX), all queued or none: the room for all of
 *    them, and by reference the budget of pages for all of them, is
 *    checked once, and nothing is queued if either is short (the same
 *    errors as queue_page(); -ENOSPC only by reference).  With @copy the
 *    bytes of every frame are copied into the queue (as queue() would),
 *    and no page reference is kept: the caller's fallback when it may
 *    not lend its pages.  The frames leave back to back, in order, with
 *    no other frame of this caller between them.  This is how a payload
 *    of more than one buffer leaves (pieces, replica.c), which a link
 *    below SYNOD_LINK_V_PIECES cannot carry.
 *  - rx() is called in process context (a work item of the
 *    transport), one frame at a time per transport, with the frame valid
 *    only during the call; it may sleep (it takes the replica mutex and
 *    may write the journal).  It is never called after stop() returns.
 *  - rx_place() and rx_placed() (optional, both or neither) let the
 *    receiver take the tail of a long frame straight into memory of its
 *    own, without a copy out of the transport's buffer.  Once at least
 *    min(len, rx_head) bytes of a frame of @len bytes are in, the
 *    transport may call rx_place() with them at @f: the frame is
 *    neither authenticated nor sequence-checked yet, so nothing of it
 *    may be trusted but its length, which the transport bounded by
 *    SYNOD_FRAME_MAX.  It returns NULL (the frame is given whole to
 *    rx(), as always), or memory for bytes [*@at, @len) of the frame,
 *    with *@at <= rx_head: room for @len - *@at bytes, which no other
 *    context reads.  The transport writes the frame's bytes there, and
 *    may abandon them without a word (a bad tag, a reset, stop()).  If
 *    the frame passes its checks, rx_placed() is rx() for it: its
 *    first @at bytes at @f, the rest, @tail_len bytes, at @tail, the
 *    memory rx_place() gave.  Same context as rx(), and no other call of
 *    rx_place() comes between the two for that peer.  The memory must
 *    be the peer's own: placements of different peers may be
 *    outstanding at once.  A new rx_place() for a peer means its last
 *    placement was abandoned (one connection per peer takes frames),
 *    which is how the receiver knows its memory is free again.  Only
 *    the receiver can bound @len - *@at by its room, and must before it
 *    returns.  Without them every frame is whole in the transport's
 *    buffer.
 *  - rx_done() follows a run of rx() calls, once every frame that had
 *    arrived has been given (the transport would block for more): the
 *    receiver may let the effects of a run of frames wait until then
 *    (one journal write for all of them) and must not let them wait
 *    longer.  Same context as rx().
 *  - link_event() is called in process context when a peer's link becomes
 *    authenticated (up) or is lost (down).
 *
 * What the TCP implementation (tcp.c) adds to the contract:
 *  - "Up" means our outgoing connection to the peer is authenticated, so
 *    send() to it may succeed; link_event() reports exactly that.  Both
 *    upcalls come from one transport work, so rx() and link_event() of
 *    one transport never overlap.  stop() reports no link as down.
 *  - create() returns an ERR_PTR on failure, never NULL.
 *  - send(), queue() and push() may be called from inside
 *    rx()/link_event() and with the replica mutex held.  stop() and
 *    destroy() wait for the upcall work: never call them from an upcall
 *    or holding a lock an upcall takes.  start/stop/set_peer/destroy are
 *    serialised inside, by a mutex that stop() holds while it waits for
 *    the upcall work: so set_peer() (which may be called with the
 *    replica mutex held) must not be called from an upcall either; the
 *    replica calls it from netlink only (membership changes).
 *  - peer_state() is SYNOD_PEER_CONNECTED when both our outgoing link and
 *    an incoming authenticated link from the peer exist.
 */
#ifndef SYNOD_TRANSPORT_H
#define SYNOD_TRANSPORT_H

#include <linux/socket.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <net/net_namespace.h>

#include "core/wire.h"
#include "uapi/synod.h"

struct page;

/* Largest frame a replica sends: a payload block or a consensus message. */
#define SYNOD_FRAME_MAX		(20u * 1024)
/*
 * Bytes queued for one peer before send() refuses, at most.  The TCP
 * transport's ring starts far smaller and grows toward this ahead of
 * the load, and shrinks back when idle (tcp_ring.c), so an idle peer
 * pins little; while it grows, a burst may be refused with fewer bytes
 * queued (-EAGAIN: the caller resends soon, not after its backoff).
 */
#define SYNOD_SENDQ_BYTES	(4096u * 1024)
/* Longest shared secret, bytes. */
#define SYNOD_SECRET_MAX	64u
#define SYNOD_SECRET_MIN	16u
/* Frames one queue_pieces() call takes at most: a 1 MiB payload. */
#define SYNOD_TX_PIECES_MAX	64u
/*
 * Link versions spoken in the handshake, and feature bits.
 * Version 2: every frame carries a sequence number and a MAC, HMAC-SHA256
 * truncated to 128 bits, and state transfer compares chunks by SHA-256
 * (resync.h).  Version 3: the same, but the frame MAC is keyed
 * BLAKE2b-256 truncated to 128 bits, several times cheaper per byte;
 * the handshake is unchanged.  Version 4: the same, but the frame MAC
 * is Poly1305 under a one-time key per frame, keyed BLAKE2b-256 of the
 * frame's header (linkkey.c), about twice as fast again.  Version 5:
 * the same frames and MAC, and the peer understands PIECE frames, the
 * parts of a payload longer than one frame (replica.h): a replica sends
 * a payload over 16 KiB only on a link of version 5 or later, and
 * refuses it to a peer whose link runs an older one.  A transport
 * offers versions SYNOD_LINK_VERSION_MIN to SYNOD_LINK_VERSION, or only
 * up to 3 if the kernel has no poly1305 (so without large payloads),
 * up to 2 if it has no blake2b-256 (tcp.c); a connection runs the
 * highest version both ends offer (Documentation/transport.rst).  The
 * feature FRAME_MAC is always offered and required; only the test build
 * can turn it off (both ends must agree), to measure what it costs.
 */
#define SYNOD_LINK_VERSION_MIN	2u
#define SYNOD_LINK_VERSION	5u
#define SYNOD_LINK_V_BLAKE2B	3u	/* first version with BLAKE2b MACs */
#define SYNOD_LINK_V_POLY1305	4u	/* first with one-time Poly1305 */
#define SYNOD_LINK_V_PIECES	5u	/* first that carries PIECE frames */
#define SYNOD_LINK_F_FRAME_MAC	(1ull << 0)
#define SYNOD_LINK_FEATURES	SYNOD_LINK_F_FRAME_MAC

/* Why a connection was refused; counted per reason and per peer. */
enum synod_refusal {
	SYNOD_REFUSED_AUTH,	/* HMAC response wrong: secret differs */
	SYNOD_REFUSED_CLUSTER,	/* peer serves another volume */
	SYNOD_REFUSED_VERSION,	/* no common protocol version */
	SYNOD_REFUSED_NODE,	/* node id not a configured peer */
	SYNOD_REFUSED_ADDR,	/* source address not a configured peer's */
	SYNOD_REFUSED_MAX,
};

/*
 * Why a frame on an authenticated connection was dropped (and the
 * connection reset); counted per reason and per peer.
 */
enum synod_reject {
	SYNOD_REJECT_MAC,	/* MAC wrong: forged or corrupted */
	SYNOD_REJECT_REPLAY,	/* good MAC, sequence number seen already */
	SYNOD_REJECT_ORDER,	/* good MAC, sequence number skips ahead */
	SYNOD_REJECT_MAX,
};

struct synod_transport_cfg {
	struct net *net;		/* sockets live here */
	u32 self;			/* our node id */
	char cluster[SYNOD_NAME_MAX + 1];	/* volume name on the wire */
	struct sockaddr_storage listen;	/* where we accept */
	/* peers[n] valid if node n is a peer (not self) */
	bool peer_valid[SYNOD_NODES_MAX];
	struct sockaddr_storage peer_addr[SYNOD_NODES_MAX];
	u8 secret[SYNOD_SECRET_MAX];
	u32 secret_len;
	/* multiplies the link timeouts (tcp_priv.h); 0 is taken as 1 */
	u32 time_scale;
	/* upcalls, see the contract above */
	void (*rx)(void *ctx, u32 from, const u8 *frame, u32 len);
	/* frame bytes rx_place() is to see at least; see the contract */
	u32 rx_head;
	/* where bytes [*at, len) of a frame go, NULL: in the buffer */
	void *(*rx_place)(void *ctx, u32 from, const u8 *f, u32 len, u32 *at);
	/* rx() of a frame placed by rx_place(), once it passed its checks */
	void (*rx_placed)(void *ctx, u32 from, const u8 *f, u32 at, u8 *tail,
			  u32 tail_len);
	void (*rx_done)(void *ctx);
	void (*link_event)(void *ctx, u32 node, bool up);
	void *ctx;
};

struct synod_transport;

/*
 * One frame of queue_pieces(): @hdr's bytes, then @len bytes at @off
 * from page_address(@page), on the terms of queue_page() (contract).
 */
struct synod_tx_piece {
	struct kvec hdr;
	struct page *page;
	u32 off;
	u32 len;
};

/* What the link to one peer runs, for status. */
struct synod_link_info {
	u16 version;	/* negotiated link version; 0: our link is not up */
	u8 mac;		/* enum synod_link_mac (uapi) of its frames */
};

/* Frames written to all peers since create, for the volume's counters. */
struct synod_tx_counts {
	u64 frames;	/* written whole */
	u64 pushed;	/* of those, written by push() in the caller */
	u64 handed;	/* begun by push(), finished by the tx work */
	u64 spliced;	/* bytes the sockets took by reference */
	u64 ring_bytes;	/* bytes the send rings pin now (they follow load) */
	u64 ring_grows;	/* times a send ring grew, shrank */
	u64 ring_shrinks;
	u64 ring_nomem;	/* resizes that found no memory (ring kept) */
	u64 rx_placed;	/* frames received into the receiver's memory */
	u64 rx_reads;	/* reads of received frames' bytes (recvmsg) */
};

struct synod_transport_ops {
	/* allocate everything (queues, buffers); no socket yet */
	struct synod_transport *(*create)(const struct synod_transport_cfg *cfg);
	/* listen and start connecting to peers, with backoff */
	int (*start)(struct synod_transport *t);
	/*
	 * close every socket and stop all work; @force drops queued frames
	 * at once, otherwise queued frames get a short bounded grace period.
	 * After it returns no upcall runs.  start() may be called again.
	 */
	void (*stop)(struct synod_transport *t, bool force);
	void (*destroy)(struct synod_transport *t);
	int (*send)(struct synod_transport *t, u32 to, const struct kvec *iov,
		    unsigned int niov);
	/* send() without a wake-up; push() writes it (contract above) */
	int (*queue)(struct synod_transport *t, u32 to,
		     const struct kvec *iov, unsigned int niov);
	/* queue() of @hdr then @len bytes at @off in @page, by reference */
	int (*queue_page)(struct synod_transport *t, u32 to,
			  const struct kvec *hdr, struct page *page, u32 off,
			  u32 len);
	/* @n frames of queue_page()'s form, all or none; @copy: by copy */
	int (*queue_pieces)(struct synod_transport *t, u32 to,
			    const struct synod_tx_piece *pc, unsigned int n,
			    bool copy);
	void (*push)(struct synod_transport *t);
	/* membership change: add (addr) or remove (NULL) a peer */
	int (*set_peer)(struct synod_transport *t, u32 node,
			const struct sockaddr_storage *addr);
	/*
	 * whether frames to @node wait in our send queue on a link that is
	 * up: what they carry is on its way, not lost (the core's wait
	 * before resending, synod_replica_peer_backlog())
	 */
	bool (*backlogged)(struct synod_transport *t, u32 node);
	/* for status */
	enum synod_peer_state (*peer_state)(struct synod_transport *t,
					    u32 node);
	u64 (*refused)(struct synod_transport *t, u32 node,
		       enum synod_refusal why);
	u64 (*rejected)(struct synod_transport *t, u32 node,
			enum synod_reject why);
	void (*tx_counts)(struct synod_transport *t,
			  struct synod_tx_counts *c);
	/* version and frame MAC of our link to @node, while it is up */
	void (*link_info)(struct synod_transport *t, u32 node,
			  struct synod_link_info *li);
};

/* tcp.c */
extern const struct synod_transport_ops synod_tcp_ops;

#endif /* SYNOD_TRANSPORT_H */
