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

size_t clinux_tpacket_req_size(void) { return sizeof(struct tpacket_req); }

void clinux_tpacket_req_fill(void *req, unsigned block_size, unsigned block_count, unsigned frame_size) {
    struct tpacket_req *r = req;
    memset(r, 0, sizeof(*r));
    r->tp_block_size = block_size;
    r->tp_block_nr = block_count;
    r->tp_frame_size = frame_size;
    r->tp_frame_nr = (block_size / frame_size) * block_count;
}

uint32_t clinux_tpacket2_status(const void *slot) {
    return __atomic_load_n(&((const struct tpacket2_hdr *)slot)->tp_status, __ATOMIC_ACQUIRE);
}

void clinux_tpacket2_release(void *slot) {
    __atomic_store_n(&((struct tpacket2_hdr *)slot)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

void clinux_tpacket2_frame(const void *slot, struct clinux_tpacket_frame *out) {
    const struct tpacket2_hdr *h = slot;
    const struct sockaddr_ll *ll =
        (const struct sockaddr_ll *)((const uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
    out->data = (const uint8_t *)h + h->tp_mac;
    out->snaplen = h->tp_snaplen;
    out->length = h->tp_len;
    out->status = h->tp_status;
    out->sec = h->tp_sec;
    out->nsec = h->tp_nsec;
    out->pkttype = ll->sll_pkttype;
}

void clinux_insert_vlan_tag(uint8_t *start, size_t vnet_len, uint16_t tci, uint16_t tpid) {
    memmove(start - 4, start, vnet_len + 12);
    uint8_t *tag = start - 4 + vnet_len + 12;
    if (!tpid) tpid = 0x8100;
    tag[0] = tpid >> 8; tag[1] = tpid & 0xff;
    tag[2] = tci >> 8; tag[3] = tci & 0xff;
    if (vnet_len >= 10) {
        /* struct virtio_net_hdr, little-endian (vio_le on x86): flags,
           gso_type, hdr_len, gso_size, csum_start, csum_offset. */
        uint8_t *v = start - 4;
        if (v[0] & 1) { uint16_t cs = (uint16_t)(v[6] | v[7] << 8) + 4; v[6] = cs & 0xff; v[7] = cs >> 8; }
        if (v[1] != 0) { uint16_t hl = (uint16_t)(v[2] | v[3] << 8); if (hl) { hl += 4; v[2] = hl & 0xff; v[3] = hl >> 8; } }
    }
}

int clinux_tpacket2_restore_vlan(void *slot, size_t vnet_len) {
    struct tpacket2_hdr *h = slot;
    if (!(h->tp_status & TP_STATUS_VLAN_VALID)) return 0;
    size_t floor = TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) + sizeof(struct sockaddr_ll);
    if (h->tp_mac < floor + vnet_len + 4) return -1;
    uint8_t *base = (uint8_t *)h;
    uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : 0;
    clinux_insert_vlan_tag(base + h->tp_mac - vnet_len, vnet_len, h->tp_vlan_tci, tpid);
    h->tp_mac -= 4;
    h->tp_snaplen += 4;
    h->tp_len += 4;
    h->tp_status &= ~(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID);
    return 1;
}

void clinux_tpacket2_fill_slot(void *slot, uint32_t status, uint32_t length, uint32_t snaplen, uint16_t mac,
                               uint8_t pkttype, uint16_t vlan_tci, uint16_t vlan_tpid) {
    struct tpacket2_hdr *h = slot;
    struct sockaddr_ll *ll = (struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
    h->tp_len = length;
    h->tp_snaplen = snaplen;
    h->tp_mac = mac;
    h->tp_net = mac + 14;
    h->tp_sec = 1;
    h->tp_nsec = 2;
    h->tp_vlan_tci = vlan_tci;
    h->tp_vlan_tpid = vlan_tpid;
    ll->sll_pkttype = pkttype;
    __atomic_store_n(&h->tp_status, status, __ATOMIC_RELEASE);
}

uint16_t clinux_tpacket2_mac_offset(size_t vnet_len) {
    /* tpacket_rcv for SOCK_RAW: netoff = TPACKET_ALIGN(tp_hdrlen + max(maclen, 16))
       + tp_reserve (+ the virtio-net header), macoff = netoff - maclen; maclen 14. */
    size_t hdrlen = TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) + sizeof(struct sockaddr_ll);
    return (uint16_t)(TPACKET_ALIGN(hdrlen + 16) + vnet_len - 14);
}

ssize_t clinux_recv_frame(int fd, void *buffer, size_t length, uint32_t *vlan) {
    struct iovec iov = { .iov_base = buffer, .iov_len = length };
    union { struct cmsghdr align; uint8_t bytes[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof(control.bytes);
    *vlan = 0;
    ssize_t r = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        if (aux.tp_status & TP_STATUS_VLAN_VALID) {
            uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) && aux.tp_vlan_tpid ? aux.tp_vlan_tpid : 0x8100;
            *vlan = (uint32_t)tpid << 16 | aux.tp_vlan_tci;
        }
    }
    return r;
}

size_t clinux_tpacket2_tx_data_offset(void) { return TPACKET_ALIGN(sizeof(struct tpacket2_hdr)); }

uint32_t clinux_tpacket2_tx_status(const void *slot) { return clinux_tpacket2_status(slot); }

void clinux_tpacket2_tx_submit(void *slot, uint32_t length) {
    struct tpacket2_hdr *h = slot;
    h->tp_len = length;
    h->tp_snaplen = length;
    __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
}

void clinux_tpacket2_tx_reset(void *slot) {
    __atomic_store_n(&((struct tpacket2_hdr *)slot)->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
}

int clinux_packet_statistics(int fd, uint32_t *packets, uint32_t *drops) {
    struct tpacket_stats st;
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
