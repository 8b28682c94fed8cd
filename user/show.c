// SPDX-License-Identifier: GPL-2.0
/*
 * From netlink attributes to structs to text or JSON.  Attributes newer
 * than this header are ignored; a malformed known attribute makes the
 * whole message -EPROTO, since printing half-checked data misleads.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "show.h"

static struct nla_policy synod_policy[SYNOD_A_MAX + 1] = {
	[SYNOD_A_VOLUME_NAME] = { .type = NLA_STRING,
				  .maxlen = SYNOD_NAME_MAX + 1 },
	[SYNOD_A_VOLUME_BACKING] = { .type = NLA_STRING,
				     .maxlen = SYNOD_PATH_MAX + 1 },
	[SYNOD_A_VOLUME_DEVICE] = { .type = NLA_STRING, .maxlen = 32 },
	[SYNOD_A_VOLUME_SIZE] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_UUID] = { .type = NLA_UNSPEC,
				  .minlen = SYNOD_UUID_LEN,
				  .maxlen = SYNOD_UUID_LEN },
	[SYNOD_A_VOLUME_ROLE] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_FORMAT] = { .type = NLA_U32 },
	[SYNOD_A_STATS_XDP_KFUNC_CALLS] = { .type = NLA_U64 },
	[SYNOD_A_EVENT] = { .type = NLA_U32 },
};

static int parse_attrs(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	if (genlmsg_parse(nlh, 0, tb, SYNOD_A_MAX, synod_policy) < 0)
		return -EPROTO;
	return 0;
}

static void volume_from_attrs(struct nlattr **tb, struct synod_volume *v)
{
	nla_strlcpy(v->name, tb[SYNOD_A_VOLUME_NAME], sizeof(v->name));
	if (tb[SYNOD_A_VOLUME_BACKING]) {
		nla_strlcpy(v->backing, tb[SYNOD_A_VOLUME_BACKING],
			    sizeof(v->backing));
		v->have |= SYNOD_VOL_BACKING;
	}
	if (tb[SYNOD_A_VOLUME_DEVICE]) {
		synod_device_path(nla_get_string(tb[SYNOD_A_VOLUME_DEVICE]),
				  v->device, sizeof(v->device));
		v->have |= SYNOD_VOL_DEVICE;
	}
	if (tb[SYNOD_A_VOLUME_SIZE]) {
		v->size_bytes = nla_get_u64(tb[SYNOD_A_VOLUME_SIZE]);
		v->have |= SYNOD_VOL_SIZE;
	}
	if (tb[SYNOD_A_VOLUME_UUID]) {
		memcpy(v->uuid, nla_data(tb[SYNOD_A_VOLUME_UUID]),
		       SYNOD_UUID_LEN);
		v->have |= SYNOD_VOL_UUID;
	}
	if (tb[SYNOD_A_VOLUME_ROLE]) {
		v->role = nla_get_u32(tb[SYNOD_A_VOLUME_ROLE]);
		v->have |= SYNOD_VOL_ROLE;
	}
	if (tb[SYNOD_A_VOLUME_FORMAT]) {
		v->format = nla_get_u32(tb[SYNOD_A_VOLUME_FORMAT]);
		v->have |= SYNOD_VOL_FORMAT;
	}
}

/* A volume reply (VOLUME_GET, or CREATE/ATTACH if the kernel echoes). */
int synod_volume_parse(struct nl_msg *msg, struct synod_volume *v)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(v, 0, sizeof(*v));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (!tb[SYNOD_A_VOLUME_NAME])
		return -EPROTO;
	volume_from_attrs(tb, v);
	return 0;
}

/*
 * Text, one block per volume:
 *	r0: device /dev/synod0 role leader
 *	    backing /dev/loop0 size 1069547520 (1020 MiB)
 *	    uuid 8c4e...-... format 0
 */
void synod_volume_print(struct synod_out *o, const struct synod_volume *v)
{
	char uuid[SYNOD_UUID_STR_LEN];
	char human[32];

	out_open_object(o, NULL);
	out_string(o, "name", "%s:", v->name);
	if (v->have & SYNOD_VOL_DEVICE)
		out_string(o, "device", " device %s", v->device);
	if (v->have & SYNOD_VOL_ROLE)
		out_string(o, "role", " role %s", synod_role_name(v->role));
	out_text(o, "\n   ");
	if (v->have & SYNOD_VOL_BACKING)
		out_string(o, "backing", " backing %s", v->backing);
	if (v->have & SYNOD_VOL_SIZE) {
		synod_size_human(v->size_bytes, human, sizeof(human));
		out_u64(o, "size_bytes", " size %" PRIu64, v->size_bytes);
		out_text(o, " (%s)", human);
	}
	out_text(o, "\n   ");
	if (v->have & SYNOD_VOL_UUID) {
		synod_uuid_format(v->uuid, uuid);
		out_string(o, "uuid", " uuid %s", uuid);
	}
	if (v->have & SYNOD_VOL_FORMAT)
		out_u64(o, "format", " format %" PRIu64, v->format);
	out_text(o, "\n");
	out_close_object(o);
}

int synod_stats_parse(struct nl_msg *msg, struct synod_stats *st)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (!tb[SYNOD_A_STATS_XDP_KFUNC_CALLS])
		return -EPROTO;
	st->xdp_kfunc_calls = nla_get_u64(tb[SYNOD_A_STATS_XDP_KFUNC_CALLS]);
	return 0;
}

void synod_stats_print(struct synod_out *o, const struct synod_stats *st)
{
	out_open_object(o, NULL);
	out_u64(o, "xdp_kfunc_calls", "xdp_kfunc_calls %" PRIu64 "\n",
		st->xdp_kfunc_calls);
	out_close_object(o);
}

/* Messages on the events group other than SYNOD_CMD_EVENT: -ENOMSG. */
int synod_event_parse(struct nl_msg *msg, struct synod_event_msg *ev)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(ev, 0, sizeof(*ev));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (genlmsg_hdr(nlmsg_hdr(msg))->cmd != SYNOD_CMD_EVENT)
		return -ENOMSG;
	if (!tb[SYNOD_A_EVENT])
		return -EPROTO;
	ev->event = nla_get_u32(tb[SYNOD_A_EVENT]);
	if (tb[SYNOD_A_VOLUME_NAME])
		nla_strlcpy(ev->name, tb[SYNOD_A_VOLUME_NAME],
			    sizeof(ev->name));
	return 0;
}

/* One line per event: "created r0" or {"event":"created","name":"r0"}. */
void synod_event_print(struct synod_out *o, const struct synod_event_msg *ev)
{
	out_open_object(o, NULL);
	out_string(o, "event", "%s", synod_event_name(ev->event));
	if (ev->name[0])
		out_string(o, "name", " %s", ev->name);
	out_text(o, "\n");
	out_close_object(o);
}
