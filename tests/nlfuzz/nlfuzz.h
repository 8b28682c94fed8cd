/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlfuzz: the "synod" generic netlink family under random and mutated
 * requests (Documentation/nlfuzz.rst).  What the three files share,
 * grouped by the file that provides it:
 *   nlf_nl.c   raw netlink: messages, sockets per namespace and
 *              privilege, the family's policy (CTRL_CMD_GETPOLICY), the
 *              state digest
 *   nlf_gen.c  the requests: well-formed templates of every command and
 *              the mutations, each with the answer it must get
 *   nlfuzz.c   the driver: options, the run, the checks, the report
 */
#ifndef NLFUZZ_H
#define NLFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NLF_BUF		65536
#define NLF_MAX_NS	4
#define NLF_MAX_DECOY	8
#define NLF_MAXATTR	64

/* A message being built or received: bytes and their count. */
struct nlf_msg {
	unsigned char buf[NLF_BUF];
	size_t len;
};

/* ---- nlf_nl.c --------------------------------------------------------- */

/* One attribute of a policy, as CTRL_CMD_GETPOLICY describes it. */
struct nlf_attr_pol {
	uint32_t type;		/* NL_ATTR_TYPE_*; 0: not accepted (reject) */
	uint64_t max_u;		/* NL_POLICY_TYPE_ATTR_MAX_VALUE_U, or ~0 */
	uint32_t min_len;	/* NL_POLICY_TYPE_ATTR_MIN_LENGTH, or 0 */
	uint32_t max_len;	/* NL_POLICY_TYPE_ATTR_MAX_LENGTH, or 0 */
	int nested;		/* policy index of a nest, or -1 */
};

/* One policy (index as the kernel numbers them in its dump). */
struct nlf_policy {
	int maxattr;
	struct nlf_attr_pol a[NLF_MAXATTR];
};

#define NLF_MAX_POL	8
#define NLF_MAX_CMD	32

/* The family as the running kernel describes it. */
struct nlf_family {
	uint16_t id;
	int maxattr;			/* CTRL_ATTR_MAXATTR */
	bool has_op[NLF_MAX_CMD];	/* CTRL_ATTR_OPS lists it */
	uint32_t op_flags[NLF_MAX_CMD];	/* GENL_ADMIN_PERM, CMD_CAP_* */
	int do_pol[NLF_MAX_CMD];	/* policy index of do, -1 none */
	int dump_pol[NLF_MAX_CMD];	/* policy index of dump, -1 none */
	int npol;
	struct nlf_policy pol[NLF_MAX_POL];
};

/* Privilege levels of the senders (capabilities dropped with capset). */
enum nlf_priv {
	NLF_PRIV_ROOT,		/* full root */
	NLF_PRIV_NO_SYS,	/* root without CAP_SYS_ADMIN */
	NLF_PRIV_NO_NET,	/* root without CAP_NET_ADMIN */
	NLF_PRIV_NONE,		/* root without either */
	NLF_NPRIV
};
extern const char *const nlf_priv_name[NLF_NPRIV];

void nlf_put_hdr(struct nlf_msg *m, uint16_t type, uint16_t flags,
		 uint32_t seq, uint8_t cmd);
void nlf_put(struct nlf_msg *m, uint16_t type, const void *data, size_t len);
size_t nlf_nest_start(struct nlf_msg *m, uint16_t type);
void nlf_nest_end(struct nlf_msg *m, size_t off);
void nlf_end(struct nlf_msg *m);
int nlf_socket(void);
int nlf_transact(int fd, const struct nlf_msg *req, struct nlf_msg *out,
		 uint32_t seq, int timeout_ms);
int nlf_family_get(int fd, struct nlf_family *fam);
void nlf_family_print(const struct nlf_family *fam);
int nlf_enter_ns(const char *name);
int nlf_drop_caps(enum nlf_priv priv);
int nlf_digest(int fd, uint16_t family, char *out, size_t size,
	       const char *decoy_names, char *up_names, size_t up_size);
int nlf_dev_md5(const char *path, char *hex);

/* ---- nlf_gen.c -------------------------------------------------------- */

/* What answer a request must get (its class, see nlf_gen.c). */
enum nlf_expect {
	NLF_X_ANY,		/* well-formed: done, or refused with a message */
	NLF_X_REFUSE,		/* malformed: refused with a message */
	NLF_X_DROP,		/* netlink drops it: no answer at all */
	NLF_X_IGNORE,		/* not a request: ignored, at most an ACK 0 */
	NLF_X_CORE_EINVAL,	/* genl core: header shorter than genlmsghdr */
	NLF_X_CORE_NOOP,	/* genl core: no such command (EOPNOTSUPP) */
	NLF_X_CORE_PERM,	/* genl core: admin-perm without CAP_NET_ADMIN */
	NLF_X_CORE_NOOP_PERM,	/* NLM_F_DUMP on a do-only op without
				 * CAP_NET_ADMIN: 6.1 EPERM, 6.12 EOPNOTSUPP */
};
extern const char *const nlf_expect_name[];

/* The targets the generator picks from. */
struct nlf_target {
	int nns;
	char live[32];				/* the live volume, every ns */
	int ndecoy;
	int decoy_ns[NLF_MAX_DECOY];
	char decoy[NLF_MAX_DECOY][32];
	char decoy_backing[NLF_MAX_DECOY][128];
	char live_backing[NLF_MAX_NS][128];
};

/* One generated request. */
struct nlf_req {
	int ns;
	enum nlf_priv priv;
	uint8_t cmd;
	int decoy;		/* index of the decoy it may change, or -1 */
	bool mutating;		/* the command changes a volume if done */
	enum nlf_expect expect;
	char what[256];		/* the mutation, for the report */
	struct nlf_msg m;
};

void nlf_gen_seed(uint64_t seed);
void nlf_gen(const struct nlf_family *fam, const struct nlf_target *t,
	     uint32_t seq, struct nlf_req *r);
const char *nlf_cmd_name(unsigned int cmd);
bool nlf_cmd_mutating(unsigned int cmd);
void nlf_templates_print(void);

#endif /* NLFUZZ_H */
