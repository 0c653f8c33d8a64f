#define _GNU_SOURCE
#include "clinux_packet.h"
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/uio.h>

int clinux_send_frames(int fd, const void *const *frames, const uint32_t *lengths, unsigned count) {
    enum { CHUNK = 256 };
    struct mmsghdr msgs[CHUNK];
    struct iovec iov[CHUNK];
    unsigned done = 0;
    while (done < count) {
        unsigned n = count - done < CHUNK ? count - done : CHUNK;
        memset(msgs, 0, sizeof(msgs[0]) * n);
        for (unsigned i = 0; i < n; i++) {
            iov[i].iov_base = (void *)frames[done + i];
            iov[i].iov_len = lengths[done + i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r = sendmmsg(fd, msgs, n, MSG_DONTWAIT);
        if (r < 0) return done ? (int)done : -1;
        done += (unsigned)r;
        if ((unsigned)r < n) break;
    }
    return (int)done;
}

int clinux_set_thread_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }

int clinux_eventfd_nonblocking(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

size_t clinux_tpacket_req3_size(void) { return sizeof(struct tpacket_req3); }

void clinux_tpacket_req3_fill(void *req, unsigned block_size, unsigned block_count,
                              unsigned frame_size, unsigned retire_timeout_ms) {
    struct tpacket_req3 *r = req;
    memset(r, 0, sizeof(*r));
    r->tp_block_size = block_size;
    r->tp_block_nr = block_count;
    r->tp_frame_size = frame_size;
    r->tp_frame_nr = (block_size / frame_size) * block_count;
    r->tp_retire_blk_tov = retire_timeout_ms;
    r->tp_feature_req_word = 0;
}

int clinux_tpacket3_block_ready(const void *block) {
    const struct tpacket_block_desc *b = block;
    return (__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

uint32_t clinux_tpacket3_block_frames(const void *block) {
    return ((const struct tpacket_block_desc *)block)->hdr.bh1.num_pkts;
}

void clinux_tpacket3_block_release(void *block) {
    struct tpacket_block_desc *b = block;
    __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

uint32_t clinux_tpacket3_block_first(const void *block) {
    return ((const struct tpacket_block_desc *)block)->hdr.bh1.offset_to_first_pkt;
}

uint32_t clinux_tpacket3_frame(const void *hdr, struct clinux_tpacket_frame *out) {
    const struct tpacket3_hdr *h = hdr;
    const struct sockaddr_ll *ll =
        (const struct sockaddr_ll *)((const uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
    out->data = (const uint8_t *)h + h->tp_mac;
    out->snaplen = h->tp_snaplen;
    out->length = h->tp_len;
    out->status = h->tp_status;
    out->sec = h->tp_sec;
    out->nsec = h->tp_nsec;
    out->pkttype = ll->sll_pkttype;
    return h->tp_next_offset;
}

int clinux_tpacket3_restore_vlan(void *hdr, size_t vnet_len) {
    struct tpacket3_hdr *h = hdr;
    if (!(h->tp_status & TP_STATUS_VLAN_VALID)) return 0;
    size_t floor = TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll);
    if (h->tp_mac < floor + vnet_len + 4) return -1;
    uint8_t *base = (uint8_t *)h;
    uint8_t *old_start = base + h->tp_mac - vnet_len;
    memmove(old_start - 4, old_start, vnet_len + 12);
    uint8_t *tag = base + h->tp_mac - 4 + 12;
    uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid ? h->hv1.tp_vlan_tpid : 0x8100;
    tag[0] = tpid >> 8; tag[1] = tpid & 0xff;
    tag[2] = h->hv1.tp_vlan_tci >> 8; tag[3] = h->hv1.tp_vlan_tci & 0xff;
    if (vnet_len >= 10) {
        /* struct virtio_net_hdr, little-endian (vio_le on x86): flags,
           gso_type, hdr_len, gso_size, csum_start, csum_offset. */
        uint8_t *v = old_start - 4;
        if (v[0] & 1) { uint16_t cs = (uint16_t)(v[6] | v[7] << 8) + 4; v[6] = cs & 0xff; v[7] = cs >> 8; }
        if (v[1] != 0) { uint16_t hl = (uint16_t)(v[2] | v[3] << 8); if (hl) { hl += 4; v[2] = hl & 0xff; v[3] = hl >> 8; } }
    }
    h->tp_mac -= 4;
    h->tp_snaplen += 4;
    h->tp_len += 4;
    h->tp_status &= ~(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID);
    return 1;
}

size_t clinux_tpacket3_tx_data_offset(void) { return TPACKET_ALIGN(sizeof(struct tpacket3_hdr)); }

uint32_t clinux_tpacket3_tx_status(const void *slot) {
    return __atomic_load_n(&((const struct tpacket3_hdr *)slot)->tp_status, __ATOMIC_ACQUIRE);
}

void clinux_tpacket3_tx_submit(void *slot, uint32_t length) {
    struct tpacket3_hdr *h = slot;
    h->tp_len = length;
    h->tp_snaplen = length;
    h->tp_next_offset = 0;
    __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
}

void clinux_tpacket3_tx_reset(void *slot) {
    __atomic_store_n(&((struct tpacket3_hdr *)slot)->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
}

void clinux_tpacket_req3_fill_tx(void *req, unsigned block_size, unsigned block_count, unsigned frame_size) {
    clinux_tpacket_req3_fill(req, block_size, block_count, frame_size, 0);
}

int clinux_packet_statistics(int fd, uint32_t *packets, uint32_t *drops) {
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof(st);
    memset(&st, 0, sizeof(st));
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) return -1;
    *packets = st.tp_packets;
    *drops = st.tp_drops;
    return 0;
}

unsigned long clinux_tunsetiff(void) { return TUNSETIFF; }
unsigned long clinux_tunsetpersist(void) { return TUNSETPERSIST; }
unsigned long clinux_tunsetowner(void) { return TUNSETOWNER; }
unsigned long clinux_tunsetgroup(void) { return TUNSETGROUP; }
unsigned long clinux_tungetiff(void) { return TUNGETIFF; }
unsigned long clinux_tunsetvnethdrsz(void) { return TUNSETVNETHDRSZ; }
unsigned long clinux_tunsetoffload(void) { return TUNSETOFFLOAD; }
