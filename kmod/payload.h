/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Payload store of one replica: the data of block writes, by reference.
 *
 * The consensus core carries a write as (block, ref) and never sees its
 * data.  The glue keeps the data here under a ref that is unique across
 * the cluster (the proposing node, a per-boot salt and a counter), so the
 * same ref names the same bytes on every replica: the leader stores a
 * client's data under a fresh ref, followers store what arrives in payload
 * frames under the sender's ref, recovery stores what the journal holds.
 *
 * The store has SYNOD_PAY_COUNT buffer slots; a slot has memory (is
 * backed) only while the load needs it.  SYNOD_PAY_FLOOR buffers are
 * allocated when the volume is created and always kept; more come from
 * the host's pool (paypool.h) when fewer than SYNOD_PAY_LOW are free,
 * SYNOD_PAY_GROW at a time and without allocating, and go back to it
 * when the replica has stored nothing for SYNOD_PAY_IDLE_TRIMS ticks
 * (synod_pay_trim_due(); the core forgets the applied slots of its log
 * first, which name the last payloads, synod_replica_forget()), and
 * when the volume goes down, after which no tick runs
 * (synod_repl_trim(): a fenced replica's store sweeps without the
 * core forgetting anything).  The
 * store reserves SYNOD_PAY_COUNT buffers' quota in the pool (paypool.h
 * says why), so it can always grow that far.  A buffer is
 * reclaimed by a mark-and-sweep over the refs the core still holds (its
 * log ring, phase-1 recovery and pending writes); a buffer nothing holds
 * is freed only once SYNOD_PAY_FRESH more buffers have been stored since
 * it was stored, announced again or last held, so payload frames that
 * wait for their message are not lost in between, however often the
 * store sweeps (ages counted in sweeps were not enough: a sweep that
 * frees little is followed by another at the next store).  Only when a
 * sweep would leave nothing free does it free every buffer nothing holds,
 * young or not: a store that can never fill again would stop the
 * replica, where a lost frame only costs a resend.  Neither sweep frees
 * a buffer a journal record still to be written names (pinned), nor one
 * the network may still hold (lent): the transport sends a buffer's
 * pages by reference (transport.h, queue_page()), and its queue and the
 * socket each hold page references until the bytes are written, or
 * acknowledged by the peer's TCP, or the link is reset; TCP reads them
 * again to retransmit, so they must not change before.  So the store
 * never changes the bytes of a lent buffer either.  A buffer is lent
 * from its first send by reference until a reclaim sees no reference
 * but the store's (synod_pay_busy()); at most half the store's backed
 * buffers, and never more than SYNOD_PAY_LEND_MAX, are lent at once, so
 * a lost peer whose socket holds pages for seconds costs the store at
 * most that many, and later payloads go by copy.
 *
 * Refs are bound to the peers that sent them: a buffer records which
 * peers delivered its bytes (a peer re-sending a ref we hold counts only
 * if the bytes are the same), and a message from a peer may only name
 * refs that peer delivered.  So a node that names data it did not send,
 * or sends other bytes under a ref already held (a stale frame, a broken
 * or hostile member), changes nothing and is counted (replica.c).
 * Senders are needed rather than the proposer in the ref: in recovery
 * and catch-up a leader relays data proposed by an earlier leader.  The
 * proposer still has the last word on its own refs: its bytes replace a
 * copy that only other peers sent, and those peers are counted, unless
 * a journal record of ours holds that copy (durable): those bytes never
 * change.  This cannot stop a member that holds the secret from lying
 * (crash-fault Paxos trusts its members); it guarantees that a proposer's
 * bytes win wherever its frame arrives before the copy is journaled or
 * being sent on to another peer (busy); otherwise the proposer is
 * counted, and its resend, once no socket or send ring holds the copy,
 * wins.  A payload that comes in pieces (replica_piece.c) follows the
 * same rule: the proposer's pieces are compared with a copy held whole,
 * and from the first difference on put together in a fresh chain apart
 * from the hash (synod_pay_store_fresh(): free buffers, as any store),
 * which once whole takes the held copy's place under the ref
 * (synod_pay_swap(): the held copy is left to the next sweep, its bytes
 * unchanged) if that copy still may give way then; otherwise the fresh
 * chain is given back (synod_pay_drop()), as it is if the assembly is
 * abandoned.  Which rule keeps a copy is one function for both paths
 * (synod_pay_kept_why()).
 *
 * A payload longer than one buffer (SYNOD_PAY_BUF_BYTES) is a chain of
 * up to SYNOD_PAY_SEGS_MAX buffers, linked by index (->next): buffers
 * stay order-2 page blocks, which the page allocator still finds when
 * memory is fragmented, where a 1 MiB block would not be there.  Only
 * the chain's first buffer, its head, is a payload: it alone is hashed
 * by ref, carries the length, senders, pins and the lent and durable
 * marks, and counts as held; the other buffers belong to it and are
 * stored, swept and reused with it, never alone.  synod_pay_store()
 * takes all the buffers a length needs or none (a half-stored payload
 * would hold buffers that nothing can use); synod_pay_busy() looks at
 * every buffer, since the network may hold the pages of any; the lend
 * cap counts buffers, not chains, because what it bounds is memory kept
 * by sockets.  A chain is exactly as long as its length needs
 * (synod_pay_nbufs(); synod_pay_set_len() gives back what a shorter
 * length leaves).  The journal writes a chain as a list of segments,
 * one per buffer (journal.h), the data area as one vector per buffer
 * (replica_apply.c).  A payload frame carries one buffer, by reference
 * or by copy; a chain of more goes as one PIECE frame per buffer, all
 * by reference or all by copy (replica_tx.c, send_pieces()), and is put
 * together again by the receiver (replica_piece.c).  Only a LARGE
 * volume (on-disk flag, the default for new replicated volumes) takes
 * requests of more than SYNOD_PAYLOAD_MAX (blkdev.c); every other
 * payload of the I/O path is one buffer (synod_pay_init()).
 *
 * Landing buffers (payload_land.c): a follower receives the bytes of a
 * PAYLOAD or PIECE frame straight from the socket into a store buffer,
 * one per peer, named before they arrive (transport.h, rx_place()), and
 * checked only once all of them are in: so a landing buffer holds bytes
 * nobody has authenticated yet.  It is a backed slot marked used, with
 * no chain (nseg 0), no ref, not hashed, never pinned or lent: no sweep,
 * lookup, lend, trim or journal walk sees it (they look at hashed heads,
 * the lent list or the free stack), and nothing but the receive path
 * reads its bytes.  Once the frame passed its checks the replica commits
 * it under its lock by swapping the data pointers of the landing slot and
 * of the chain's buffer that the bytes belong in (synod_pay_land_swap()):
 * store buffers are interchangeable pages of the pool, and whatever is
 * keyed on a page (busy, lent) follows ->data.  Neither page may be busy
 * (another reader would see its bytes change) nor the chain lent: then
 * the bytes are copied, as before there were landing buffers.  Slot
 * indexes, links, pins and counts never move, so a landing slot is one
 * buffer taken for good until the volume goes down (replica_ctl.c gives
 * it back, after the links stopped).
 */
#ifndef SYNOD_PAYLOAD_H
#define SYNOD_PAYLOAD_H

#include <linux/bug.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "journal.h"
#include "paypool.h"
#include "core/replica.h"

/*
 * More than the core can reference at once: log ring and phase-1 recovery
 * entries times writes per entry, plus pending client writes (700), plus
 * SYNOD_PAY_LEND_MAX lent (64), a hard reserve (lent buffers are never
 * freed), plus SYNOD_PAY_FRESH young ones (256), a soft one (a sweep
 * that would leave nothing free frees young buffers too) that also
 * covers what only the outbox, a submission pass or a journal record
 * still names.  Plus one landing buffer per peer (SYNOD_NODES_MAX,
 * payload_land.c), taken for as long as the volume is up: hard too.
 * synod_pay_init() checks the hard part.
 */
#define SYNOD_PAY_COUNT		1024u
/*
 * The same reserve in bytes, for large writes (synod_pay_init()), where
 * a write holds one buffer per 16 KiB: the client writes in flight
 * (admitted, SYNOD_ADMIT_BYTES, on a leader; the window's bytes,
 * SYNOD_WINDOW_BYTES, on a follower, whose accepted slots are the
 * leader's window), plus chosen writes the core's log still names until
 * a checkpoint lets it forget them (landed: at most a checkpoint's
 * worth, SYNOD_CHECKPOINT_BYTES, before one is queued, replica_ckpt.c),
 * plus the lent buffers.  16 MiB in all: 8 + 4 + 1 MiB today.  A lend
 * cap of 256 buffers (4 MiB) still fits; 512 (8 MiB) would need the
 * store at 1280 buffers (20 MiB) per replica.
 *
 * Left out: values phase 1 recovers (up to SYNOD_P1_CHUNK slots of up
 * to a slot's bytes each, marked by sweep()), and on a follower chosen
 * slots not applied yet; both bounded in buffers above, not in bytes.
 *
 * SYNOD_RETAIN_BYTES bounds what the log retains of applied slots
 * (S4b).  The core forgets a slot only once every voter has chosen it
 * (the slowest voter's peer_chosen, or all_chosen) and no peer fetched
 * it lately, and sweep() keeps every payload the log's SYNOD_LOG_MAX
 * slots name: with 1 MiB writes and a voter down the store filled and
 * writes stopped (SYNOD_BUSY).  So whenever the core hears of a
 * checkpoint, and every quarter of the bound landed, while the store is
 * more than 10 MiB full, the glue adds up the buffers of the payloads in
 * chains the applied slots [log_base, applied] name, newest first, and
 * past this bound (2 MiB more while a peer fetched lately)
 * lets the core shed the older ones at or below applied_durable,
 * whoever still wants them (replica_ckpt.c, synod_ckpt_retain(); core
 * synod_replica_shed()).  A lagging voter then catches up by a state
 * transfer; the down line counts "slots shed past a lagging peer".
 */
#define SYNOD_RETAIN_BYTES	(4u << 20)
/*
 * Shed only while the store holds more than this many buffers (10 MiB
 * of 16): below it there is room for the leader's whole window or the
 * writes admitted (8 MiB) and the lent buffers, whatever the log
 * retains, and a slot kept is a peer spared a state transfer.  Past it
 * the bound above holds the store to its reserve.
 */
#define SYNOD_RETAIN_SHED_USED	(SYNOD_PAY_COUNT * 5 / 8)
/*
 * What a peer that fetched from us lately (it is catching up from our
 * log: a healthy follower that missed a payload frame, say) is spared
 * beyond SYNOD_RETAIN_BYTES: 2 of the 3 MiB the reserve leaves (16 - 8
 * admitted or in the window - 4 retained - 1 lent), the rest for what
 * lands between two looks.  Past it the fetcher goes to state transfer
 * too.
 */
#define SYNOD_RETAIN_SPARE_BYTES	(2u << 20)
/*
 * Buffers a store keeps even when idle: what a burst of small writes
 * needs before the first growth (512 KiB; payload_pool_mb bounds the rest).
 */
#define SYNOD_PAY_FLOOR		32u
/*
 * Grow when fewer than this many are free, by this many at once: a
 * store at its floor serves half of it before it takes from the pool.
 */
#define SYNOD_PAY_LOW		16u
#define SYNOD_PAY_GROW		32u
/*
 * Ticks (SYNOD_TICK_MS each, 2 s) without a store before the store gives
 * back to the pool what it holds beyond its floor and does not need.
 */
#define SYNOD_PAY_IDLE_TRIMS	200u
/*
 * Buffers lent to the network at once (sent by reference, synod_pay_lend()):
 * so many at most are kept from reuse by sockets, whatever the number of
 * peers, their socket buffers or a lost peer's retransmissions; beyond
 * that, payloads leave by copy.  1 MiB of 16 KiB buffers.
 *
 * The cap in force is half what the store has backed, up to this: lent
 * buffers are a hard reserve (never freed, reused or given back), and a
 * fixed cap above the floor let a store at its floor lend all of it to
 * a lost peer's socket, then take from the host's pool for every store
 * and stay above its floor however long it idled.  Raising the floor to
 * the cap instead would pin 1 MiB more per idle volume, what the pool
 * exists to avoid; lending matters under load, and a store under load
 * grows (SYNOD_PAY_GROW at a time), so the cap grows with it: 16 at the
 * floor, the full 64 from 128 backed.
 */
#define SYNOD_PAY_LEND_MAX	64u
/* Smallest payload sent by reference: below, a copy costs less. */
#define SYNOD_PAY_LEND_MIN	4096u
#define SYNOD_PAY_HASH_BITS	8
/*
 * Buffers of one chain at most: 1 MiB payloads, the largest request the
 * block layer is to be given (one buffer per 16 KiB).
 */
#define SYNOD_PAY_SEGS_MAX	64u
#define SYNOD_PAY_BYTES_MAX	(SYNOD_PAY_SEGS_MAX * SYNOD_PAY_BUF_BYTES)
/* ->next of a chain's last buffer (and of one not in a chain). */
#define SYNOD_PAY_NONE		U32_MAX
/*
 * A buffer nothing refers to is kept until this many more buffers have
 * been stored: twice what one message can name (its payload frames come
 * just before it), so a frame's data is there when its message comes.
 */
#define SYNOD_PAY_FRESH		(2 * SYNOD_MSG_ENTRIES_MAX * SYNOD_BATCH_MAX)

struct synod_pay {
	struct hlist_node hash;	/* in the store's hash, if a used head */
	u64 ref;		/* cluster-unique name of the data */
	u32 len;		/* bytes of data, a multiple of 512 (head) */
	/*
	 * The chain (payload.h): index of the next buffer, SYNOD_PAY_NONE
	 * at its end; on the head, the buffers in it (1..SYNOD_PAY_SEGS_MAX),
	 * 0 on the others.  The fields below mean something on a head only.
	 */
	u32 next;
	u32 nseg;
	u64 seen;		/* ps->stores when stored, announced or held */
	u64 held;		/* ps->sweeps of the last sweep that found it held */
	bool used;
	/*
	 * Lent to the network (synod_pay_lend()): sent by reference, and
	 * not yet seen back (synod_pay_busy() false) by a reclaim.  Never
	 * freed, reused or overwritten while busy; a lent chain no longer
	 * busy may be shrunk (synod_pay_set_len() frees its tail buffers,
	 * which nothing reads), and the lent count shrinks with it.
	 */
	bool lent;
	u32 senders;		/* bit n: node n sent us these bytes */
	/*
	 * A journal record of ours holds these bytes, or will once its
	 * group is written (replica_jq.c sets it when it queues them):
	 * they never change after, since crash recovery replays what the
	 * journal holds.
	 */
	bool durable;
	/*
	 * Journal records queued or being written name these bytes
	 * (replica_jq.c): a bio may read them with the replica's lock
	 * dropped, after the core has let go of the ref, so the sweep
	 * never frees a pinned buffer.  One pin per record.
	 */
	u32 pins;
	void *data;		/* SYNOD_PAY_BUF_BYTES; NULL: unbacked */
};

struct synod_paystore {
	struct synod_pay *pay;		/* SYNOD_PAY_COUNT of them */
	/*
	 * The replica's outbox: records it holds are still to be queued
	 * for the journal (a run of frames defers them, replica_rx.c;
	 * once queued they are pinned), and the core's log may no longer
	 * name their data (a later ACCEPT took the slot), so the sweep
	 * keeps what they name too.  NULL: none.
	 */
	const struct synod_out *outbox;
	/*
	 * The writes a submission pass has gathered and not given to the
	 * core yet (replica_io.c), *@ngathered of them: their data is
	 * stored, nothing else names it, and a pass can sweep more than
	 * once.  NULL: none.
	 */
	const struct synod_wait_write *gathered;
	const u32 *ngathered;
	u32 *free;			/* stack of free, backed indexes */
	u32 nfree;
	u32 *bare;			/* stack of unbacked indexes */
	u32 nbare;
	u32 backed;			/* slots with memory */
	u32 peak;			/* most backed at once */
	struct synod_paypool *pool;	/* where growth comes from */
	/*
	 * Growth may allocate with these flags when the pool has no spare:
	 * set while the volume is created and its journal recovered (may
	 * sleep), 0 on the I/O and receive paths.
	 */
	gfp_t gfp;
	u64 trim_stores;		/* ->stores at the last trim tick */
	u32 idle;			/* trim ticks since then without a store */
	u64 grown, trimmed;		/* buffers taken from, given to the pool */
	u64 stores;			/* buffers stored so far: the clock of ages */
	u64 swept_at;			/* ->stores at the last sweep */
	u64 salt;			/* node and boot salt for new refs */
	u32 next;			/* counter for new refs */
	struct hlist_head hash[1 << SYNOD_PAY_HASH_BITS];
	u64 sweeps, swept, exhausted;	/* counters for status and tests */
	u32 lent_idx[SYNOD_PAY_LEND_MAX];	/* the chains lent (heads) */
	u32 nlent;
	u32 lent_segs;			/* their buffers: the cap counts */
	u64 reclaimed_at;		/* ->stores at the last full reclaim */
	u64 lends, lend_full;		/* lent; refused (cap reached) */
	/* buffers received in place: swapped in, copied (payload_land.c) */
	u64 landed, land_copied;
};

int synod_pay_init(struct synod_paystore *ps, u32 node,
		   struct synod_paypool *pool);
void synod_pay_exit(struct synod_paystore *ps);
u32 synod_pay_unback_all(struct synod_paystore *ps);
struct synod_pay *synod_pay_find(struct synod_paystore *ps, u64 ref);
u64 synod_pay_entry_bytes(struct synod_paystore *ps,
			  const struct synod_entry *e);


/*
 * Something besides the store holds the pages of buffer @p alone
 * (payload.h): page references other than the store's own, counted on
 * the compound page's head.  A socket's go away at any time (a softirq
 * frees an acknowledged skb); a transient one (a speculative page-cache
 * lookup) may show up, which only delays.  Acquire: whoever sees it
 * false and then reuses the bytes comes after the last reader's
 * put_page().
 */
static inline bool synod_pay_buf_busy(const struct synod_pay *p)
{
	return atomic_read_acquire(&virt_to_head_page(p->data)->_refcount) > 1;
}

/*
 * The buffer after @p in its chain, NULL at the end.  Walks are bounded
 * by the head's nseg; a link out of range ends the chain (and warns).
 */
static inline struct synod_pay *synod_pay_next(struct synod_paystore *ps,
					       const struct synod_pay *p)
{
	if (p->next == SYNOD_PAY_NONE ||
	    WARN_ON_ONCE(p->next >= SYNOD_PAY_COUNT))
		return NULL;
	return &ps->pay[p->next];
}

/* Bytes of payload @head that its buffer @i holds. */
static inline u32 synod_pay_seg_len(const struct synod_pay *head, u32 i)
{
	u32 off = i * SYNOD_PAY_BUF_BYTES;

	return head->len > off ? min(head->len - off, SYNOD_PAY_BUF_BYTES) : 0;
}

/*
 * Buffers a payload of @len bytes takes: one per SYNOD_PAY_BUF_BYTES,
 * and 0 bytes one too (a stored payload is at least its head, which
 * carries its ref; its bytes come later, payload.c).
 */
static inline u32 synod_pay_nbufs(u32 len)
{
	return max(1u, DIV_ROUND_UP(len, SYNOD_PAY_BUF_BYTES));
}

bool synod_pay_busy(struct synod_paystore *ps, const struct synod_pay *head);
bool synod_pay_lend(struct synod_paystore *ps, struct synod_pay *p);
struct synod_pay *synod_pay_store(struct synod_paystore *ps, u64 ref,
				  u32 bytes, const struct synod_replica *core);
struct synod_pay *synod_pay_store_fresh(struct synod_paystore *ps, u64 ref,
					u32 bytes,
					const struct synod_replica *core);
void synod_pay_swap(struct synod_paystore *ps, struct synod_pay *old,
		    struct synod_pay *fresh);
void synod_pay_drop(struct synod_paystore *ps, struct synod_pay *fresh);
void synod_pay_copy_in(struct synod_paystore *ps, struct synod_pay *head,
		       u32 off, const void *src, u32 len);
bool synod_pay_equal(struct synod_paystore *ps, const struct synod_pay *head,
		     const void *src, u32 len);
bool synod_pay_equal_at(struct synod_paystore *ps,
			const struct synod_pay *head, u32 off, const void *src,
			u32 len);
bool synod_pay_chains_equal(struct synod_paystore *ps,
			    const struct synod_pay *x, const struct synod_pay *y);
const char *synod_pay_kept_why(const struct synod_pay *pay, u32 from,
			       bool busy);
bool synod_pay_set_len(struct synod_paystore *ps, struct synod_pay *head,
		       u32 len);
bool synod_pay_replace(struct synod_paystore *ps, struct synod_pay *head,
		       const void *src, u32 len);
u32 synod_pay_segs(struct synod_paystore *ps, const struct synod_pay *head,
		   struct synod_jseg *seg, u32 room);
u32 synod_pay_jrec_segs(struct synod_paystore *ps, struct synod_jrec *rec,
			const u32 *head, u32 nw, struct synod_jseg *seg,
			u32 room);
struct bio;
u32 synod_pay_bio_add(struct synod_paystore *ps, const struct synod_pay *head,
		      struct bio *bio);
u32 synod_pay_copy_segs(struct synod_paystore *ps, struct synod_pay *head,
			const struct synod_jseg *seg, u32 nseg);
u64 synod_pay_new_ref(struct synod_paystore *ps);
void synod_pay_seen(struct synod_paystore *ps, struct synod_pay *p);
void synod_pay_sweep(struct synod_paystore *ps,
		     const struct synod_replica *core);
bool synod_pay_trim_due(struct synod_paystore *ps);
void synod_pay_trim(struct synod_paystore *ps,
		    const struct synod_replica *core);

u64 synod_pay_shed_upto(struct synod_paystore *ps,
			const struct synod_replica *c, u64 spare);
bool synod_pay_make_room(struct synod_paystore *ps,
			 const struct synod_replica *core, u32 need);

/* payload_land.c: a peer's frames received in place (above) */
u32 synod_pay_land_take(struct synod_paystore *ps,
			const struct synod_replica *core);
void synod_pay_land_give(struct synod_paystore *ps, u32 i);
bool synod_pay_land_swap(struct synod_paystore *ps, struct synod_pay *head,
			 u32 off, struct synod_pay *land);

/*
 * Whether @pay, held under a ref whose proposer is @from, is kept
 * against @from's other bytes only for now: pinned (a bio reads it,
 * another peer's pieces are compared with it) but not journaled.  Then
 * @from's frame is backpressure, not a conflict, on both receive paths
 * (replica_rx.c, replica_piece.c): the pin ends soon, its message finds
 * the payload absent, and its resend replaces the copy (proposer-wins).
 */
static inline bool synod_pay_kept_for_now(const struct synod_pay *pay,
					  u32 from)
{
	return pay->pins && !pay->durable && (pay->ref >> 56) == from + 1;
}

/* Buffers not free: held, or not swept since nothing holds them. */
static inline u32 synod_pay_used(const struct synod_paystore *ps)
{
	return ps->backed - ps->nfree;
}

/* A journal record names @p until it is written or dropped. */
static inline void synod_pay_pin(struct synod_pay *p)
{
	p->pins++;
}

static inline void synod_pay_unpin(struct synod_pay *p)
{
	WARN_ON_ONCE(!p->pins);
	if (p->pins)
		p->pins--;
}

#endif /* SYNOD_PAYLOAD_H */
